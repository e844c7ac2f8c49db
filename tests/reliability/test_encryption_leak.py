"""No plaintext NIK, NISN or name anywhere under the data folder.

Plants a student with known identifiers, writes events (including a correction
and a walk-in that carry personal data in their payloads), logs a line that
mentions the NIK, takes a backup, and then scans every file under the data
folder (database, -wal, -shm, backups, logs, key slots) for those strings in
UTF-8, UTF-16 (both byte orders) and for the name's search-key tokens.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ktpe_desktop.core.namekeys import name_key
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage.errors import WrongPassword
from ktpe_desktop.storage.logs import get_logger
from ktpe_desktop.storage.store import Store
from tests.conftest import LEAD, PASSWORD, Factory

NIK = "3573054508070003"
NISN = "0098765432"
KK = "3573051203150007"
NAME = "ZULKARNAEN WIRAPRADJA"
MOTHER = "SRI ENDANG PURBASARI"
WALK_IN = "KUSUMAWARDHANI PRAMESTHI"


def needles() -> list[bytes]:
    texts = {NIK, NISN, KK, NAME, MOTHER, WALK_IN, NAME.title(), NAME.lower()}
    texts |= set(name_key(NAME).split()) | set(name_key(WALK_IN).split())
    texts |= {t for t in MOTHER.split()}
    out = []
    for t in texts:
        if len(t) < 6:
            continue
        out += [t.encode("utf-8"), t.encode("utf-16-le"), t.encode("utf-16-be")]
        out += [t.upper().encode("utf-8"), t.lower().encode("utf-8")]
    return out


def scan(folder: Path) -> list[tuple[str, bytes]]:
    hits = []
    wanted = needles()
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [(str(path.relative_to(folder)), n) for n in wanted if n in data]
    return hits


def test_nothing_personal_in_clear(store: Store, factory: Factory) -> None:
    school = factory.school()
    sid = factory.student(school, name=NAME, nisn=NISN, nik=NIK, kk=KK, mother_name=MOTHER)
    service = RecordingService(store)
    service.record_outcome(sid, "failed", "petugas1", reason="data_mismatch")
    service.correct_details(sid, {"name": NAME + " S", "nik": NIK}, "petugas1")
    service.record_outcome(sid, "recorded", "petugas1")
    service.add_walk_in({"school_npsn": school, "name": WALK_IN, "nisn": "0091111111"}, "lead")
    get_logger("test").info("scanned %s for student %s", NIK, NISN)
    store.backup("leak-test")
    # While the store is open (-wal and -shm exist) ...
    assert (store.data_dir / "ktpe.db-wal").exists()
    assert scan(store.data_dir) == []
    store.close()
    # ... and after close.
    assert scan(store.data_dir) == []
    files = {p.name for p in store.data_dir.rglob("*") if p.is_file()}
    assert "keyslots.json" in files and "ktpe.log" in files


def test_the_scan_would_see_plaintext(tmp_path: Path) -> None:
    # guard against a scan that cannot fail
    (tmp_path / "leak.txt").write_text(f"x {NIK} y", encoding="utf-16")
    assert scan(tmp_path)


def test_wrong_password_fails_cleanly(store: Store) -> None:
    store.close()
    with pytest.raises(WrongPassword):
        Store.open(store.data_dir, LEAD, PASSWORD + "x")
    # a random key does not open the file either
    import os

    from ktpe_desktop.storage.engine import connect_raw

    with pytest.raises(Exception, match="not a database"):
        connect_raw(store.db_path, os.urandom(32))
