"""The hub's own routes, beside the unchanged sync protocol: info, pairing, stations.

No ``from __future__ import annotations``: FastAPI reads the annotations of the
route functions defined inside :func:`make_router` when they are defined.
"""

import asyncio
import contextlib
import hmac
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool

from ktpe_desktop.core.protocol import API_PREFIX, PROTOCOL_VERSION
from ktpe_desktop.core.signing import is_public_key
from ktpe_desktop.hub import pairing
from ktpe_desktop.hub.store import (
    MAX_OPERATORS,
    KeyMismatch,
    learn_keys,
    merge_central_heads,
    operators,
    register_station,
    set_operators,
    stations,
)
from ktpe_server import models as sm
from ktpe_server.errors import ApiError, server_now
from ktpe_server.security import RateLimiter, token_hash

log = logging.getLogger("ktpe.hub")

HUB_PREFIX = f"{API_PREFIX}/hub"
NONCE_TTL_S = 300.0
MAX_NONCES = 256
MAX_WAIT_S = 25.0
TOKEN_CHECKED_S = 10.0  # a hub token's check is trusted this long (cleared on revoke)


class HubNews:
    """A counter bumped after every push the hub ingests; stations long-poll it.

    A station's pull then follows a teammate's save by a round trip, not by its
    polling interval. The long poll waits on the server's event loop
    (:meth:`wait_async`): no worker thread is held for it, and no hand-over to a
    thread and back is made for each of the four or five polls a push wakes.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0
        self.closing = False
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def bump(self) -> None:
        with self._lock:
            self.value += 1
            waiters, self._waiters = self._waiters, []
        _wake(waiters)

    async def wait_async(self, after: int, timeout: float) -> int:
        """The counter, once it differs from ``after`` or after ``timeout`` seconds,
        waited for on the running event loop (the thread that bumps may be any)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self.value != after or self.closing:
                return self.value
            entry = (loop, loop.create_future())
            self._waiters.append(entry)
        timer = loop.call_later(max(0.0, timeout), _settle, entry[1])
        try:
            await entry[1]
        finally:
            timer.cancel()
            with self._lock:
                if entry in self._waiters:
                    self._waiters.remove(entry)
        return self.value

    def close(self) -> None:
        with self._lock:
            self.closing = True
            waiters, self._waiters = self._waiters, []
        _wake(waiters)


def _settle(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def _wake(waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]) -> None:
    for loop, fut in waiters:
        # RuntimeError: the server's loop has ended (nobody waits any more).
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, fut)


@dataclass
class PairingState:
    """What the pairing routes share; the code changes after too many wrong tries."""

    engine: Engine
    hub_id: str
    team: str
    campaign_id: str
    fingerprint: str
    code: str
    team_name: str = ""  # for people; ``team`` (the id) is what is matched
    wrong_attempts: int = 0
    on_code_changed: Any = None  # callable(new_code) | None
    reader: Engine | None = None  # reads without the write lock (``store.read_engine``)
    nonces: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    limits: RateLimiter = field(default_factory=lambda: RateLimiter(20.0, 1.0))
    news: HubNews = field(default_factory=HubNews)
    # Hub tokens checked lately: digest -> (device id, when checked). Emptied when a
    # station pairs (its old token ends) or is revoked; an entry older than
    # TOKEN_CHECKED_S is checked again in the database.
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    tokens_generation: int = 0

    def forget_tokens(self) -> None:
        """Every hub token is checked in the database again (pairing, revocation)."""
        with self.lock:
            self.tokens.clear()
            self.tokens_generation += 1

    def new_nonce(self) -> str:
        now = time.monotonic()
        with self.lock:
            for n, t in list(self.nonces.items()):
                if now - t > NONCE_TTL_S:
                    del self.nonces[n]
            if len(self.nonces) >= MAX_NONCES:
                self.nonces.pop(next(iter(self.nonces)))
            nonce = pairing.new_nonce()
            self.nonces[nonce] = now
            return nonce

    def take_nonce(self, nonce: str) -> bool:
        with self.lock:
            t = self.nonces.pop(nonce, None)
        return t is not None and time.monotonic() - t <= NONCE_TTL_S

    def wrong(self) -> bool:
        """Count a wrong proof; True when the code was just retired (a new one shown)."""
        with self.lock:
            self.wrong_attempts += 1
            if self.wrong_attempts < pairing.MAX_WRONG_ATTEMPTS:
                return False
            self.code = pairing.new_code()
            self.wrong_attempts = 0
            callback = self.on_code_changed
        log.warning("pairing code retired after %d wrong attempts", pairing.MAX_WRONG_ATTEMPTS)
        if callback is not None:
            callback(self.code)
        return True


class ChallengeBody(BaseModel):
    nonce: str = Field(min_length=16, max_length=64, pattern=r"^[0-9a-f]+$")


class CentralHead(BaseModel):
    contiguous_seq: int = Field(ge=0)
    head_hash: str = Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]+$")


class ReceiptsBody(BaseModel):
    heads: dict[str, CentralHead] = Field(default_factory=dict, max_length=10_000)


class OperatorsBody(BaseModel):
    operators: dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=200)]] = (
        Field(default_factory=dict, max_length=MAX_OPERATORS)
    )


class JoinBody(BaseModel):
    hub_nonce: str = Field(min_length=16, max_length=64)
    proof: str = Field(min_length=64, max_length=64)
    device_id: str = Field(min_length=1, max_length=64)
    device_name: str = Field(default="", max_length=200)
    station_name: str = Field(default="", max_length=64)
    team: str = Field(min_length=1, max_length=64)
    campaign_id: str = Field(default="", max_length=64)
    public_key: str | None = Field(default=None, max_length=64)
    keys: dict[str, str] = Field(default_factory=dict, max_length=10_000)


def make_router(state: PairingState) -> APIRouter:
    router = APIRouter(prefix=HUB_PREFIX, tags=["hub"])
    bearer = HTTPBearer(auto_error=False)

    # ``async`` where no I/O is done: FastAPI runs a plain function on a worker thread.
    async def limited(request: Request) -> None:
        client = request.client.host if request.client else "?"
        wait = state.limits.take(client)
        if wait:
            raise ApiError(
                429, "rate_limited", "too many pairing attempts", {"Retry-After": str(int(wait))}
            )

    def token_device(digest: str) -> str | None:
        with (state.reader or state.engine).connect() as c:
            row = c.execute(
                select(sm.Device.device_id, sm.Device.token_hash, sm.Device.revoked).where(
                    sm.Device.token_hash == digest
                )
            ).first()
        if row is None or row.revoked or not hmac.compare_digest(row.token_hash, digest):
            return None
        return str(row.device_id)

    async def paired(
        cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> str:
        # ``async`` with the checks of the last seconds in memory: a long poll, which
        # a push repeats at every station, is answered without a database read and
        # without a worker thread.
        if cred is None or not cred.credentials or len(cred.credentials) > 200:
            raise ApiError(401, "unauthorized", "a hub token is required")
        digest = token_hash(cred.credentials)
        now = time.monotonic()
        with state.lock:
            known = state.tokens.get(digest)
            generation = state.tokens_generation
        if known is not None and now - known[1] < TOKEN_CHECKED_S:
            return known[0]
        device = await run_in_threadpool(token_device, digest)
        if device is None:
            raise ApiError(401, "unauthorized", "unknown hub token")
        with state.lock:
            if state.tokens_generation == generation:  # no revocation meanwhile
                if len(state.tokens) >= MAX_NONCES:
                    state.tokens.clear()
                state.tokens[digest] = (device, now)
        return device

    @router.get("/info")
    def info() -> dict[str, Any]:
        """Who this hub is (no token needed; nothing personal)."""
        return {
            "hub_id": state.hub_id,
            "team": state.team,
            "team_name": state.team_name,
            "campaign_id": state.campaign_id,
            "protocol": PROTOCOL_VERSION,
            "server_time": server_now(),
        }

    @router.post("/pair/challenge", dependencies=[Depends(limited)])
    def challenge(body: ChallengeBody) -> dict[str, Any]:
        """Prove that this hub knows the code shown on its screen, for its certificate."""
        with state.lock:
            code = state.code
        return {
            "hub_id": state.hub_id,
            "team": state.team,
            "team_name": state.team_name,
            "proof": pairing.hub_proof(code, state.fingerprint, body.nonce),
            "hub_nonce": state.new_nonce(),
            "server_time": server_now(),
        }

    @router.post("/pair/join", dependencies=[Depends(limited)])
    def join(body: JoinBody) -> dict[str, Any]:
        """Admit a laptop of the same team that proves it typed the code."""
        if not state.take_nonce(body.hub_nonce):
            raise ApiError(403, "pairing_expired", "the pairing challenge expired; start again")
        with state.lock:
            code = state.code
        expected = pairing.station_proof(
            code,
            state.fingerprint,
            body.hub_nonce,
            body.device_id,
            body.team,
            body.campaign_id,
        )
        if not pairing.same(expected, body.proof.lower()):
            retired = state.wrong()
            raise ApiError(
                403,
                "pairing_code_retired" if retired else "pairing_code_wrong",
                "wrong pairing code" + ("; the hub shows a new code now" if retired else ""),
            )
        if body.team != state.team or (
            state.campaign_id and body.campaign_id and body.campaign_id != state.campaign_id
        ):
            log.warning("pairing refused: a laptop of another team")
            raise ApiError(403, "other_team", "this laptop belongs to another team")
        if body.public_key is None or not is_public_key(body.public_key):
            raise ApiError(
                426, "protocol_outdated", "this laptop must be updated to pair (signing key)"
            )
        try:
            token, station = register_station(
                state.engine,
                state.team,
                body.device_id.lower(),
                body.device_name,
                body.station_name,
                public_key=body.public_key,
            )
        except KeyMismatch:
            log.warning("pairing refused: another key for a device already bound")
            raise ApiError(
                403, "device_key_mismatch", "this device id is bound to another key"
            ) from None
        state.forget_tokens()  # a station that pairs again: its earlier token ends
        learn_keys(state.engine, state.team, body.keys)
        log.info("station %d paired", station.station_no)
        return {
            "hub_id": state.hub_id,
            "token": token,
            "station_no": station.station_no,
            "station_name": station.station_name,
            "server_time": server_now(),
        }

    @router.get("/stations")
    def list_stations(_who: Annotated[str, Depends(paired)]) -> dict[str, Any]:
        """The paired stations (numbers, names, their users' display names), for
        "sudah dicatat di stasiun 2 (Budi Santoso)"."""
        reader = state.reader or state.engine
        names = operators(reader)
        return {
            "hub_id": state.hub_id,
            "stations": [
                {
                    "device_id": st.device_id,
                    "station_no": st.station_no,
                    "name": st.station_name,
                    "operators": names.get(st.device_id, {}),
                }
                for st in stations(reader)
            ],
            "server_time": server_now(),
        }

    @router.post("/operators")
    def station_operators(
        body: OperatorsBody, who: Annotated[str, Depends(paired)]
    ) -> dict[str, Any]:
        """A station tells the display names of its users (replacing what it said before)."""
        return {"operators": set_operators(state.engine, who, body.operators)}

    @router.get("/wait")
    async def wait(
        _who: Annotated[str, Depends(paired)],
        after: Annotated[int, Query(ge=-1)] = -1,
        timeout: Annotated[float, Query(ge=0, le=MAX_WAIT_S)] = 20.0,
    ) -> dict[str, Any]:
        """Long poll: answers once the news counter differs from ``after`` (-1: at once)."""
        return {"news": await state.news.wait_async(after, timeout), "server_time": server_now()}

    @router.post("/central-heads")
    def central_heads(body: ReceiptsBody, _who: Annotated[str, Depends(paired)]) -> dict[str, Any]:
        """Receipts flow down: what the central server holds, as relaying teammates saw it."""
        merged = merge_central_heads(
            state.engine,
            {d: (h.contiguous_seq, h.head_hash) for d, h in body.heads.items() if len(d) <= 64},
        )
        return {
            "heads": {d: {"contiguous_seq": seq, "head_hash": h} for d, (seq, h) in merged.items()},
            "server_time": server_now(),
        }

    return router
