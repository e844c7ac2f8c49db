"""Events, their canonical encoding and hash chain, and the status fold.

Every outcome is an immutable :class:`Event` written by one device. A student's
state is a pure function of the *set* of its events (:func:`fold_status`): the
order in which events arrive and duplicates do not change it. Outcomes have a
precedence (recorded > already_recorded > failed > not_eligible > absent >
pending) so a late "absent" from a laptop with a stale view cannot undo a
recording; only an explicit ``voided`` can. Contradictions become anomalies.

The canonical encoding (documented in docs/sync-protocol.md) is the JSON object of
every field but ``hash``, keys sorted, no spaces, UTF-8, ``occurred_at`` as
``YYYY-MM-DDTHH:MM:SS.mmmZ``. ``hash = sha256(canonical)``; ``prev_hash`` is the
hash of the same device's event ``seq - 1`` (:data:`GENESIS_HASH` for seq 1).
``event_id`` is derived from ``(device_id, seq)`` (UUIDv5), so a device can never
write two different events under one id without the server noticing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ktpe_desktop.core.codes import (
    AnomalyCode as AnomalyCode,
)
from ktpe_desktop.core.codes import (
    EventKind as EventKind,
)
from ktpe_desktop.core.codes import (
    FailReason as FailReason,
)
from ktpe_desktop.core.codes import (
    NotEligibleReason as NotEligibleReason,
)
from ktpe_desktop.core.codes import (
    Precedence as Precedence,
)
from ktpe_desktop.core.codes import (
    Status as Status,
)
from ktpe_desktop.core.hlc import Hlc

GENESIS_HASH = "0" * 64
EVENT_NAMESPACE = uuid.UUID("5b0c3f6e-8a51-4c55-9a57-6b74b1e3a001")
CANONICAL_VERSION = 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

JsonValue = str | int | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


OUTCOME_KINDS: Mapping[EventKind, Status] = {
    EventKind.RECORDED: Status.RECORDED,
    EventKind.ALREADY_RECORDED: Status.ALREADY_RECORDED,
    EventKind.FAILED: Status.FAILED,
    EventKind.NOT_ELIGIBLE: Status.NOT_ELIGIBLE,
    EventKind.ABSENT: Status.ABSENT,
}

PRECEDENCE: Mapping[Status, int] = {s: Precedence[s.name].value for s in Status}


# Student detail fields that student_added / details_corrected may carry.
DETAIL_FIELDS = (
    "school_npsn",
    "nisn",
    "nik",
    "kk",
    "name",
    "sex",
    "birth_place",
    "birth_date",
    "class_name",
    "mother_name",
    "nipd",
)


def format_time(ts: datetime) -> str:
    """``occurred_at`` in its canonical text: UTC, millisecond precision, ``Z``."""
    if ts.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    ts = ts.astimezone(UTC)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    """Inverse of :func:`format_time` (accepts any ISO 8601 with an offset)."""
    ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if ts.tzinfo is None:
        raise ValueError(f"time without an offset: {text!r}")
    ts = ts.astimezone(UTC)
    return ts.replace(microsecond=ts.microsecond // 1000 * 1000)


def to_ms(ts: datetime) -> int:
    """Milliseconds since the Unix epoch (exact, no float rounding)."""
    delta = ts.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


_NAMESPACE_BYTES = EVENT_NAMESPACE.bytes
# The UUID variant nibble (RFC 4122: binary 10xx) for each hex digit of the digest.
_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def event_id_for(device_id: str, seq: int) -> str:
    """The id of a device's ``seq``-th event (UUIDv5 of ``device_id/seq``).

    ``str(uuid.uuid5(EVENT_NAMESPACE, f"{device_id}/{seq}"))`` computed without the
    UUID object (SHA-1 of namespace + name, version and variant bits set, the
    canonical 8-4-4-4-12 text); a batch of 10,000 events spends noticeably less.
    """
    return _uuid5_text(
        hashlib.sha1(_NAMESPACE_BYTES + f"{device_id}/{seq}".encode(), usedforsecurity=False)
    )


def event_ids_for(device_id: str, first_seq: int, count: int) -> list[str]:
    """``[event_id_for(device_id, q) for q in range(first_seq, first_seq + count)]``.

    The SHA-1 state after the namespace and ``device_id/`` is computed once and copied
    for each seq (a decoded push names one device for its whole chain).
    """
    prefix = hashlib.sha1(_NAMESPACE_BYTES + f"{device_id}/".encode(), usedforsecurity=False)
    out = []
    for seq in range(first_seq, first_seq + count):
        h = prefix.copy()
        h.update(str(seq).encode())
        out.append(_uuid5_text(h))
    return out


def _uuid5_text(sha1: Any) -> str:
    """The canonical text of the version-5 UUID of a SHA-1 state (its first 16 bytes)."""
    h = sha1.hexdigest()
    # Version nibble 5 (position 12), RFC 4122 variant (position 16); cut to 32 digits.
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


@dataclass(frozen=True, slots=True)
class Event:
    """One immutable fact written by one device."""

    event_id: str
    device_id: str
    seq: int
    hlc: str
    prev_hash: str
    hash: str
    kind: str
    student_id: str
    operator: str
    occurred_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)

    def content(self) -> dict[str, Any]:
        """Every field but ``hash``, as plain JSON values (the hashed content)."""
        return {
            "v": CANONICAL_VERSION,
            "event_id": self.event_id,
            "device_id": self.device_id,
            "seq": self.seq,
            "hlc": self.hlc,
            "prev_hash": self.prev_hash,
            "kind": self.kind,
            "student_id": self.student_id,
            "operator": self.operator,
            "occurred_at": format_time(self.occurred_at),
            "payload": dict(self.payload),
        }

    def to_json(self) -> dict[str, Any]:
        data = self.content()
        del data["v"]
        data["hash"] = self.hash
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Event:
        """Build an event from its JSON form.

        Raises:
            ValueError: a field is missing or of the wrong type.
        """
        try:
            payload = data.get("payload") or {}
            if not isinstance(payload, dict):
                raise ValueError("payload must be an object")
            seq = data["seq"]
            if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
                raise ValueError("seq must be a positive integer")
            for name in (
                "event_id",
                "device_id",
                "hlc",
                "prev_hash",
                "hash",
                "kind",
                "student_id",
                "operator",
                "occurred_at",
            ):
                if not isinstance(data[name], str):
                    raise ValueError(f"{name} must be a string")
            Hlc.decode(data["hlc"])
            return cls(
                event_id=data["event_id"],
                device_id=data["device_id"],
                seq=seq,
                hlc=data["hlc"],
                prev_hash=data["prev_hash"],
                hash=data["hash"],
                kind=data["kind"],
                student_id=data["student_id"],
                operator=data["operator"],
                occurred_at=parse_time(data["occurred_at"]),
                payload=payload,
            )
        except KeyError as exc:
            raise ValueError(f"missing field {exc.args[0]}") from None

    def computed_hash(self) -> str:
        """sha256 of :func:`canonical_bytes` of :meth:`content` (written out field by field)."""
        text = _canonical_text(
            self.event_id,
            self.device_id,
            self.seq,
            self.hlc,
            self.prev_hash,
            self.kind,
            self.student_id,
            self.operator,
            format_time(self.occurred_at),
            self.payload,
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def with_valid_hash(self) -> bool:
        return self.computed_hash() == self.hash


# What json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
# allow_nan=False) builds on every call (the encoder keeps no state between calls).
_CANONICAL_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_bytes(content: Mapping[str, Any]) -> bytes:
    """The canonical encoding that the hash covers."""
    return _CANONICAL_ENCODER.encode(content).encode("utf-8")


def hash_content(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


# The string escaper of the encoder above (``ensure_ascii=False``), in C.
_escape = json.encoder.encode_basestring


def _canonical_text(
    event_id: str,
    device_id: str,
    seq: int,
    hlc: str,
    prev_hash: str,
    kind: str,
    student_id: str,
    operator: str,
    occurred_text: str,
    payload: Mapping[str, Any],
    body: str | None = None,
) -> str:
    """``canonical_bytes(content)`` as text, for an event's content (:meth:`Event.content`).

    The content's keys are fixed, so their sorted order is written out here and each
    string goes through the encoder's own escaper: the same text, without building and
    sorting a dict per event (a third of decoding a push, issue 12). An empty payload
    is ``{}``; any other payload, and a field of another type than the encoder's
    plain ``str`` and ``int`` (a ``bool`` seq, a ``None``), take the encoder itself.
    ``body``: the payload's encoding when the caller already has it (:func:`_payload_body`).
    """
    try:
        if type(seq) is not int:
            raise TypeError("seq")
        if body is None:
            body = _payload_body(payload)
        return (
            f'{{"device_id":{_escape(device_id)},"event_id":{_escape(event_id)},'
            f'"hlc":{_escape(hlc)},"kind":{_escape(kind)},'
            f'"occurred_at":{_escape(occurred_text)},"operator":{_escape(operator)},'
            f'"payload":{body},"prev_hash":{_escape(prev_hash)},"seq":{int.__repr__(seq)},'
            f'"student_id":{_escape(student_id)},"v":{CANONICAL_VERSION}}}'
        )
    except TypeError:
        content = {
            "v": CANONICAL_VERSION,
            "event_id": event_id,
            "device_id": device_id,
            "seq": seq,
            "hlc": hlc,
            "prev_hash": prev_hash,
            "kind": kind,
            "student_id": student_id,
            "operator": operator,
            "occurred_at": occurred_text,
            "payload": _plain(payload),
        }
        return _CANONICAL_ENCODER.encode(content)


def _plain(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as the ``dict`` :meth:`Event.content` gives the encoder."""
    return payload if type(payload) is dict else dict(payload)


def _payload_body(payload: Mapping[str, Any]) -> str:
    """The payload's part of the canonical text (``{}`` when empty)."""
    return _CANONICAL_ENCODER.encode(_plain(payload)) if payload else "{}"


def make_event(
    *,
    device_id: str,
    seq: int,
    prev_hash: str,
    hlc: Hlc | str,
    kind: EventKind | str,
    student_id: str,
    operator: str,
    occurred_at: datetime,
    payload: Mapping[str, Any] | None = None,
) -> Event:
    """Create a chained event: its id derived from ``(device_id, seq)``, its hash computed.

    The canonical encoding is computed once (it is also what refuses NaN and other
    values JSON cannot hold): the content is built exactly as :meth:`Event.content`
    builds it, so ``hash`` is the one :meth:`Event.computed_hash` gives.
    """
    return make_event_with_text(
        device_id=device_id,
        seq=seq,
        prev_hash=prev_hash,
        hlc=hlc,
        kind=kind,
        student_id=student_id,
        operator=operator,
        occurred_at=occurred_at,
        payload=payload,
    )[0]


def make_event_with_text(
    *,
    device_id: str,
    seq: int,
    prev_hash: str,
    hlc: Hlc | str,
    kind: EventKind | str,
    student_id: str,
    operator: str,
    occurred_at: datetime,
    payload: Mapping[str, Any] | None = None,
) -> tuple[Event, str]:
    """:func:`make_event`, and the payload's JSON text as the event row stores it.

    The row's text (``models.JsonText``: sorted keys, compact, not ASCII-escaped) is
    the payload's part of the canonical text, which the hash has already encoded (the
    canonical encoder differs only in refusing NaN, which raised before): a batch of
    events (a roster import) encodes each payload once instead of twice.
    """
    if seq < 1:
        raise ValueError("seq starts at 1")
    occurred, occurred_text = _normalized_time(occurred_at)
    plain = dict(payload or {})
    body = _payload_body(plain)
    event_id = event_id_for(device_id, seq)
    hlc_text = hlc.encode() if isinstance(hlc, Hlc) else hlc
    kind_text = str(kind)
    text = _canonical_text(
        event_id,
        device_id,
        seq,
        hlc_text,
        prev_hash,
        kind_text,
        student_id,
        operator,
        occurred_text,
        plain,
        body,
    )
    event = Event(
        event_id=event_id,
        device_id=device_id,
        seq=seq,
        hlc=hlc_text,
        prev_hash=prev_hash,
        hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        kind=kind_text,
        student_id=student_id,
        operator=operator,
        occurred_at=occurred,
        payload=plain,
    )
    return event, body


def build_event(
    *,
    event_id: str,
    device_id: str,
    seq: int,
    prev_hash: str,
    hlc: str,
    kind: str,
    student_id: str,
    operator: str,
    occurred_at: datetime,
    occurred_text: str,
    payload: dict[str, Any],
) -> Event:
    """An event from fields already in their canonical form, its hash computed.

    For a decoder that derives them itself (:func:`ktpe_desktop.core.protocol.decode_push`:
    ``event_id`` from :func:`event_ids_for`, ``occurred_at`` from :func:`from_ms` and its
    text from :func:`ms_text`); :func:`make_event` normalises them first. The encoding
    is computed once (it is also what refuses NaN and other values JSON cannot hold).
    """
    text = _canonical_text(
        event_id, device_id, seq, hlc, prev_hash, kind, student_id, operator, occurred_text, payload
    )
    return Event(
        event_id=event_id,
        device_id=device_id,
        seq=seq,
        hlc=hlc,
        prev_hash=prev_hash,
        hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        kind=kind,
        student_id=student_id,
        operator=operator,
        occurred_at=occurred_at,
        payload=payload,
    )


# The canonical text of each day (``2024-11-20T``) met by ms_text: a push's events
# fall on a few days. Bounded (a forged push may name any day).
_DAY_TEXT: dict[int, str] = {}


def ms_text(ms: int) -> str:
    """``format_time(from_ms(ms))``, without strftime for each event."""
    day, rest = divmod(ms, 86_400_000)
    day_text = _DAY_TEXT.get(day)
    if day_text is None:
        day_text = (_EPOCH + timedelta(days=day)).strftime("%Y-%m-%dT")
        if len(_DAY_TEXT) < 4096:
            _DAY_TEXT[day] = day_text
    seconds, milli = divmod(rest, 1000)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    # %-formatting: half the CPU of this f-string with format specs (CPython 3.11).
    return "%s%02d:%02d:%02d.%03dZ" % (day_text, hours, minutes, seconds, milli)  # noqa: UP031


# The last time normalised by make_event: a batch (a roster import) gives the same
# occurred_at to thousands of events. One tuple, replaced as a whole (thread-safe).
_last_time: tuple[datetime, datetime, str] | None = None


def _normalized_time(occurred_at: datetime) -> tuple[datetime, str]:
    """``occurred_at`` cut to the millisecond in UTC, and its canonical text."""
    global _last_time
    cached = _last_time
    # Both results depend on the instant only, which == compares (naive times, which
    # format_time refuses, never equal an aware one); the same object (a batch's one
    # time) is known without comparing (== of aware times asks both for their offset).
    if cached is not None and (
        cached[0] is occurred_at or (occurred_at.tzinfo is not None and cached[0] == occurred_at)
    ):
        return cached[1], cached[2]
    if occurred_at.tzinfo is UTC:
        # Already canonical (from_ms, a decoded push), or a check-off's datetime.now(UTC)
        # cut to the millisecond as parse_time(format_time(...)) would: only its text
        # is needed (the round trip through text was ~4 % of a check-off's CPU).
        given = occurred_at
        if occurred_at.microsecond % 1000:
            occurred_at = occurred_at.replace(
                microsecond=occurred_at.microsecond - occurred_at.microsecond % 1000
            )
        text = occurred_at.strftime("%Y-%m-%dT%H:%M:%S.") + (
            f"{occurred_at.microsecond // 1000:03d}Z"
        )
        _last_time = (given, occurred_at, text)
        return occurred_at, text
    occurred = parse_time(format_time(occurred_at))
    text = format_time(occurred)
    _last_time = (occurred_at, occurred, text)
    return occurred, text


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where a device's chain stops being valid."""

    seq: int
    event_id: str
    reason: str  # "bad_hash" | "bad_prev_hash" | "seq_gap" | "wrong_device" | "bad_event_id"


def verify_chain(
    events: Sequence[Event], *, prev_hash: str = GENESIS_HASH, start_seq: int = 1
) -> ChainBreak | None:
    """Check that ``events`` (one device, ascending ``seq``) continue a chain.

    Args:
        events: the events, in ``seq`` order.
        prev_hash: the hash of event ``start_seq - 1`` (genesis for 1).
        start_seq: the ``seq`` the first event must have.

    Returns:
        None when every event is well chained, else the first break.
    """
    expected_seq = start_seq
    expected_prev = prev_hash
    device = events[0].device_id if events else ""
    for ev in events:
        if ev.device_id != device:
            return ChainBreak(ev.seq, ev.event_id, "wrong_device")
        if ev.seq != expected_seq:
            return ChainBreak(ev.seq, ev.event_id, "seq_gap")
        if ev.event_id != event_id_for(ev.device_id, ev.seq):
            return ChainBreak(ev.seq, ev.event_id, "bad_event_id")
        if ev.prev_hash != expected_prev:
            return ChainBreak(ev.seq, ev.event_id, "bad_prev_hash")
        if not ev.with_valid_hash():
            return ChainBreak(ev.seq, ev.event_id, "bad_hash")
        expected_seq += 1
        expected_prev = ev.hash
    return None


# --------------------------------------------------------------------------- fold


@dataclass(frozen=True, slots=True)
class Anomaly:
    code: AnomalyCode
    event_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FoldState:
    """What a student's events say, computed by :func:`fold_status`."""

    student_id: str
    status: Status = Status.PENDING
    reason: str | None = None
    deciding_event_id: str | None = None
    decided_at: datetime | None = None
    decided_by_device: str | None = None
    decided_by_operator: str | None = None
    ikd_activated: bool = False
    details: Mapping[str, Any] = field(default_factory=dict)
    added_by_event_id: str | None = None
    anomalies: tuple[Anomaly, ...] = ()
    event_count: int = 0
    last_hlc: str | None = None


REISSUE_KEY = "reissue_of"


def reissue_ref(payload: Mapping[str, Any]) -> tuple[str, str, int, str] | None:
    """``(event_id, device_id, seq, hash)`` of the original a re-issued event stands
    for (payload ``reissue_of``), or None when it is not a well-formed re-issue."""
    ref = payload.get(REISSUE_KEY)
    if not isinstance(ref, Mapping):
        return None
    device_id, seq, event_id, digest = (
        ref.get("device_id"),
        ref.get("seq"),
        ref.get("event_id"),
        ref.get("hash"),
    )
    if not (
        isinstance(device_id, str)
        and isinstance(seq, int)
        and not isinstance(seq, bool)
        and seq >= 1
        and isinstance(event_id, str)
        and isinstance(digest, str)
        and len(digest) == 64
    ):
        return None
    if event_id != event_id_for(device_id, seq):
        return None
    return event_id, device_id, seq, digest


def reissue_payload(original: Event) -> dict[str, Any]:
    """The payload of ``original`` re-issued by another device (after a salvage that
    found some of its device's events truly gone): the same facts plus a reference
    to the original. A re-issue of a re-issue keeps the first original's reference."""
    payload = dict(original.payload)
    if reissue_ref(payload) is None:
        payload[REISSUE_KEY] = {
            "event_id": original.event_id,
            "device_id": original.device_id,
            "seq": original.seq,
            "hash": original.hash,
        }
    return payload


def outcome_root(ev: Event, held: Mapping[str, Event]) -> str:
    """The id of the fact ``ev`` stands for: its original's id when ``ev`` re-issues
    an event that is absent from ``held`` or present with the referenced hash, else
    its own id (an original holding other content under that id is another fact)."""
    ref = reissue_ref(ev.payload)
    if ref is None or ref[1] == ev.device_id:
        return ev.event_id
    original = held.get(ref[0])
    if original is not None and original.hash != ref[3]:
        return ev.event_id
    return ref[0]


def _alias_rank(ev: Event, root: str) -> tuple[int, str, str, str]:
    # The original itself first, then the earliest re-issue in the total order.
    return (0 if ev.event_id == root else 1, *event_order_key(ev))


def event_order_key(ev: Event) -> tuple[str, str, str]:
    """A total order on events that every replica agrees on."""
    return (ev.hlc, ev.device_id, ev.event_id)


# The kinds fold_status compares each event with, as plain strings (an enum member's
# attribute lookup is a descriptor call), and each outcome kind's precedence.
_VOIDED = EventKind.VOIDED.value
_RECORDED = EventKind.RECORDED.value
_NOT_ELIGIBLE = EventKind.NOT_ELIGIBLE.value
_ALREADY_RECORDED = EventKind.ALREADY_RECORDED.value
_OUTCOME_RANK: Mapping[str, int] = {k.value: PRECEDENCE[s] for k, s in OUTCOME_KINDS.items()}
_PLAIN_OUTCOMES = frozenset(_OUTCOME_RANK)


def fold_status(student_id: str, events: Iterable[Event]) -> FoldState:
    """Fold a student's events into its state.

    A pure function of the *set* of events (deduplicated by ``event_id``, sorted by
    :func:`event_order_key`), so any permutation or duplication gives the same state.
    Events of other students are ignored. Two different events under one id (a
    corrupt or forged set: the server and the laptops refuse the second as a
    conflict) fold the same whatever came first: the smaller hash is kept. An
    event re-issued by a new device (payload ``reissue_of``, :func:`outcome_root`)
    and its original are one fact: the original is folded when present, else the
    earliest re-issue; a ``voided`` aimed at either voids both.
    """
    held_by_id: dict[str, Event] = {}
    reissues = False
    for ev in events:
        if ev.student_id == student_id:
            held = held_by_id.get(ev.event_id)
            if held is None or ev.hash < held.hash:
                held_by_id[ev.event_id] = ev
                reissues = reissues or REISSUE_KEY in ev.payload
    # A re-issued event and its original are one fact: one of them is folded. Without
    # any re-issue (nearly always) each event is its own fact.
    root: dict[str, str] = {}
    unique = held_by_id
    if reissues:
        root = {eid: outcome_root(ev, held_by_id) for eid, ev in held_by_id.items()}
        unique = {}
        for eid, ev in held_by_id.items():
            kept = unique.get(root[eid])
            if kept is None or _alias_rank(ev, root[eid]) < _alias_rank(kept, root[eid]):
                unique[root[eid]] = ev
    ordered = (
        sorted(unique.values(), key=event_order_key) if len(unique) > 1 else list(unique.values())
    )
    anomalies: list[Anomaly] = []

    voided: set[str] = set()
    for ev in ordered:
        if ev.kind != _VOIDED:
            continue
        target = str(ev.payload.get("target_event_id", ""))
        target = root.get(target, target)
        target_ev = unique.get(target)
        if target_ev is not None and target_ev.kind == _VOIDED:
            anomalies.append(Anomaly(AnomalyCode.VOID_OF_VOID, (ev.event_id, target_ev.event_id)))
            continue
        voided.add(target)

    effective = (
        [
            ev
            for ev in ordered
            if root.get(ev.event_id, ev.event_id) not in voided and ev.kind != _VOIDED
        ]
        if voided or root
        else [ev for ev in ordered if ev.kind != _VOIDED]
    )

    details: dict[str, Any] = {}
    added_by: str | None = None
    best: Event | None = None
    best_rank = 0
    recorded: list[Event] = []
    not_eligible: list[Event] = []
    already: list[Event] = []
    ikd: list[Event] = []
    duplicates: list[Event] = []
    for ev in effective:
        kind = ev.kind
        if kind in _PLAIN_OUTCOMES:
            # The outcomes first (most events); EventKind is a StrEnum, so a kind read
            # from a row (a plain str) finds its entry in these maps as it is.
            rank = _OUTCOME_RANK[kind]
            # Highest precedence wins; among equals the earliest in the total order
            # decides (the first recording is the recording).
            if rank > best_rank:
                best, best_rank = ev, rank
            if kind == _RECORDED:
                recorded.append(ev)
            elif kind == _NOT_ELIGIBLE:
                not_eligible.append(ev)
            elif kind == _ALREADY_RECORDED:
                already.append(ev)
        elif kind == EventKind.STUDENT_ADDED:
            if added_by is None:
                added_by = ev.event_id
            if ev.payload.get("duplicate_of"):
                duplicates.append(ev)
            for key, value in ev.payload.items():
                if key in DETAIL_FIELDS:
                    details.setdefault(key, value)
        elif kind == EventKind.DETAILS_CORRECTED:
            changes = ev.payload.get("changes", {})
            if isinstance(changes, Mapping):
                for key, value in changes.items():
                    if key in DETAIL_FIELDS:
                        details[key] = value
        elif kind == EventKind.IKD_ACTIVATED:
            ikd.append(ev)

    if len(recorded) > 1:
        anomalies.append(Anomaly(AnomalyCode.RECORDED_TWICE, tuple(e.event_id for e in recorded)))
    if recorded and not_eligible:
        anomalies.append(
            Anomaly(
                AnomalyCode.RECORDED_AND_NOT_ELIGIBLE,
                tuple(e.event_id for e in recorded + not_eligible),
            )
        )
    if recorded and already:
        anomalies.append(
            Anomaly(
                AnomalyCode.RECORDED_AND_ALREADY_RECORDED,
                tuple(e.event_id for e in recorded + already),
            )
        )
    if ikd and not (recorded or already):
        anomalies.append(Anomaly(AnomalyCode.IKD_WITHOUT_CARD, tuple(e.event_id for e in ikd)))
    if duplicates:
        anomalies.append(
            Anomaly(AnomalyCode.DUPLICATE_IDENTIFIER, tuple(e.event_id for e in duplicates))
        )

    last_hlc = ordered[-1].hlc if ordered else None
    if best is None:
        return FoldState(
            student_id=student_id,
            ikd_activated=bool(ikd),
            details=details,
            added_by_event_id=added_by,
            anomalies=tuple(anomalies),
            event_count=len(ordered),
            last_hlc=last_hlc,
        )
    reason = best.payload.get("reason")
    return FoldState(
        student_id=student_id,
        status=OUTCOME_KINDS[best.kind],  # type: ignore[index]
        reason=str(reason) if reason is not None else None,
        deciding_event_id=best.event_id,
        decided_at=best.occurred_at,
        decided_by_device=best.device_id,
        decided_by_operator=best.operator,
        ikd_activated=bool(ikd),
        details=details,
        added_by_event_id=added_by,
        anomalies=tuple(anomalies),
        event_count=len(ordered),
        last_hlc=last_hlc,
    )


# The kinds whose payload may be empty (the checks below ask nothing of it).
_NO_PAYLOAD_NEEDED = frozenset(
    k.value
    for k in (
        EventKind.RECORDED,
        EventKind.ALREADY_RECORDED,
        EventKind.ABSENT,
        EventKind.IKD_ACTIVATED,
    )
)


def validate_event_payload(kind: str, payload: Mapping[str, Any]) -> str | None:
    """Domain check of an event's payload; returns an error code or None.

    Used by the server (to refuse an item) and by the services (before writing).
    """
    if not payload and kind in _NO_PAYLOAD_NEEDED:
        return None  # most events: nothing below applies to them
    try:
        ek = EventKind(kind)
    except ValueError:
        return "unknown_kind"
    if ek == EventKind.FAILED:
        try:
            FailReason(str(payload.get("reason")))
        except ValueError:
            return "bad_reason"
    elif ek == EventKind.NOT_ELIGIBLE:
        try:
            NotEligibleReason(str(payload.get("reason")))
        except ValueError:
            return "bad_reason"
    elif ek == EventKind.VOIDED:
        if not isinstance(payload.get("target_event_id"), str):
            return "missing_target"
        if not str(payload.get("reason", "")).strip():
            return "missing_reason"
    elif ek == EventKind.DETAILS_CORRECTED:
        changes = payload.get("changes")
        if not isinstance(changes, Mapping) or not changes:
            return "missing_changes"
        if any(key not in DETAIL_FIELDS for key in changes):
            return "unknown_field"
    elif ek == EventKind.STUDENT_ADDED and (
        not str(payload.get("name", "")).strip() or not payload.get("school_npsn")
    ):
        return "missing_details"
    note = payload.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 500):
        return "bad_note"
    if REISSUE_KEY in payload and reissue_ref(payload) is None:
        return "bad_reissue"
    return None
