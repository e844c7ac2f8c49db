"""Enrolment: trade a one-time code for a device token, and keep the token safe.

The token lives only in the encrypted database (``sync_state``), or, when asked
and available, in the OS keyring (the optional ``keyring`` package; the database
then only records that the keyring holds it). A pinned CA file is copied into the
data folder so that syncing keeps working when the USB stick it came on is gone.
"""

from __future__ import annotations

import logging
import shutil
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.core.events import GENESIS_HASH, Event, reissue_payload
from ktpe_desktop.core.signing import new_private_key, public_key_of
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync import state as keys
from ktpe_desktop.sync.client import EnrollResult, SyncClient, normalise_base_url
from ktpe_desktop.sync.engine import ClientFactory, default_client_factory
from ktpe_desktop.sync.errors import ProtocolError
from ktpe_desktop.sync.state import KEYRING_SERVICE, Enrolment, _keyring, _keyring_user

log = logging.getLogger("ktpe.sync")

CA_COPY = "server-ca.pem"
REPLACED_DEVICES = "replaced_devices"  # sync_state: the devices this laptop was before
REISSUED = "reissued"  # held_event reason: an old device's event re-issued by the new one


class CaFileError(KnownError):
    code = "ca_file"

    def __init__(self, path: str, why: str) -> None:
        super().__init__(
            f"Berkas CA {path!r} tidak dapat dipakai: {why}. Berkas CA (PEM) didapat dari "
            f"admin kantor.",
            f"The CA file {path!r} cannot be used: {why}. The CA file (PEM) comes from the "
            f"office admin.",
        )


def _pin_ca(store: Store, ca_file: str | None) -> str | None:
    if not ca_file:
        return None
    src = Path(ca_file).expanduser()
    if not src.is_file():
        raise CaFileError(str(ca_file), "berkas tidak ditemukan / file not found")
    try:
        text = src.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaFileError(str(ca_file), str(exc)) from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise CaFileError(str(ca_file), "bukan sertifikat PEM / not a PEM certificate")
    target = store.data_dir / CA_COPY
    if src.resolve() != target.resolve():
        tmp = target.with_suffix(".tmp")
        shutil.copyfile(src, tmp)
        tmp.replace(target)
    return str(target)


def _keep_enrolment(
    s: Session, base: str, result: EnrollResult, pinned: str | None, in_keyring: bool, now: str
) -> None:
    previous = keys.get(s, keys.SERVER_URL)
    if previous and previous != base:
        # Another server: its cursors mean nothing here; the receipt will show
        # what it holds of our ledger and the engine re-sends the rest.
        keys.put(s, keys.ROSTER_CURSOR, None)
        keys.put(s, keys.EVENTS_CURSOR, None)
    keys.put(s, keys.SERVER_URL, base)
    keys.put(s, keys.TOKEN, None if in_keyring else result.token)
    keys.put(s, keys.TOKEN_IN_KEYRING, "1" if in_keyring else None)
    keys.put(s, keys.CA_FILE, pinned)
    keys.put(s, keys.TEAM, result.team_id or result.team)
    keys.put(s, keys.TEAM_NAME, result.team or None)
    keys.put(s, keys.CAMPAIGN_ID, result.campaign_id)
    keys.put(s, keys.ENROLLED_AT, now)
    keys.put(s, keys.ENROLLED_DEVICE, result.device_id)
    keys.put(s, keys.NEEDS_ENROLMENT, None)
    keys.put(s, keys.KEY_REGISTERED, "1")


def _keep_token(store: Store, token: str, use_keyring: bool) -> bool:
    """The token in the OS keyring when asked and available; True when it went there."""
    if not (use_keyring and (kr := _keyring()) is not None):
        return False
    try:
        with store.session() as s:
            kr.set_password(KEYRING_SERVICE, _keyring_user(s), token)
    except Exception:
        log.warning("keyring not writable; the token stays in the encrypted database")
        return False
    return True


def enrol(
    store: Store,
    url: str,
    code: str,
    ca_file: str | None = None,
    *,
    client_factory: ClientFactory | None = None,
    device_name: str | None = None,
    use_keyring: bool = False,
) -> Enrolment:
    """Enrol this laptop with a server.

    Args:
        store: the unlocked store.
        url: the server's base address (``https://…``).
        code: the one-time code from the admin.
        ca_file: a PEM file of the CA to pin (copied into the data folder).
        client_factory: ``(url, token, ca_file) -> SyncClient`` (tests).
        device_name: shown to the admin (default: the host name).
        use_keyring: keep the token in the OS keyring when one is available.

    Raises:
        InvalidServerAddress, CertificateError, ServerUnreachable,
        EnrollmentRefused, CaFileError: explained to the user; nothing is stored.
    """
    from ktpe_desktop import __version__

    base = normalise_base_url(url)
    pinned_preview = str(Path(ca_file).expanduser()) if ca_file else None
    if ca_file and not Path(ca_file).expanduser().is_file():
        raise CaFileError(str(ca_file), "berkas tidak ditemukan / file not found")
    factory = client_factory or default_client_factory()
    with store.transaction() as s:
        public = ledger.public_key(s, store.device_id)
    client: SyncClient = factory(base, None, pinned_preview)
    try:
        result = client.enroll(
            code.strip(),
            store.device_id,
            device_name or socket.gethostname()[:64] or "laptop",
            __version__,
            public,
        )
    finally:
        client.close()
    if result.device_id.lower() != store.device_id.lower():
        raise ProtocolError(f"the server gave another device id ({result.device_id})")
    pinned = _pin_ca(store, ca_file)
    in_keyring = _keep_token(store, result.token, use_keyring)
    now = datetime.now(UTC).isoformat()
    with store.transaction() as s:
        _keep_enrolment(s, base, result, pinned, in_keyring, now)
        s.add(
            m.AuditLog(
                actor=store.username,
                action=m.AuditAction.ENROLL,
                subject=urlsplit(base).hostname,
                detail={"team": result.team, "pinned_ca": bool(pinned), "keyring": in_keyring},
            )
        )
    log.info("enrolled with %s (team %s)", urlsplit(base).hostname, result.team)
    return Enrolment(
        server_url=base,
        token=result.token,
        device_id=result.device_id,
        team=result.team_id or result.team,
        campaign_id=result.campaign_id,
        ca_file=pinned,
        enrolled_at=now,
    )


# --------------------------------------------------------------------------- new device


@dataclass(frozen=True, slots=True)
class Replacement:
    """What a re-enrolment as a new device did (counts and seq ranges only)."""

    old_device_id: str
    new_device_id: str
    last_seq: int  # the highest seq of the old device this laptop knew of
    gone: tuple[tuple[int, int], ...]  # old seqs unreadable on this laptop
    reissued: int  # old events never acknowledged, re-issued by the new device
    told_server: bool  # the server knew the old device and keeps the loss for the office

    @property
    def gone_count(self) -> int:
        return sum(b - a + 1 for a, b in self.gone)

    def lines(self) -> list[str]:
        """The outcome in plain Indonesian (with the English twin on the same lines)."""
        out = [
            f"Perangkat baru {self.new_device_id} menggantikan {self.old_device_id}. / "
            f"New device {self.new_device_id} replaces {self.old_device_id}.",
            f"Dikirim ulang oleh perangkat baru: {self.reissued} catatan yang belum diterima "
            f"server (dengan rujukan ke aslinya). / Re-issued by the new device: "
            f"{self.reissued} events the server had not acknowledged.",
        ]
        if self.gone:
            ranges = ", ".join(f"{a}–{b}" if a != b else str(a) for a, b in self.gone)
            out.append(
                f"Hilang untuk selamanya di laptop ini: {self.gone_count} catatan (seq {ranges})"
                + (
                    "; server mencatatnya sebagai anomali untuk kantor."
                    if self.told_server
                    else "."
                )
                + f" / Gone for good on this laptop: {self.gone_count} events (seq {ranges})."
            )
        else:
            out.append(
                "Tidak ada catatan perangkat lama yang hilang. / No event of the old device is gone."
            )
        return out


def _ranges(seqs: set[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for q in sorted(seqs):
        if out and q == out[-1][1] + 1:
            out[-1] = (out[-1][0], q)
        else:
            out.append((q, q))
    return out


def old_chain_facts(
    store: Store,
) -> tuple[int, list[tuple[int, int]], list[tuple[Event, str | None]]]:
    """This device's ``(last known seq, gone seq ranges, events never acknowledged)``
    (each event with the school its row is filed under).

    The last seq is the highest the database or the tail marker knew of (a tail lost
    with the WAL counts as gone); gone are the seqs up to it that no table holds.
    """
    device_id = store.device_id
    with store.session() as s:
        seqs = set(s.scalars(select(m.EventRow.seq).where(m.EventRow.device_id == device_id)))
        rows = s.scalars(
            select(m.EventRow)
            .join(m.Outbox, m.Outbox.event_id == m.EventRow.event_id)
            .where(
                m.EventRow.device_id == device_id,
                m.Outbox.status.in_(
                    [
                        m.OutboxStatus.PENDING,
                        m.OutboxStatus.IN_FLIGHT,
                        m.OutboxStatus.QUARANTINED,
                    ]
                ),
            )
            .order_by(m.EventRow.seq)
        ).all()
        unacked = [(ledger.event_from_row(r), r.school_npsn) for r in rows]
    losses = list(store.flagged_tail_losses())
    current = store.tail_loss()
    if current is not None:
        losses.append(current)
    last = max([max(seqs, default=0), *(x.last for x in losses)])
    gone = _ranges(set(range(1, last + 1)) - seqs)
    return last, gone, unacked


def _set_aside(originals: list[Event], reissues: list[Event], s: Session) -> None:
    """The re-issued originals leave the event table for ``held_event`` (reason
    ``reissued``, kept whole for review, never folded or sent): their re-issues carry
    every fact, and the server's own copy of an old seq (which a restore may have
    reused here with other content) can then come back by pull without a conflict."""
    for chunk_start in range(0, len(originals), 500):
        chunk = originals[chunk_start : chunk_start + 500]
        ids = [ev.event_id for ev in chunk]
        s.execute(delete(m.Outbox).where(m.Outbox.event_id.in_(ids)))
        s.execute(delete(m.EventRow).where(m.EventRow.event_id.in_(ids)))
        for ev, new in zip(chunk, reissues[chunk_start : chunk_start + 500], strict=True):
            s.merge(
                m.HeldEvent(
                    event_id=ev.event_id,
                    device_id=ev.device_id,
                    seq=ev.seq,
                    reason=REISSUED,
                    event={**ev.to_json(), "reissued_as": new.event_id},
                )
            )
    s.flush()


def enrol_as_new_device(
    store: Store,
    url: str,
    code: str,
    ca_file: str | None = None,
    *,
    client_factory: ClientFactory | None = None,
    device_name: str | None = None,
    use_keyring: bool = False,
) -> tuple[Enrolment, Replacement]:
    """Re-enrol this laptop as a NEW device (new ``device_id``, new Ed25519 key).

    The way back to the server when events of this device are truly gone (a
    salvage found them unreadable everywhere, or a restore reused seqs the server
    holds): the old chain can never continue. In one transaction after the server
    accepted the enrolment: the ``device`` row becomes the new device's (seq 1,
    genesis head, the same clock), every old event the server never acknowledged
    is re-issued by the new device with a reference to its original (payload
    ``reissue_of``: the fold counts an original and its re-issue once) and set
    aside in ``held_event`` (:func:`_set_aside`); pull cursors restart so the old
    device's events the server holds come back as another device's. The server is told
    which old seqs are gone (``replaces``) and lists them for the office.

    Raises:
        as :func:`enrol`; nothing is changed when the server refuses.
    """
    from ktpe_desktop import __version__
    from ktpe_desktop.sync import verify

    base = normalise_base_url(url)
    if ca_file and not Path(ca_file).expanduser().is_file():
        raise CaFileError(str(ca_file), "berkas tidak ditemukan / file not found")
    old_id = store.device_id
    last, gone, unacked = old_chain_facts(store)
    with store.session() as s:
        known_here = keys.get(s, keys.ENROLLED_DEVICE) == old_id and (
            keys.get(s, keys.SERVER_URL) == base
        )
        old_key = s.get(m.DeviceKey, old_id)
        old_public = public_key_of(bytes(old_key.signing_key)) if old_key is not None else None
    new_id = str(uuid.uuid4())
    new_key = new_private_key()
    replaces = (
        {"device_id": old_id, "last_seq": last, "gone": gone, "reissued": len(unacked)}
        if known_here
        else None
    )
    factory = client_factory or default_client_factory()
    pinned_preview = str(Path(ca_file).expanduser()) if ca_file else None
    client: SyncClient = factory(base, None, pinned_preview)
    try:
        result = client.enroll(
            code.strip(),
            new_id,
            device_name or socket.gethostname()[:64] or "laptop",
            __version__,
            public_key_of(new_key),
            replaces=replaces,
        )
    finally:
        client.close()
    if result.device_id.lower() != new_id:
        raise ProtocolError(f"the server gave another device id ({result.device_id})")
    pinned = _pin_ca(store, ca_file)
    in_keyring = _keep_token(store, result.token, use_keyring)
    now = datetime.now(UTC).isoformat()
    replacement = Replacement(old_id, new_id, last, tuple(gone), len(unacked), known_here)
    try:
        with store.transaction() as s:
            s.execute(
                update(m.Device)
                .where(m.Device.device_id == old_id)
                .values(device_id=new_id, next_seq=1, head_hash=GENESIS_HASH)
            )
            s.add(m.DeviceKey(device_id=new_id, signing_key=new_key))
            s.merge(m.Meta(key="device_id", value=new_id))
            history = keys.get_json(s, REPLACED_DEVICES)
            history = list(history) if isinstance(history, list) else []
            history.append(
                {
                    "device_id": old_id,
                    "replaced_by": new_id,
                    "at": now,
                    "last_seq": last,
                    "gone": gone,
                    "reissued": len(unacked),
                }
            )
            keys.put_json(s, REPLACED_DEVICES, history)
            # The old device's lost tail is accounted for now (told to the server,
            # kept in the history above): checks stop flagging it as unhandled.
            s.merge(m.Meta(key="tail_lost", value="[]"))
            s.flush()
            store.adopt_device(new_id)
            drafts = [
                ledger.Draft(
                    kind=ev.kind,
                    student_id=ev.student_id,
                    operator=ev.operator,
                    payload=reissue_payload(ev),
                    school_npsn=school,
                    occurred_at=ev.occurred_at,
                )
                for ev, school in unacked
            ]
            written = ledger.append_local(s, drafts, device_id=new_id, clock=store.clock)
            _set_aside([ev for ev, _ in unacked], written, s)
            for sid in sorted({ev.student_id for ev, _ in unacked}):
                ledger.recompute_state(s, sid)
            _keep_enrolment(s, base, result, pinned, in_keyring, now)
            # A new device: what the server holds of the old one comes back by pull.
            keys.put(s, keys.EVENTS_CURSOR, None)
            keys.put(s, keys.SERVER_CONTIGUOUS_SEQ, None)
            keys.put(s, keys.LAST_RECEIPT, None)
            if old_public is not None:
                verify.pin_keys(s, {old_id: old_public})
            s.add(
                m.AuditLog(
                    actor=store.username,
                    action=m.AuditAction.ENROLL,
                    subject=urlsplit(base).hostname,
                    detail={
                        "team": result.team,
                        "new_device": True,
                        "replaces": old_id,
                        "last_seq": last,
                        "gone": gone,
                        "reissued": len(unacked),
                        "pinned_ca": bool(pinned),
                        "keyring": in_keyring,
                    },
                )
            )
    except BaseException:
        store.adopt_device(old_id)
        raise
    log.log(
        logging.WARNING if replacement.gone else logging.INFO,
        "re-enrolled as a new device: %d old events re-issued, %d old seqs gone",
        replacement.reissued,
        replacement.gone_count,
    )
    enrolment = Enrolment(
        server_url=base,
        token=result.token,
        device_id=new_id,
        team=result.team_id or result.team,
        campaign_id=result.campaign_id,
        ca_file=pinned,
        enrolled_at=now,
    )
    return enrolment, replacement
