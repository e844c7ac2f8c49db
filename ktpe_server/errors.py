"""The API's JSON errors: ``{"error": {"code", "message"}, "server_time"}``.

Codes are stable (docs/sync-protocol.md lists them); messages are for humans and
never carry personal data or internal details.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from ktpe_desktop.core.events import format_time


def server_now() -> str:
    """The server clock as the protocol writes it (ISO 8601 UTC, ms, ``Z``)."""
    return format_time(datetime.now(UTC))


class ApiError(Exception):
    """An error the API answers with a JSON body and a stable code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


# The stable error codes and their HTTP statuses (also rendered in the docs).
ERROR_CODES: dict[str, tuple[int, str]] = {
    "invalid_json": (400, "The body is not valid JSON (or not valid gzip)."),
    "invalid_body": (422, "The JSON does not have the documented shape."),
    "duplicate_chain": (422, "Two chains of the same origin device in one push."),
    "nul_character": (422, "A string holds the NUL character (U+0000)."),
    "bad_number": (422, "A payload number is a float or an integer beyond 2^53 - 1."),
    "bad_cursor": (422, "The cursor is not one this server gave (or out of range)."),
    "event_too_large": (413, "An event's payload or one of its strings is over the limits."),
    "unauthorized": (401, "Missing, unknown or revoked device token."),
    "forbidden": (403, "The admin token is missing or wrong, or admin access is off."),
    "enrollment_code_invalid": (403, "No such enrolment code."),
    "enrollment_code_expired": (403, "The enrolment code has expired."),
    "enrollment_code_used": (403, "The enrolment code was already used."),
    "device_conflict": (409, "The proposed device_id belongs to another team."),
    "device_bound": (409, "The device_id is already enrolled; a device enrols once, ever."),
    "replaced_device_unknown": (
        422,
        "replaces.device_id is not another enrolled device of the code's team.",
    ),
    "key_bound": (409, "The device already has a public key; it never changes."),
    "protocol_outdated": (426, "The client speaks an older protocol; update the app."),
    "not_found": (404, "No such resource."),
    "method_not_allowed": (405, "The method is not allowed on this path."),
    "app_too_old": (426, "The app is older than the server's minimum version: update it."),
    "payload_too_large": (413, "The body or the batch exceeds the documented limits."),
    "unsupported_encoding": (415, "Content-Encoding other than gzip or identity."),
    "rate_limited": (429, "Too many requests; wait Retry-After seconds."),
    "internal": (500, "Unexpected server error."),
    "unavailable": (503, "The database is unavailable; retry later."),
}
