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


class Laptop:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.store: Any = None
        self.hub: Any = None
        self.sync: Any = None
        self.students: list[str] = []

    # ---------------------------------------------------------------- ops

    def op_init(self, central: str = "", ca: str = "", code: str = "") -> dict[str, Any]:
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
        self.hub = HubService(self.store)
        with self.store.session() as s:
            self.students = sorted(s.scalars(select(m.Student.id)))
        return {"device_id": self.store.device_id, "students": len(self.students)}

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
