"""Sync protocol: message shapes shared by the desktop client and the server.

The push body is compact on purpose (≤ 60 bytes per event after gzip on a 3G
link): events are grouped in *chains* per origin device; inside a chain ``seq``,
``event_id`` and ``prev_hash`` are implied, ``occurred_at`` is a millisecond delta
from the previous event and the HLC is given relative to ``occurred_at``. Rows carry no
hash: the receiver rebuilds full :class:`~ktpe_desktop.core.events.Event` objects
with :func:`decode_push` and computes every hash (the device's segment signature
covers them, so a changed row fails its signature). docs/sync-protocol.md is the
contract; this module is its reference implementation.
"""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeGuard

from ktpe_desktop.core.events import (
    Event,
    build_event,
    event_id_for,
    event_ids_for,
    from_ms,
    ms_text,
    to_ms,
)
from ktpe_desktop.core.hlc import Hlc

PROTOCOL_VERSION = 2  # 2: signed chain segments (docs/sync-protocol.md, "Versions")
API_PREFIX = "/api/v1"
MAX_EVENTS_PER_PUSH = 1000
MAX_BODY_BYTES = 1 * 1024 * 1024  # compressed request body
MAX_INFLATED_BYTES = 8 * 1024 * 1024  # after gunzip
DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 2000
MAX_PULL_PAGE_BYTES = 1024 * 1024  # a pull page stops before this much event JSON
CLOCK_SKEW_WARNING_SECONDS = 300
# No party accepts or adopts a time beyond its own clock plus this (servers: configurable).
DEFAULT_MAX_CLOCK_AHEAD_SECONDS = 600
# Bounds of one event (docs/sync-protocol.md, "Limits").
MAX_PAYLOAD_BYTES = 4096  # the payload's canonical JSON, UTF-8
MAX_TEXT_CHARS = 1000  # any one string in an event (payload keys and values too)
MAX_PAYLOAD_DEPTH = 4  # nesting of objects/lists in a payload
MAX_OPERATOR_CHARS = 200  # an operator's name
MAX_SEQ = 2**53 - 1  # a seq every JSON parser holds exactly (and every BIGINT)


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


@dataclass(frozen=True, slots=True)
class Segment:
    """A device's signature over ``first_seq..last_seq`` of its chain (core.signing)."""

    device_id: str
    first_seq: int
    last_seq: int
    sig: str


def encode_push(
    events: Sequence[Event],
    signatures: Mapping[str, Sequence[Segment]] | None = None,
    *,
    with_hashes: bool = False,
) -> dict[str, Any]:
    """The JSON body of ``POST /sync/events`` for ``events``.

    Events of one device must be contiguous in ``seq`` within the push; several
    devices (relay) give several chains. Raises ValueError otherwise.

    Args:
        events: the events to push.
        signatures: per origin device, the signed segments that cover its chain
            exactly (in ``seq`` order); they become the chain's ``sigs``.
        with_hashes: add each event's hash as an 8th item of its row (optional in
            the protocol: 32+ incompressible bytes per event that the receiver
            computes anyway; tests and vectors use it).
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
                ]
            )
            if with_hashes:
                rows[-1].append(ev.hash)
            last_ms = t
        chain: dict[str, Any] = {
            "device_id": device_id,
            "first_seq": evs[0].seq,
            "prev_hash": evs[0].prev_hash,
            "operators": operators,
            "events": rows,
        }
        segs = (signatures or {}).get(device_id)
        if segs:
            chain["sigs"] = [[seg.last_seq, seg.sig] for seg in segs]
        chains.append(chain)
    return {"v": PROTOCOL_VERSION, "chains": chains}


class PushFormatError(ValueError):
    """The push body does not follow the protocol (HTTP 4xx with :attr:`code`).

    Codes: ``invalid_body`` (422, the default), ``duplicate_chain`` (422: two chains
    of one origin device), ``nul_character`` (422: U+0000 in a string),
    ``bad_number`` (422: a float, or an integer beyond 2^53 - 1, in a payload),
    ``event_too_large`` (413: a payload or a string over the limits).
    """

    def __init__(self, message: str, code: str = "invalid_body") -> None:
        super().__init__(message)
        self.code = code


def check_payload_bounds(payload: Any, where: str = "payload") -> None:
    """Refuse a payload over the limits or with a NUL character.

    Raises:
        PushFormatError: ``event_too_large`` or ``nul_character``.
    """
    _check_value(payload, where, 0)
    size = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise PushFormatError(
            f"{where}: payload of {size} bytes (limit {MAX_PAYLOAD_BYTES})", "event_too_large"
        )


def check_text(value: str, where: str) -> None:
    """Refuse a string with NUL or over :data:`MAX_TEXT_CHARS`."""
    if "\x00" in value:
        raise PushFormatError(f"{where}: NUL character in text", "nul_character")
    if len(value) > MAX_TEXT_CHARS:
        raise PushFormatError(
            f"{where}: text of {len(value)} characters (limit {MAX_TEXT_CHARS})",
            "event_too_large",
        )


MAX_SAFE_INTEGER = 2**53 - 1  # every JSON parser holds these exactly


def _check_value(value: Any, where: str, depth: int) -> None:
    if isinstance(value, str):
        check_text(value, where)
    elif isinstance(value, float):
        # A float hashes as its implementation prints it (1e16, 1e+16, 10000000000000000.0):
        # payloads carry no floats, so every party hashes the same bytes.
        raise PushFormatError(f"{where}: a non-integer number", "bad_number")
    elif isinstance(value, int) and not isinstance(value, bool):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise PushFormatError(f"{where}: an integer beyond 2^53 - 1", "bad_number")
    elif isinstance(value, dict):
        if depth >= MAX_PAYLOAD_DEPTH:
            raise PushFormatError(f"{where}: nested too deep", "event_too_large")
        for key, item in value.items():
            check_text(str(key), where)
            _check_value(item, where, depth + 1)
    elif isinstance(value, list):
        if depth >= MAX_PAYLOAD_DEPTH:
            raise PushFormatError(f"{where}: nested too deep", "event_too_large")
        for item in value:
            _check_value(item, where, depth + 1)


def decode_push(body: Mapping[str, Any], mismatched: set[str] | None = None) -> list[list[Event]]:
    """Rebuild full events from a push body, one list per chain, ``seq`` ascending.

    Each event's hash is computed here from its content (a row carries no hash; the
    next row's ``prev_hash`` is that hash). A row may still carry a claimed hash as
    an 8th item: when it differs from the content's, the event keeps the *claimed*
    hash (the next row chains from it) and its ``event_id`` goes into ``mismatched``
    when given (the server refuses it ``bad_hash``). Events whose id is not in
    ``mismatched`` hash to their ``hash``.

    Raises:
        PushFormatError: with a message saying which part is wrong.
    """
    if not isinstance(body, Mapping):
        raise PushFormatError("body must be a JSON object")
    version = body.get("v")
    if _is_int(version) and 1 <= version < PROTOCOL_VERSION:
        raise PushFormatError(f"protocol {version} is no longer accepted", "protocol_outdated")
    if version != PROTOCOL_VERSION:
        raise PushFormatError(f"unsupported protocol version {version!r}")
    chains = body.get("chains")
    if not isinstance(chains, list):
        raise PushFormatError("chains must be a list")
    out: list[list[Event]] = []
    total = 0
    seen_devices: set[str] = set()
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
        check_text(device_id, f"{where}.device_id")
        if device_id in seen_devices:
            raise PushFormatError(
                f"{where}: a second chain of device {device_id[:40]!r} in one push",
                "duplicate_chain",
            )
        seen_devices.add(device_id)
        if not _is_int(first_seq) or not 1 <= first_seq <= MAX_SEQ:
            raise PushFormatError(f"{where}.first_seq must be an integer from 1 to 2^53 - 1")
        if not _is_hex64(prev_hash):
            raise PushFormatError(f"{where}.prev_hash must be 64 hex digits")
        if not isinstance(operators, list) or not all(isinstance(o, str) for o in operators):
            raise PushFormatError(f"{where}.operators must be a list of strings")
        for oi, op in enumerate(operators):
            check_text(op, f"{where}.operators[{oi}]")
            if len(op) > MAX_OPERATOR_CHARS:
                raise PushFormatError(f"{where}.operators[{oi}]: operator name too long")
        if not isinstance(rows, list):
            raise PushFormatError(f"{where}.events must be a list")
        total += len(rows)
        if total > MAX_EVENTS_PER_PUSH:
            raise PushFormatError(f"more than {MAX_EVENTS_PER_PUSH} events in one push")
        if first_seq + len(rows) - 1 > MAX_SEQ:
            raise PushFormatError(f"{where}: seq beyond 2^53 - 1")
        events: list[Event] = []
        last_ms = 0
        prev = prev_hash
        event_ids = event_ids_for(device_id, first_seq, len(rows))
        n_operators = len(operators)
        for ri, row in enumerate(rows):
            if not isinstance(row, list) or len(row) not in (7, 8):
                raise PushFormatError(
                    f"{where}.events[{ri}] must be a list of 7 items (8 with a hash)"
                )
            kind, student_id, op_i, dt, hlc_dw, hlc_c, payload = row[:7]
            claimed = row[7] if len(row) == 8 else None
            if not isinstance(kind, str) or not isinstance(student_id, str) or not student_id:
                raise PushFormatError(f"{where}.events[{ri}]: kind and student_id must be strings")
            if len(student_id) > 64 or len(kind) > 32:
                raise PushFormatError(f"{where}.events[{ri}]: kind or student_id too long")
            if "\x00" in kind or "\x00" in student_id:
                check_text(kind + student_id, f"{where}.events[{ri}]")
            if type(op_i) is not int or not 0 <= op_i < n_operators:
                raise PushFormatError(f"{where}.events[{ri}]: operator index out of range")
            if (
                type(dt) is not int
                or type(hlc_dw) is not int
                or type(hlc_c) is not int
                or hlc_c < 0
            ):
                raise PushFormatError(f"{where}.events[{ri}]: time fields must be integers")
            if payload is None:
                payload = {}
            elif not isinstance(payload, dict):
                raise PushFormatError(f"{where}.events[{ri}]: payload must be an object or null")
            elif payload:
                check_payload_bounds(payload, f"{where}.events[{ri}].payload")
            if claimed is not None and not _is_hex64(claimed):
                raise PushFormatError(f"{where}.events[{ri}]: hash must be 64 hex digits")
            t = last_ms + dt
            wall = t + hlc_dw
            if not (0 <= t < 10**14 and 0 <= wall < 10**15 and hlc_c < 10**5):
                raise PushFormatError(f"{where}.events[{ri}]: time out of range")
            # make_event's normalisation, already true here: the id is the seq's, the
            # time is whole milliseconds in UTC, the HLC fixed width (bounds above).
            ev = build_event(
                event_id=event_ids[ri],
                device_id=device_id,
                seq=first_seq + ri,
                prev_hash=prev,
                # Hlc.encode's text; %-formatting costs half the f-string's CPU.
                hlc="%015d-%05d" % (wall, hlc_c),  # noqa: UP031
                kind=kind,
                student_id=student_id,
                operator=operators[op_i],
                occurred_at=from_ms(t),
                occurred_text=ms_text(t),
                payload=payload,
            )
            if claimed is not None and claimed != ev.hash:
                ev = dataclasses.replace(ev, hash=claimed)
                if mismatched is not None:
                    mismatched.add(ev.event_id)
            events.append(ev)
            last_ms = t
            prev = ev.hash
        out.append(events)
    return out


def decode_push_segments(
    body: Mapping[str, Any], chains: Sequence[Sequence[Event]]
) -> list[list[Segment]]:
    """The signed segments of each chain of a push :func:`decode_push` accepted.

    A chain's ``sigs`` is ``[[last_seq, signature], ...]``: consecutive segments, the
    first starting at the chain's ``first_seq``, the last ending at its last event.
    A chain without ``sigs`` gives ``[]`` (the server refuses it as ``unsigned``).

    Raises:
        PushFormatError: ``sigs`` of the wrong shape.
    """
    out: list[list[Segment]] = []
    for ci, (raw, chain) in enumerate(zip(body["chains"], chains, strict=True)):
        sigs = raw.get("sigs")
        if sigs is None or not chain:
            out.append([])
            continue
        where = f"chains[{ci}].sigs"
        if not isinstance(sigs, list) or not sigs or len(sigs) > len(chain):
            raise PushFormatError(f"{where} must be a non-empty list")
        segments: list[Segment] = []
        first = chain[0].seq
        for item in sigs:
            if (
                not isinstance(item, list)
                or len(item) != 2
                or not _is_int(item[0])
                or not isinstance(item[1], str)
                or len(item[1]) != 86
            ):
                raise PushFormatError(f"{where}: each item is [last_seq, signature]")
            last = item[0]
            if not first <= last <= chain[-1].seq:
                raise PushFormatError(f"{where}: last_seq out of the chain's range")
            segments.append(Segment(chain[0].device_id, first, last, item[1]))
            first = last + 1
        if segments[-1].last_seq != chain[-1].seq:
            raise PushFormatError(f"{where}: the last segment must end at the chain's end")
        out.append(segments)
    return out


def _is_int(value: Any) -> TypeGuard[int]:
    return type(value) is int  # not bool (JSON gives no other int subclass)


_HEX64 = re.compile(r"[0-9a-f]{64}")


def _is_hex64(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None


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
