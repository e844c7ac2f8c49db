"""Issue 12, finding 7: ``serve --workers 2`` logs in every worker and shares one rate limit.

Before the fix each worker kept its own token buckets (two workers granted twice the
burst) and the workers had no logging set-up (no enrolment or push lines, no times).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ktpe_desktop.core.protocol import API_PREFIX
from ktpe_server.db import make_engine, upgrade

from .conftest import build_world
from .helpers import Laptop

BURST = 6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_workers_share_the_rate_limit_and_both_log(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    engine = make_engine(url)
    upgrade(engine)
    world = build_world(engine)
    code = world.code()
    port = _free_port()
    env = {
        **os.environ,
        "KTPE_RATE_CAPACITY": str(BURST),
        "KTPE_RATE_PER_SECOND": "0.001",
        "KTPE_ENROLL_RATE_CAPACITY": "100",
    }
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ktpe_server.cli", "serve", "--db", url, "--port", str(port),
             "--workers", "2"],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{base}{API_PREFIX}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.3)
            lap = Laptop()
            r = httpx.post(
                f"{base}{API_PREFIX}/enrollments",
                json={
                    "code": code,
                    "device_id": lap.device_id,
                    "device_name": "Laptop",
                    "public_key": lap.public_key,
                },
                timeout=30,
            )
            assert r.status_code == 200, r.text
            token = r.json()["token"]
            allowed = limited = 0
            for _ in range(4 * BURST):
                # a new connection each time: the kernel spreads them over both workers
                with httpx.Client(timeout=30) as http:
                    r = http.get(
                        f"{base}{API_PREFIX}/sync/receipt",
                        headers={"Authorization": f"Bearer {token}"},
                    )
                if r.status_code == 200:
                    allowed += 1
                else:
                    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
                    limited += 1
            assert allowed == BURST, (allowed, limited)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    text = log_path.read_text(encoding="utf-8", errors="replace")
    line = next((ln for ln in text.splitlines() if "enrolled in team" in ln), "")
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ .*ktpe\.server", line), text[-2000:]
    # each worker process logs (its own "worker ready" line)
    assert len(re.findall(r"ktpe\.server\.api INFO worker ready", text)) == 2, text[-2000:]
