"""The pairing code: a short secret shown on the hub that authenticates its certificate.

The hub makes a new TLS certificate and a random secret ``s`` per hub session and
shows ``s`` as an 8-character code (Crockford base32, 40 bits: ``K7QM-2XPD``). A
station joins in two steps, both over TLS to the address it was given:

1. it reads the certificate the address presents, computes its SHA-256
   fingerprint ``fp`` and pins it for every later request; it sends a random
   nonce ``n1`` and the hub answers ``HMAC(s, "hub" | fp | n1)``. Only a machine
   that knows ``s`` *and* holds the private key of ``fp`` can answer: a fake hub
   with another certificate is refused before the station reveals anything.
2. it sends its enrolment identity (device, team, campaign) and
   ``HMAC(s, "station" | fp | n2 | device | team | campaign)`` for the hub's nonce
   ``n2``; the hub checks the proof (a wrong code is refused, and the code is
   retired after a few wrong tries) and the team, then issues a hub token.

Nothing here does I/O; the hub server and the station client both call it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Crockford's base32: no I, L, O, U (read aloud and typed without confusion).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ALIASES = {"I": "1", "L": "1", "O": "0", "U": "V"}
CODE_LENGTH = 8
DEFAULT_PORT = 47180  # the hub's TCP port (another one is taken when it is busy)
MAX_WRONG_ATTEMPTS = 5
NONCE_BYTES = 16


def new_code() -> str:
    """A fresh random pairing code (40 bits), without the display dash."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def display_code(code: str) -> str:
    """``K7QM2XPD`` -> ``K7QM-2XPD`` (what the hub shows)."""
    return f"{code[:4]}-{code[4:]}"


def normalize_code(text: str) -> str | None:
    """What a person typed, as a code; None when it cannot be one.

    Spaces and dashes are ignored, lower case is accepted, and the letters that
    look like digits (I, L, O) or that Crockford drops (U) are read as intended.
    """
    cleaned = "".join(ch for ch in (text or "").upper() if ch not in " -_.\t")
    cleaned = "".join(_ALIASES.get(ch, ch) for ch in cleaned)
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def fingerprint(cert_der: bytes) -> str:
    """SHA-256 of a DER certificate, lower-case hex (what a station pins)."""
    return hashlib.sha256(cert_der).hexdigest()


def new_nonce() -> str:
    return secrets.token_hex(NONCE_BYTES)


def _mac(code: str, *parts: str) -> str:
    msg = "\x1f".join(parts).encode("utf-8")
    return hmac.new(code.encode("ascii"), msg, hashlib.sha256).hexdigest()


def hub_proof(code: str, cert_fingerprint: str, station_nonce: str) -> str:
    """The hub's answer to a station's nonce: binds the code to the certificate."""
    return _mac(code, "ktpe-hub-v1", "hub", cert_fingerprint.lower(), station_nonce)


def station_proof(
    code: str,
    cert_fingerprint: str,
    hub_nonce: str,
    device_id: str,
    team: str,
    campaign_id: str,
) -> str:
    """A station's proof that it typed the code, bound to its identity and the hub's nonce."""
    return _mac(
        code,
        "ktpe-hub-v1",
        "station",
        cert_fingerprint.lower(),
        hub_nonce,
        device_id,
        team,
        campaign_id,
    )


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two proofs."""
    return hmac.compare_digest(a.encode(), b.encode())
