"""The tail marker's file (storage/tailmark.py): two slots written in place in turn."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage import tailmark as tm
from ktpe_desktop.storage.store import Store
from ktpe_desktop.storage.tailmark import MarkerWriter, TailMarker, read_marker, write_marker
from tests.conftest import LEAD, PASSWORD, Factory

KEY = bytes(range(32))


@pytest.fixture(autouse=True, params=[True, False], ids=["kept-open", "reopened"])
def keep_open(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Every test with the file kept open between writes, and opened at each write
    as on Windows (tailmark.KEEP_OPEN), where a file held open cannot be removed."""
    monkeypatch.setattr(tm, "KEEP_OPEN", request.param)
    return bool(request.param)


def marker(seq: int) -> TailMarker:
    return TailMarker("dev-1", seq, f"h{seq}", "2026-12-06T09:00:00+00:00")


def test_each_write_overwrites_the_older_slot_in_place(tmp_path: Path) -> None:
    writer = MarkerWriter(tmp_path, KEY)
    assert writer.write(marker(1))
    path = tmp_path / tm.MARKER_FILE
    inode = path.stat().st_ino
    for seq in range(2, 7):
        assert writer.write(marker(seq))
        assert read_marker(tmp_path, KEY) == marker(seq)
    assert path.stat().st_ino == inode  # no rename after the first write
    assert path.stat().st_size == tm._FILE_SIZE
    slots = tm._read_slots(tm.marker_cipher(KEY), path.read_bytes())
    assert slots is not None
    assert sorted(s.seq for s in slots if s is not None) == [5, 6]  # the newest two


def test_a_torn_slot_leaves_the_previous_head(tmp_path: Path) -> None:
    writer = MarkerWriter(tmp_path, KEY)
    for seq in (1, 2, 3):
        writer.write(marker(seq))
    path = tmp_path / tm.MARKER_FILE
    raw = bytearray(path.read_bytes())
    newest = tm._newest(tm._read_slots(tm.marker_cipher(KEY), bytes(raw)) or [])
    assert newest is not None
    start = len(tm._MAGIC) + newest * tm._SLOT
    raw[start + 20 : start + 60] = os.urandom(40)  # a power cut in the middle of the write
    path.write_bytes(bytes(raw))
    assert read_marker(tmp_path, KEY) == marker(2)  # older, never newer than the truth
    # A new writer (the next opening) overwrites the damaged slot first.
    again = MarkerWriter(tmp_path, KEY)
    assert again.write(marker(4))
    assert read_marker(tmp_path, KEY) == marker(4)
    slots = tm._read_slots(tm.marker_cipher(KEY), path.read_bytes())
    assert slots is not None and {s.seq for s in slots if s is not None} == {2, 4}


def test_a_format_1_marker_is_read_and_replaced_at_the_first_write(tmp_path: Path) -> None:
    body = json.dumps({"device_id": "dev-1", "seq": 9, "hash": "h9", "at": "x"}).encode()
    nonce = os.urandom(12)
    sealed = AESGCM(tm._subkey(KEY)).encrypt(nonce, body, tm._AAD)
    (tmp_path / tm.MARKER_FILE).write_bytes(nonce + sealed)
    assert read_marker(tmp_path, KEY) == TailMarker("dev-1", 9, "h9", "x")
    assert write_marker(tmp_path, KEY, marker(10), durable=False)
    assert (tmp_path / tm.MARKER_FILE).stat().st_size == tm._FILE_SIZE
    assert read_marker(tmp_path, KEY) == marker(10)


@pytest.mark.allow_warnings("tail marker unreadable")
def test_wrong_key_or_garbage_reads_as_unknown(tmp_path: Path) -> None:
    write_marker(tmp_path, KEY, marker(3))
    assert read_marker(tmp_path, bytes(32)) is None
    (tmp_path / tm.MARKER_FILE).write_bytes(b"not a marker")
    assert read_marker(tmp_path, KEY) is None
    assert read_marker(tmp_path / "absent", KEY) is None


@pytest.mark.allow_warnings("tail marker not written")
def test_a_refused_write_is_harmless(tmp_path: Path) -> None:
    writer = MarkerWriter(tmp_path / "no-such-folder", KEY)
    assert writer.write(marker(1)) is False


@pytest.mark.parametrize(
    "device_id", ["dev-1", 'odd "quoted" \\ id', "perangkat-é-ß", "tab\there\u2028"]
)
def test_the_body_is_json_dumps_byte_for_byte(device_id: str) -> None:
    m = TailMarker(device_id, 123456, "ab" * 32, "2026-12-06T09:00:00+00:00")
    fields = {"device_id": m.device_id, "seq": m.seq, "hash": m.hash, "at": m.at}
    assert tm._body(m) == json.dumps(fields, sort_keys=True).encode()
    assert tm._parse(tm._body(m)) == m


def _open_fds_on(path: Path) -> int:
    fds = Path("/proc/self/fd")
    return sum(1 for fd in fds.iterdir() if os.path.realpath(fd) == str(path.resolve()))


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
def test_the_writer_keeps_the_file_open_until_closed(tmp_path: Path, keep_open: bool) -> None:
    writer = MarkerWriter(tmp_path, KEY)
    path = tmp_path / tm.MARKER_FILE
    for seq in range(1, 5):
        assert writer.write(marker(seq))
    # one descriptor kept between writes; none where the file is opened at each write
    assert _open_fds_on(path) == (1 if keep_open else 0)
    writer.close()
    assert _open_fds_on(path) == 0
    assert read_marker(tmp_path, KEY) == marker(4)
    assert writer.write(marker(5))  # a closed writer starts again from the disk
    assert read_marker(tmp_path, KEY) == marker(5)
    writer.close()


def test_a_removed_marker_is_written_anew_at_the_next_write(tmp_path: Path) -> None:
    writer = MarkerWriter(tmp_path, KEY)
    path = tmp_path / tm.MARKER_FILE
    for seq in (1, 2, 3):
        assert writer.write(marker(seq))
    path.unlink()  # the kept descriptor now points at a file no longer in the folder
    assert writer.write(marker(4))
    assert read_marker(tmp_path, KEY) == marker(4)
    assert writer.write(marker(5))
    assert read_marker(tmp_path, KEY) == marker(5)
    writer.close()


def test_a_replaced_marker_file_is_the_one_written(tmp_path: Path) -> None:
    writer = MarkerWriter(tmp_path, KEY)
    for seq in (1, 2):
        assert writer.write(marker(seq))
    other = tmp_path / "elsewhere"
    other.mkdir()
    write_marker(other, KEY, marker(7))
    os.replace(other / tm.MARKER_FILE, tmp_path / tm.MARKER_FILE)  # e.g. a copy put back
    assert writer.write(marker(8))
    assert read_marker(tmp_path, KEY) == marker(8)
    slots = tm._read_slots(tm.marker_cipher(KEY), (tmp_path / tm.MARKER_FILE).read_bytes())
    assert slots is not None and {s.seq for s in slots if s is not None} == {7, 8}
    writer.close()


def test_a_durable_write_reaches_the_file_in_the_folder(tmp_path: Path) -> None:
    writer = MarkerWriter(tmp_path, KEY)
    assert writer.write(marker(1))
    (tmp_path / tm.MARKER_FILE).unlink()
    assert writer.write(marker(2), durable=True)  # the store's close
    writer.close()
    assert read_marker(tmp_path, KEY) == marker(2)


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
def test_the_store_moves_its_marker_on_one_kept_file_and_lets_it_go_at_close(
    data_dir: Path, keep_open: bool
) -> None:
    store = Store.create(data_dir, LEAD, PASSWORD)
    factory = Factory(store)
    path = store.data_dir / tm.MARKER_FILE
    service = RecordingService(store)
    ids = [factory.student() for _ in range(3)]
    for sid in ids:
        saved = service.record_outcome(sid, "recorded", "op")
        held = read_marker(store.data_dir, store._key)
        assert held is not None and (held.seq, held.device_id) == (saved.seq, store.device_id)
    assert _open_fds_on(path) == (1 if keep_open else 0)
    path.unlink()  # gone behind the store's back: written again by the next commit
    saved = service.record_outcome(ids[0], "absent", "op")
    held = read_marker(store.data_dir, store._key)
    assert held is not None and held.seq == saved.seq
    key = store._key
    store.close()
    assert _open_fds_on(path) == 0
    assert read_marker(data_dir, key) == held
