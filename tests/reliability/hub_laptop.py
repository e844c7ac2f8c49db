"""One team laptop as its own process, driven by JSON lines on stdin (hub tests).

Usage: ``python -m tests.reliability.hub_laptop DATA_DIR``. Each input line is a
command ``{"op": ..., ...}``; each output line is its answer ``{"ok": true, ...}``
or ``{"ok": false, "code": ..., "message": ...}`` (a KnownError). Logs go to
``DATA_DIR/../<name>.log`` so stdout carries answers only.

Ops: ``init`` (create or open the store; enrol with the central server when given),
``hub_start``, ``discover``, ``join``, ``link_start``, ``record``, ``state``,
``events``, ``central_round``, ``link_status``, ``quit``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

os.environ.setdefault("KTPE_FAST_KDF", "1")

PASSWORD = "rahasia-uji-123"
USER = "koordinator"


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


class Laptop:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.store: Any = None
        self.hub: Any = None
        self.sync: Any = None
        self.students: list[str] = []

    # ---------------------------------------------------------------- ops

    def op_init(
        self,
        central: str = "",
        ca: str = "",
        code: str = "",
        team: str = "",
        roster: int = 0,
    ) -> dict[str, Any]:
        from sqlalchemy import select

        from ktpe_desktop.services.hub_service import HubService
        from ktpe_desktop.services.sync_service import SyncService
        from ktpe_desktop.storage import models as m
        from ktpe_desktop.storage.store import Store

        if (self.data_dir / "keyslots.json").exists():
            self.store = Store.open(self.data_dir, USER, PASSWORD)
        else:
            self.store = Store.create(self.data_dir, USER, PASSWORD)
        self.sync = SyncService(self.store)
        self.sync.recover()
        if code:
            self.sync.enrol(central, code, ca or None)
            summary = self.sync.run_round()
            if summary.error is not None:
                raise RuntimeError(f"first round failed: {summary.error}")
        if team:  # no central server: what an enrolment and a roster pull leave behind
            self._offline_roster(team, roster)
        self.hub = HubService(self.store)
        if os.environ.get("KTPE_BENCH_TXN"):
            self._time_background_transactions()
        with self.store.session() as s:
            self.students = sorted(s.scalars(select(m.Student.id)))
        return {"device_id": self.store.device_id, "students": len(self.students)}

    def _offline_roster(self, team: str, roster: int) -> None:
        from datetime import date

        from ktpe_desktop.storage import models as m
        from ktpe_desktop.storage.repositories import RosterStudent, upsert_students_from_roster
        from ktpe_desktop.sync import state as keys

        with self.store.transaction() as s:
            keys.put(s, keys.TEAM, team)
            keys.put(s, keys.CAMPAIGN_ID, "bench")
            if s.get(m.School, "20539999") is None:
                s.add(m.School(npsn="20539999", name="SMK BENCH", kind="SMK", target=roster))
        rows = [
            RosterStudent(
                id=f"B{n:09d}",
                school_npsn="20539999",
                name=f"SISWA {n}",
                nisn=f"00{n:08d}",
                sex="L",
                birth_date=date(2007, 1 + n % 12, 1 + n % 28),
                class_name="XII",
            )
            for n in range(roster)
        ]
        with self.store.transaction() as s:
            upsert_students_from_roster(s, rows)

    def _time_background_transactions(self) -> None:
        """Time every write transaction not on the main thread (the hub link's): how
        long each held the writer, and how long each save waited for it."""
        import contextlib
        import threading

        store = self.store
        store.writer_gate.waits = []
        self.txn_times: list[float] = []
        self.txn_detail: list[tuple[float, float, float, str]] = []

        def timing(original: Any) -> Any:
            @contextlib.contextmanager
            def timed(**kw: Any) -> Any:
                caller = sys._getframe(2).f_code.co_name
                started = time.perf_counter()
                with original(**kw) as s:
                    entered = time.perf_counter()
                    yield s
                    body = time.perf_counter()
                if threading.current_thread() is not threading.main_thread():
                    done = time.perf_counter()
                    self.txn_times.append(done - entered)  # held, not waited for
                    self.txn_detail.append((done - entered, entered - started, done - body, caller))

            return timed

        store.transaction = timing(store.transaction)
        store.background_transaction = timing(store.background_transaction)

    def op_txn_stats(self) -> dict[str, Any]:
        """The link's write transactions (held, p99) and the saves' waits for the writer."""
        times = sorted(getattr(self, "txn_times", []))
        waits = sorted(self.store.writer_gate.waits or [])
        worst = sorted(getattr(self, "txn_detail", []), reverse=True)[:5]
        return {
            "n": len(times),
            "p99_s": _pct(times, 0.99),
            "max_s": times[-1] if times else 0.0,
            # (held, waited for, of which the commit, where) of the longest ones
            "worst": [[round(a, 3), round(b, 3), round(c, 3), d] for a, b, c, d in worst],
            "waits": waits,
        }

    def op_txn_reset(self) -> dict[str, Any]:
        self.txn_times.clear()
        self.txn_detail.clear()
        self.store.writer_gate.waits = []
        return {}

    def op_cpu(self) -> dict[str, Any]:
        import resource

        ru = resource.getrusage(resource.RUSAGE_SELF)
        return {"cpu_s": ru.ru_utime + ru.ru_stime}

    def op_hub_start(self, port: int = 0) -> dict[str, Any]:
        info = self.hub.start_hub(port or 47180)  # 47180 is the default; 0 is not "any" here
        return {"code": info.code, "port": info.port, "fingerprint": info.fingerprint}

    def op_discover(self, timeout: float = 5.0) -> dict[str, Any]:
        found = self.hub.discover(timeout)
        return {"hubs": [{"address": h.address, "team": h.team, "hub": h.hub_id} for h in found]}

    def op_join(self, address: str, code: str, name: str = "") -> dict[str, Any]:
        cfg = self.hub.join(address, code, name)
        return {"station_no": cfg.station_no}

    def op_link_start(self) -> dict[str, Any]:
        self.hub.start_link()
        return {}

    def op_record(
        self, index: int, kind: str = "recorded", operator: str = "budi"
    ) -> dict[str, Any]:
        from ktpe_desktop.services.recording import RecordingService

        started = time.perf_counter()
        saved = RecordingService(self.store).record_outcome(self.students[index], kind, operator)
        took = time.perf_counter() - started
        self.hub.saved()
        return {"event_id": saved.event_id, "student_id": saved.student_id, "save_s": took}

    def op_state(self, index: int) -> dict[str, Any]:
        from sqlalchemy import func, select

        from ktpe_desktop.storage import models as m

        sid = self.students[index]
        with self.store.session() as s:
            st = s.get(m.StudentState, sid)
            anomalies = s.scalar(
                select(func.count()).select_from(m.AnomalyRow).where(m.AnomalyRow.student_id == sid)
            )
        return {
            "status": str(st.status) if st else "pending",
            "device": st.decided_by_device if st else None,
            "anomalies": int(anomalies or 0),
        }

    def op_events(self) -> dict[str, Any]:
        from sqlalchemy import select

        from ktpe_desktop.storage import models as m

        with self.store.session() as s:
            ids = sorted(s.scalars(select(m.EventRow.event_id)))
        return {"count": len(ids), "digest": hashlib.sha256("\n".join(ids).encode()).hexdigest()}

    def op_central_round(self) -> dict[str, Any]:
        summary = self.sync.run_round()
        return {"error": summary.error}

    def op_link_status(self) -> dict[str, Any]:
        status = self.hub.link_status()
        return {"state": status.state.value if status else "off"}

    def op_quit(self) -> dict[str, Any]:
        if self.hub is not None:
            self.hub.close()
        if self.sync is not None:
            self.sync.close()
        if self.store is not None:
            self.store.close()
        return {}


def main(data_dir: str) -> None:
    path = Path(data_dir)
    logging.basicConfig(
        filename=str(path.parent / f"{path.name}.log"),
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    from ktpe_desktop.core.errors import KnownError

    laptop = Laptop(path)
    print(json.dumps({"ok": True, "ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        op = cmd.pop("op")
        try:
            answer = {"ok": True, **getattr(laptop, f"op_{op}")(**cmd)}
        except KnownError as exc:
            answer = {"ok": False, "code": exc.code, "message": exc.message}
        except Exception as exc:
            logging.getLogger("hub_laptop").error("%s", traceback.format_exc())
            answer = {"ok": False, "code": "crash", "message": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)
        if op == "quit":
            break


if __name__ == "__main__":
    main(sys.argv[1])
