"""Sync protocol v1: message shapes shared by the desktop client and the server.

The push body is compact on purpose (≤ 60 bytes per event after gzip on a 3G
link): events are grouped in *chains* per origin device; inside a chain ``seq``,
``event_id`` and ``prev_hash`` are implied, ``occurred_at`` is a millisecond delta
from the previous event and the HLC is given relative to ``occurred_at``. The
server rebuilds full :class:`~ktpe_desktop.core.events.Event` objects with
:func:`decode_push` and recomputes every hash. docs/sync-protocol.md is the
contract; this module is its reference implementation.
"""

from __future__ import annotations

import gzip
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeGuard

from ktpe_desktop.core.events import (
    Event,
    event_id_for,
    from_ms,
    to_ms,
)
from ktpe_desktop.core.hlc import Hlc

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"
MAX_EVENTS_PER_PUSH = 1000
MAX_BODY_BYTES = 1 * 1024 * 1024  # compressed request body
MAX_INFLATED_BYTES = 8 * 1024 * 1024  # after gunzip
DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 2000
CLOCK_SKEW_WARNING_SECONDS = 300


class ItemStatus(StrEnum):
    """The server's answer for one pushed event."""

    ACCEPTED = "accepted"  # new, stored and applied
    DUPLICATE = "duplicate"  # already held with identical content: nothing changed
    REJECTED = "rejected"  # stored in the ledger (so the chain goes on) but not applied
    CONFLICT = "conflict"  # the server holds other content under this event_id
    CHAIN_BROKEN = "chain_broken"  # hash or prev_hash wrong: not stored
    SEQ_GAP = "seq_gap"  # earlier seq missing on the server: not stored, resend from there
    NOT_IN_SCOPE = "not_in_scope"  # the origin device is not of the caller's team

    @property
    def acknowledged(self) -> bool:
        """The server holds this event for good (the client may stop resending it)."""
        return self in (ItemStatus.ACCEPTED, ItemStatus.DUPLICATE)

    @property
    def retry_later(self) -> bool:
        """Nothing is wrong with the event itself: send it again later."""
        return self is ItemStatus.SEQ_GAP


# ------------------------------------------------------------------ push encoding


def encode_push(events: Sequence[Event]) -> dict[str, Any]:
    """The JSON body of ``POST /sync/events`` for ``events``.

    Events of one device must be contiguous in ``seq`` within the push; several
    devices (relay) give several chains. Raises ValueError otherwise.
    """
    by_device: dict[str, list[Event]] = {}
    for ev in events:
        by_device.setdefault(ev.device_id, []).append(ev)
    chains = []
    for device_id, evs in by_device.items():
        evs.sort(key=lambda e: e.seq)
        for a, b in itertools.pairwise(evs):
            if b.seq != a.seq + 1:
                raise ValueError(f"events of {device_id} are not contiguous at seq {b.seq}")
        operators: list[str] = []
        op_index: dict[str, int] = {}
        rows: list[list[Any]] = []
        last_ms = 0
        for ev in evs:
            if ev.operator not in op_index:
                op_index[ev.operator] = len(operators)
                operators.append(ev.operator)
            t = to_ms(ev.occurred_at)
            hlc = Hlc.decode(ev.hlc)
            rows.append(
                [
                    ev.kind,
                    ev.student_id,
                    op_index[ev.operator],
                    t - last_ms,
                    hlc.wall_ms - t,
                    hlc.counter,
                    dict(ev.payload) or None,
                    ev.hash,
                ]
            )
            last_ms = t
        chains.append(
            {
                "device_id": device_id,
                "first_seq": evs[0].seq,
                "prev_hash": evs[0].prev_hash,
                "operators": operators,
                "events": rows,
            }
        )
    return {"v": PROTOCOL_VERSION, "chains": chains}


class PushFormatError(ValueError):
    """The push body does not follow the protocol (HTTP 422 ``invalid_body``)."""


def decode_push(body: Mapping[str, Any]) -> list[list[Event]]:
    """Rebuild full events from a push body, one list per chain, ``seq`` ascending.

    Hashes are *not* verified here (the server does it against its ledger), but the
    claimed hash is kept in ``Event.hash`` and ``prev_hash`` is the previous claimed hash.

    Raises:
        PushFormatError: with a message saying which part is wrong.
    """
    if not isinstance(body, Mapping):
        raise PushFormatError("body must be a JSON object")
    if body.get("v") != PROTOCOL_VERSION:
        raise PushFormatError(f"unsupported protocol version {body.get('v')!r}")
    chains = body.get("chains")
    if not isinstance(chains, list):
        raise PushFormatError("chains must be a list")
    out: list[list[Event]] = []
    total = 0
    for ci, chain in enumerate(chains):
        where = f"chains[{ci}]"
        if not isinstance(chain, Mapping):
            raise PushFormatError(f"{where} must be an object")
        device_id = chain.get("device_id")
        first_seq = chain.get("first_seq")
        prev_hash = chain.get("prev_hash")
        operators = chain.get("operators")
        rows = chain.get("events")
        if not isinstance(device_id, str) or not device_id or len(device_id) > 64:
            raise PushFormatError(f"{where}.device_id must be a non-empty string")
        if not _is_int(first_seq) or first_seq < 1:
            raise PushFormatError(f"{where}.first_seq must be a positive integer")
        if not _is_hex64(prev_hash):
            raise PushFormatError(f"{where}.prev_hash must be 64 hex digits")
        if not isinstance(operators, list) or not all(isinstance(o, str) for o in operators):
            raise PushFormatError(f"{where}.operators must be a list of strings")
        if not isinstance(rows, list):
            raise PushFormatError(f"{where}.events must be a list")
        total += len(rows)
        if total > MAX_EVENTS_PER_PUSH:
            raise PushFormatError(f"more than {MAX_EVENTS_PER_PUSH} events in one push")
        events: list[Event] = []
        last_ms = 0
        prev = prev_hash
        for ri, row in enumerate(rows):
            w = f"{where}.events[{ri}]"
            if not isinstance(row, list) or len(row) != 8:
                raise PushFormatError(f"{w} must be a list of 8 items")
            kind, student_id, op_i, dt, hlc_dw, hlc_c, payload, claimed = row
            if not isinstance(kind, str) or not isinstance(student_id, str) or not student_id:
                raise PushFormatError(f"{w}: kind and student_id must be strings")
            if len(student_id) > 64 or len(kind) > 32:
                raise PushFormatError(f"{w}: kind or student_id too long")
            if not _is_int(op_i) or not 0 <= op_i < len(operators):
                raise PushFormatError(f"{w}: operator index out of range")
            if not (_is_int(dt) and _is_int(hlc_dw) and _is_int(hlc_c)) or hlc_c < 0:
                raise PushFormatError(f"{w}: time fields must be integers")
            if payload is None:
                payload = {}
            if not isinstance(payload, dict):
                raise PushFormatError(f"{w}: payload must be an object or null")
            if not _is_hex64(claimed):
                raise PushFormatError(f"{w}: hash must be 64 hex digits")
            t = last_ms + dt
            wall = t + hlc_dw
            if not (0 <= t < 10**14 and 0 <= wall < 10**15 and hlc_c < 10**5):
                raise PushFormatError(f"{w}: time out of range")
            seq = first_seq + ri
            events.append(
                Event(
                    event_id=event_id_for(device_id, seq),
                    device_id=device_id,
                    seq=seq,
                    hlc=Hlc(wall, hlc_c).encode(),
                    prev_hash=prev,
                    hash=claimed,
                    kind=kind,
                    student_id=student_id,
                    operator=operators[op_i],
                    occurred_at=from_ms(t),
                    payload=payload,
                )
            )
            last_ms = t
            prev = claimed
        out.append(events)
    return out


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_hex64(value: Any) -> TypeGuard[str]:
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )


# ------------------------------------------------------------------ push reply


@dataclass(frozen=True, slots=True)
class ItemProblem:
    event_id: str
    device_id: str
    seq: int
    status: ItemStatus
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class LedgerHead:
    """What the server holds of one device's chain."""

    contiguous_seq: int
    head_hash: str


@dataclass(frozen=True, slots=True)
class PushReply:
    """The reply to a push: one status per event, in request order per chain."""

    server_time: str
    statuses: Mapping[str, ItemStatus]  # event_id -> status
    problems: tuple[ItemProblem, ...] = ()
    ledger: Mapping[str, LedgerHead] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PushReply:
        statuses: dict[str, ItemStatus] = {}
        for chain in data["chains"]:
            device_id = chain["device_id"]
            for i, st in enumerate(chain["results"]):
                statuses[event_id_for(device_id, chain["first_seq"] + i)] = ItemStatus(st)
        problems = tuple(
            ItemProblem(
                event_id=p["event_id"],
                device_id=p["device_id"],
                seq=p["seq"],
                status=ItemStatus(p["status"]),
                code=p["code"],
                message=p["message"],
            )
            for p in data.get("problems", [])
        )
        ledger = {
            dev: LedgerHead(int(v["contiguous_seq"]), str(v["head_hash"]))
            for dev, v in data.get("ledger", {}).items()
        }
        return cls(str(data["server_time"]), statuses, problems, ledger)


def encode_push_reply(
    server_time: str,
    chains: Iterable[tuple[str, int, Sequence[ItemStatus]]],
    problems: Iterable[ItemProblem],
    ledger: Mapping[str, LedgerHead],
) -> dict[str, Any]:
    """The JSON reply of ``POST /sync/events`` (used by the server)."""
    return {
        "server_time": server_time,
        "chains": [
            {"device_id": d, "first_seq": s, "results": [str(x) for x in sts]}
            for d, s, sts in chains
        ],
        "problems": [
            {
                "event_id": p.event_id,
                "device_id": p.device_id,
                "seq": p.seq,
                "status": str(p.status),
                "code": p.code,
                "message": p.message,
            }
            for p in problems
        ],
        "ledger": {
            d: {"contiguous_seq": h.contiguous_seq, "head_hash": h.head_hash}
            for d, h in ledger.items()
        },
    }


def gzip_json(data: Any) -> bytes:
    """Compact JSON, gzip-compressed (the body of every sync request and reply)."""
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return gzip.compress(raw, compresslevel=6, mtime=0)
