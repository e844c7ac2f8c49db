"""Device signatures over chain segments (Ed25519, ``cryptography``; no own crypto).

Each device has one Ed25519 key, made with its database and registered with the
server at enrolment (bound to its ``device_id`` for life). A device does not sign
every event: it signs a **segment** of its chain, ``first_seq..last_seq``, once,
when it pushes it. The signed message binds the device, the range and the SHA-256
digest of the segment's event hashes in ``seq`` order::

    ktpe-segment-v1 LF device_id LF first_seq LF last_seq LF
    hex(SHA-256(raw hash[first_seq] || ... || raw hash[last_seq]))

so every event of the segment is verifiable back to the device's key from its own
content (its hash is recomputed) plus the *hashes* of the other events of the
segment: a party that does not hold those events (another team's school, an event
the server refused) only needs their 32-byte hashes, never their content.

Wire forms: public keys and signatures are base64url without padding (43 and 86
characters); docs/sync-protocol.md, "Signatures", is the contract.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

SEGMENT_CONTEXT = "ktpe-segment-v1"
PUBLIC_KEY_CHARS = 43
SIGNATURE_CHARS = 86


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    """Decode base64url without padding.

    Raises:
        ValueError: not base64url.
    """
    if not isinstance(text, str) or not text.isascii() or "=" in text:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64url") from None


def new_private_key() -> bytes:
    """A new Ed25519 private key, raw 32 bytes (kept only in the encrypted store)."""
    return os.urandom(32)


def public_key_of(private_key: bytes) -> str:
    """The base64url public key of a raw private key."""
    pub = Ed25519PrivateKey.from_private_bytes(private_key).public_key()
    return b64(pub.public_bytes(Encoding.Raw, PublicFormat.Raw))


def is_public_key(text: object) -> bool:
    if not isinstance(text, str) or len(text) != PUBLIC_KEY_CHARS:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(unb64(text))
    except ValueError:
        return False
    return True


def segment_message(device_id: str, first_seq: int, hashes: Sequence[str]) -> bytes:
    """The bytes a device signs for the segment ``first_seq .. first_seq + len(hashes) - 1``.

    Raises:
        ValueError: an empty segment or a hash that is not 64 hex digits.
    """
    if not hashes:
        raise ValueError("empty segment")
    digest = hashlib.sha256()
    for h in hashes:
        if len(h) != 64:
            raise ValueError("not a hash")
        digest.update(bytes.fromhex(h))
    last_seq = first_seq + len(hashes) - 1
    text = f"{SEGMENT_CONTEXT}\n{device_id}\n{first_seq}\n{last_seq}\n{digest.hexdigest()}"
    return text.encode("utf-8")


def sign_segment(private_key: bytes, device_id: str, first_seq: int, hashes: Sequence[str]) -> str:
    """The base64url signature of a segment (see the module docstring)."""
    key = Ed25519PrivateKey.from_private_bytes(private_key)
    return b64(key.sign(segment_message(device_id, first_seq, hashes)))


def verify_segment(
    public_key: str, device_id: str, first_seq: int, hashes: Sequence[str], signature: str
) -> bool:
    """True when ``signature`` is the device's signature of that segment."""
    try:
        key = Ed25519PublicKey.from_public_bytes(unb64(public_key))
        key.verify(unb64(signature), segment_message(device_id, first_seq, hashes))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
