"""The ASGI layers of our own and the JSON error reply.

* :class:`ServerTimeMiddleware` adds ``X-Server-Time`` to every reply, and the
  update advice (``X-KTPE-Min-App-Version``, ``X-KTPE-Latest-App-Version``,
  ``X-KTPE-Download-URL``) when the server is configured with it;
* :class:`ContainErrorsMiddleware` turns an unexpected exception into a 500
  without logging its message (it may carry personal data);
* :func:`error_response` is the one shape of an error reply.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi.responses import JSONResponse

from ktpe_desktop.core.versions import UpdateAdvice
from ktpe_server.errors import server_now

log = logging.getLogger("ktpe.server.api")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ServerTimeMiddleware:
    """Adds ``X-Server-Time`` to every reply (so a client can check its clock).

    With ``advice``, also the minimum and latest app versions and where to get the
    latest: every sync reply tells a laptop whether a new version exists.
    """

    def __init__(self, app: ASGIApp, advice: UpdateAdvice | None = None) -> None:
        self.app = app
        self.extra: list[tuple[bytes, bytes]] = []
        if advice is not None:
            for name, value in (
                (b"x-ktpe-min-app-version", advice.minimum),
                (b"x-ktpe-latest-app-version", advice.latest),
                (b"x-ktpe-download-url", advice.download_url),
            ):
                if value:
                    self.extra.append((name, value.encode("ascii", "replace")))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_time(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-server-time"
                ]
                headers.append((b"x-server-time", server_now().encode()))
                headers.extend(self.extra)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_time)


def log_internal_error(exc: BaseException) -> None:
    """Log an unexpected exception by its type and place only.

    Its message is never logged: a database error's message carries the row values
    (names, NIKs), and other messages may echo what a client sent.
    """
    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(frames))
    log.error("internal error %s at %s", type(exc).__name__, where)


class ContainErrorsMiddleware:
    """The outermost layer of our own: an unexpected exception ends here as a 500.

    Starlette's ``ServerErrorMiddleware`` calls the app's 500 handler and then
    *re-raises*, so that the ASGI server logs it — uvicorn logs "Exception in ASGI
    application" with the whole traceback, whose last line is the exception's
    message. Caught here, the exception goes no further: only its type and place
    are logged (:func:`log_internal_error`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            log_internal_error(exc)
            if not started:
                response = error_response(500, "internal", "unexpected server error")
                await response(scope, receive, send)


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    now = server_now()
    return JSONResponse(
        {"error": {"code": code, "message": message}, "server_time": now},
        status_code=status,
        headers={**(headers or {}), "X-Server-Time": now},
    )
