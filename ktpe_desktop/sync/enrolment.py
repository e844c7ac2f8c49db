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
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync import state as keys
from ktpe_desktop.sync.client import SyncClient, normalise_base_url
from ktpe_desktop.sync.engine import ClientFactory, default_client_factory
from ktpe_desktop.sync.errors import ProtocolError
from ktpe_desktop.sync.state import KEYRING_SERVICE, Enrolment, _keyring, _keyring_user

log = logging.getLogger("ktpe.sync")

CA_COPY = "server-ca.pem"


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
    in_keyring = False
    if use_keyring and (kr := _keyring()) is not None:
        try:
            with store.session() as s:
                kr.set_password(KEYRING_SERVICE, _keyring_user(s), result.token)
            in_keyring = True
        except Exception:
            log.warning("keyring not writable; the token stays in the encrypted database")
    now = datetime.now(UTC).isoformat()
    with store.transaction() as s:
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
        keys.put(s, keys.CAMPAIGN_ID, result.campaign_id)
        keys.put(s, keys.ENROLLED_AT, now)
        keys.put(s, keys.ENROLLED_DEVICE, result.device_id)
        keys.put(s, keys.NEEDS_ENROLMENT, None)
        keys.put(s, keys.KEY_REGISTERED, "1")
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
