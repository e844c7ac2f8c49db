"""The hub's TLS identity: a self-signed certificate made for one hub session.

Stations never trust it through a CA: they pin its SHA-256 fingerprint, which the
pairing code authenticates (:mod:`ktpe_desktop.hub.pairing`). The private key is
kept only inside the laptop's encrypted database (the hub session record) and in
memory; Python's ``ssl`` can only load a key from a file, so it is written
encrypted (random one-time password) to a private temporary file and deleted as
soon as it is loaded.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ktpe_desktop.hub.pairing import fingerprint

VALID_DAYS = 30


@dataclass(frozen=True, slots=True)
class HubIdentity:
    """A certificate and its key, both PEM (the key unencrypted: keep it in the store)."""

    cert_pem: str
    key_pem: str

    @property
    def cert_der(self) -> bytes:
        return x509.load_pem_x509_certificate(self.cert_pem.encode()).public_bytes(
            serialization.Encoding.DER
        )

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.cert_der)


def make_identity(hostname: str = "ktpe-hub", *, now: dt.datetime | None = None) -> HubIdentity:
    """A new ECDSA P-256 key and a self-signed certificate for it."""
    now = now or dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"KTP-el hub {hostname}"[:64])])
    alt_names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return HubIdentity(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
    )


def server_context(identity: HubIdentity) -> ssl.SSLContext:
    """A TLS server context (TLS 1.2+) holding the identity's certificate and key."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    password = secrets.token_hex(16)
    key = serialization.load_pem_private_key(identity.key_pem.encode(), password=None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode()),
    )
    with tempfile.TemporaryDirectory(prefix="ktpe-hub-tls-") as tmp:
        os.chmod(tmp, 0o700)
        cert_path = Path(tmp) / "cert.pem"
        key_path = Path(tmp) / "key.pem"
        cert_path.write_text(identity.cert_pem, encoding="ascii")
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(encrypted)
        ctx.load_cert_chain(str(cert_path), str(key_path), password=password)
    return ctx
