"""Reading a push body by hand: size limits, gzip (bombs), strict JSON, event count."""

from __future__ import annotations

import json
import zlib
from typing import Any

from fastapi import Request

from ktpe_desktop.core.protocol import MAX_BODY_BYTES, MAX_EVENTS_PER_PUSH, MAX_INFLATED_BYTES
from ktpe_server.errors import ApiError


async def read_body(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise ApiError(413, "payload_too_large", f"body over {MAX_BODY_BYTES} bytes")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, "payload_too_large", f"body over {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def gunzip(data: bytes) -> bytes:
    """Inflate a gzip body, never beyond MAX_INFLATED_BYTES (gzip bombs)."""
    inflater = zlib.decompressobj(wbits=31)
    out = bytearray()
    pending = data
    try:
        while pending:
            out += inflater.decompress(pending, MAX_INFLATED_BYTES + 1 - len(out))
            if len(out) > MAX_INFLATED_BYTES:
                raise ApiError(
                    413, "payload_too_large", f"inflated body over {MAX_INFLATED_BYTES} bytes"
                )
            pending = inflater.unconsumed_tail
            if inflater.eof:
                break
        if not inflater.eof:
            raise ApiError(400, "invalid_json", "truncated gzip body")
    except zlib.error:
        raise ApiError(400, "invalid_json", "the body is not valid gzip") from None
    return bytes(out)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> Any:
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
        # Lone surrogates (\ud800) would fail later, when hashing or storing. In UTF-8
        # text json.loads makes one only from a \u escape or from the bytes ED A0-BF
        # (it decodes with surrogatepass): without either, no string can hold one.
        if b"\\u" in raw or b"\xed" in raw or json.detect_encoding(raw) != "utf-8":
            json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeError, RecursionError):
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from None
    return body


def check_count(body: Any) -> None:
    if not isinstance(body, dict) or not isinstance(body.get("chains"), list):
        return
    total = 0
    for chain in body["chains"]:
        if isinstance(chain, dict) and isinstance(chain.get("events"), list):
            total += len(chain["events"])
    if total > MAX_EVENTS_PER_PUSH:
        raise ApiError(
            413, "payload_too_large", f"{total} events in one push (limit {MAX_EVENTS_PER_PUSH})"
        )
