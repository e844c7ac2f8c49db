"""Three laptop processes (one hub, two stations) and the central server.

Once on loopback, once in network namespaces joined by a bridge, so that mDNS
discovery, the hub's port and a partitioned station are real. Scenario: pairing
(a wrong code is refused), a record seen at the other station, the same student
at both stations in the same second (one anomaly everywhere), the hub killed with
SIGKILL mid-push while a station is cut off, everyone back: all converge, and the
central server ends holding every event once, folded as the events say.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme
import uvicorn
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import fold_status
from ktpe_server import admin
from ktpe_server import models as sm
from ktpe_server.app import create_app
from ktpe_server.config import Settings
from ktpe_server.ingest import EVENT_COLUMNS, event_from_tuple

ROOT = Path(__file__).resolve().parents[2]
UNLIMITED = dict(
    rate_capacity=1e9, rate_per_second=1e9, enroll_rate_capacity=1e9, enroll_rate_per_second=1e9
)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(420),
    pytest.mark.allow_warnings("hub", "TLS refused", "pairing", "sync"),
]


# --------------------------------------------------------------------------- processes


class Proc:
    """A laptop process speaking JSON lines (tests/reliability/hub_laptop.py)."""

    def __init__(self, data_dir: Path, prefix: list[str]) -> None:
        self.data_dir = data_dir
        self.prefix = prefix
        self.proc: subprocess.Popen[str] | None = None
        self.lines: queue.Queue[str] = queue.Queue()

    def start(self) -> Proc:
        env = {**os.environ, "KTPE_FAST_KDF": "1", "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [
                *self.prefix,
                sys.executable,
                "-m",
                "tests.reliability.hub_laptop",
                str(self.data_dir),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=str(ROOT),
            env=env,
        )
        self.lines = queue.Queue()
        out = self.proc.stdout
        assert out is not None
        threading.Thread(target=lambda: [self.lines.put(x) for x in out], daemon=True).start()
        assert self._answer(60)["ready"]
        return self

    def _answer(self, timeout: float) -> dict[str, Any]:
        try:
            return json.loads(self.lines.get(timeout=timeout))
        except queue.Empty:
            raise AssertionError(f"{self.data_dir.name}: no answer in {timeout} s") from None

    def call(self, op: str, timeout: float = 90.0, **kw: Any) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **kw}) + "\n")
        self.proc.stdin.flush()
        return self._answer(timeout)

    def ok(self, op: str, **kw: Any) -> dict[str, Any]:
        answer = self.call(op, **kw)
        assert answer["ok"], (self.data_dir.name, op, answer)
        return answer

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def quit(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.call("quit", timeout=30)
            self.proc.wait(30)
        except (AssertionError, OSError, subprocess.TimeoutExpired):
            self.proc.kill()


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)
    return time.monotonic() - started


# --------------------------------------------------------------------------- central


@dataclass
class Central:
    port: int
    ca_file: str
    db_url: str

    def url(self, host: str) -> str:
        return f"https://{host}:{self.port}"


@contextmanager
def central_server(tmp: Path, hosts: list[str]) -> Iterator[Central]:
    db_url = f"sqlite:///{tmp / 'central.sqlite'}"
    admin.seed_demo(db_url, students=4586, schools_per_team=1)
    ca = trustme.CA()
    cert = ca.issue_cert(*hosts)
    cert_file, key_file, ca_file = tmp / "central.pem", tmp / "central.key", tmp / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    ca.cert_pem.write_to_path(str(ca_file))
    app = create_app(Settings(db_url=db_url, **UNLIMITED))  # type: ignore[arg-type]
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("0.0.0.0", 0))
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        ssl_certfile=str(cert_file),
        ssl_keyfile=str(key_file),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_until(lambda: server.started, 30, "central server start")
    try:
        yield Central(sock.getsockname()[1], str(ca_file), db_url)
    finally:
        server.should_exit = server.force_exit = True
        thread.join(10)
        sock.close()


# --------------------------------------------------------------------------- network


def _sh(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=20)


@dataclass
class Net:
    bridge_ip: str
    ips: list[str]
    namespaces: list[str]
    veths: list[str]

    def prefix(self, i: int) -> list[str]:
        return ["ip", "netns", "exec", self.namespaces[i]]

    def partition(self, i: int, cut: bool) -> None:
        _sh("ip", "link", "set", self.veths[i], "down" if cut else "up")


def netns_unavailable() -> str | None:
    if sys.platform != "linux" or shutil.which("ip") is None:
        return "needs Linux with iproute2"
    if os.geteuid() != 0:
        return "needs root (ip netns)"
    probe = f"k14probe{os.getpid() % 100000}"
    try:
        _sh("ip", "netns", "add", probe)
        _sh("ip", "netns", "del", probe)
    except (subprocess.CalledProcessError, OSError, subprocess.TimeoutExpired) as exc:
        return f"ip netns not permitted here ({type(exc).__name__})"
    return None


@contextmanager
def school_network(n: int) -> Iterator[Net]:
    """``n`` namespaces on one bridge (a travel router), the bridge in the root namespace."""
    sfx = f"{os.getpid() % 10000}"
    subnet = f"10.214.{os.getpid() % 250}"
    bridge = f"k14br{sfx}"
    namespaces = [f"k14-{sfx}-{i}" for i in range(n)]
    veths = [f"k14v{sfx}{i}" for i in range(n)]
    try:
        _sh("ip", "link", "add", bridge, "type", "bridge")
        _sh("ip", "link", "set", bridge, "type", "bridge", "mcast_snooping", "0")
        _sh("ip", "addr", "add", f"{subnet}.1/24", "dev", bridge)
        _sh("ip", "link", "set", bridge, "up")
        for i, (ns, veth) in enumerate(zip(namespaces, veths, strict=True)):
            peer = f"k14p{sfx}{i}"
            _sh("ip", "netns", "add", ns)
            _sh("ip", "link", "add", veth, "type", "veth", "peer", "name", peer)
            _sh("ip", "link", "set", peer, "netns", ns)
            _sh("ip", "link", "set", veth, "master", bridge)
            _sh("ip", "link", "set", veth, "up")
            _sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
            _sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"{subnet}.{i + 2}/24", "dev", peer)
            _sh("ip", "netns", "exec", ns, "ip", "link", "set", peer, "up")
        yield Net(f"{subnet}.1", [f"{subnet}.{i + 2}" for i in range(n)], namespaces, veths)
    finally:
        for ns in namespaces:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)
        for veth in veths:
            subprocess.run(["ip", "link", "del", veth], capture_output=True, timeout=20)
        subprocess.run(["ip", "link", "del", bridge], capture_output=True, timeout=20)


# --------------------------------------------------------------------------- scenario


def central_check(db_url: str, laptop_count: int) -> None:
    """Every event once at the office, and its fold equal to the fold of the events."""
    with Session(admin.engine_for(db_url)) as s:
        total = s.scalar(select(func.count()).select_from(sm.EventRow))
        distinct = s.scalar(select(func.count(func.distinct(sm.EventRow.event_id))))
        assert total == distinct == laptop_count
        rows = s.execute(select(*EVENT_COLUMNS).where(sm.EventRow.state == "accepted")).all()
        events = [event_from_tuple(tuple(r)) for r in rows]
        assert len(events) == total
        by_student: dict[str, list[Any]] = {}
        for ev in events:
            by_student.setdefault(ev.student_id, []).append(ev)
        states = {r.student_id: r for r in s.scalars(select(sm.StudentState))}
        for sid, evs in by_student.items():
            folded = fold_status(sid, evs)
            assert str(states[sid].status) == str(folded.status), sid


def run_scenario(
    tmp: Path, central: Central, procs: list[Proc], *, net: Net | None
) -> dict[str, float]:
    hub, a, b = procs
    central_host = net.bridge_ip if net else "127.0.0.1"
    for p in procs:
        p.start()
        code = admin.make_enroll_code(central.db_url, "tim-01")
        p.ok("init", central=central.url(central_host), ca=central.ca_file, code=code)
    port = 47180 if net else _free_port()
    started = hub.ok("hub_start", port=port)
    code, port = started["code"], started["port"]
    hub.ok("link_start")
    if net:
        found = a.ok("discover", timeout=8.0)["hubs"]
        addresses = {h["address"] for h in found}
        address = f"{net.ips[0]}:{port}"
        assert address in addresses, found  # real mDNS across the bridge
    else:
        address = f"127.0.0.1:{port}"
    wrong = a.call(
        "join", address=address, code="ZZZZ-ZZZZ" if code != "ZZZZ-ZZZZ" else "YYYY-YYYY"
    )
    assert not wrong["ok"] and wrong["code"] == "hub_not_authentic", wrong
    assert a.ok("join", address=address, code=code, name="Meja 2")["station_no"] == 2
    assert b.ok("join", address=address, code=code.lower(), name="Meja 3")["station_no"] == 3
    for p in (a, b):
        p.ok("link_start")

    # A record at station a is visible at station b within seconds.
    a.ok("record", index=0, operator="budi")
    seen_s = wait_until(
        lambda: b.ok("state", index=0)["status"] == "recorded", 20, "b sees a's record"
    )

    # The same student at both stations in the same second: one anomaly everywhere.
    threads = [
        threading.Thread(target=p.ok, args=("record",), kwargs={"index": 1, "operator": op})
        for p, op in ((a, "budi"), (b, "sari"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for p in procs:
        wait_until(lambda p=p: p.ok("state", index=1)["anomalies"] == 1, 30, "one anomaly")

    # Kill -9 the hub mid-push, cut station b off, keep recording everywhere.
    for i in range(2, 12):
        a.ok("record", index=i)
    hub.kill9()
    if net:
        net.partition(2, True)
    for i in range(12, 20):
        a.ok("record", index=i)
        b.ok("record", index=i + 10, operator="sari")
    wait_until(lambda: a.ok("link_status")["state"] == "unreachable", 20, "a sees the hub gone")
    # Back: the hub restarts with the same session (certificate, code, tokens).
    hub.start()
    hub.ok("init")
    assert hub.ok("hub_start", port=port)["code"] == code
    hub.ok("link_start")
    if net:
        net.partition(2, False)
    hub.ok("record", index=40, operator="hub")

    def converged() -> bool:
        digests = {p.ok("events")["digest"] for p in procs}
        return len(digests) == 1

    wait_until(converged, 90, "all three laptops hold the same events")
    count = hub.ok("events")["count"]
    assert count == 1 + 2 + 10 + 8 + 8 + 1
    # The hub reaches the office: every event once, the office's fold = the events' fold.
    assert hub.ok("central_round")["error"] is None
    central_check(central.db_url, count)
    with Session(admin.engine_for(central.db_url)) as s:
        assert s.scalar(select(func.count()).select_from(sm.AnomalyRow)) == 1
    return {"seen_s": seen_s}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_three_laptops_and_the_office_on_loopback(tmp_path: Path) -> None:
    procs = [Proc(tmp_path / name, []) for name in ("hub", "station-a", "station-b")]
    try:
        with central_server(tmp_path, ["127.0.0.1"]) as central:
            run_scenario(tmp_path, central, procs, net=None)
    finally:
        for p in procs:
            p.quit()


def test_three_laptops_in_network_namespaces(tmp_path: Path) -> None:
    reason = netns_unavailable()
    if reason:
        pytest.skip(reason)
    with school_network(3) as net:
        procs = [
            Proc(tmp_path / name, net.prefix(i))
            for i, name in enumerate(("hub", "station-a", "station-b"))
        ]
        try:
            with central_server(tmp_path, ["127.0.0.1", net.bridge_ip]) as central:
                run_scenario(tmp_path, central, procs, net=net)
        finally:
            for p in procs:
                p.quit()
