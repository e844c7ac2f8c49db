"""Garbage in: a clear RosterFileError (Indonesian message), never a crash, nothing imported."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.imports import MAX_FILE_BYTES, RosterFileError, read_roster
from tests.unit.imports import corpus as C

TODAY = date(2024, 9, 1)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SETTINGS = settings(
    max_examples=40, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip


def _refused(path: Path, code: str | None = None) -> RosterFileError:
    with pytest.raises(RosterFileError) as info:
        read_roster(path, today=TODAY)
    err = info.value
    assert isinstance(err, KnownError)
    assert err.message and err.message_en and err.message != err.message_en
    assert "Traceback" not in err.message
    if code is not None:
        assert err.code == code, err.message
    return err


@pytest.fixture(scope="module")
def good_xlsx(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("good") / "good.xlsx"
    C.write_dapodik_xlsx(path, C.make_students(20, seed=1))
    return path.read_bytes()


@_SETTINGS
@given(st.binary(min_size=1, max_size=4096))
def test_random_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "acak.xlsx"
    path.write_bytes(data)
    try:
        preview = read_roster(path, today=TODAY)
    except RosterFileError as err:
        assert err.message
    else:  # bytes that happen to be a text table with a roster header: still no crash
        assert preview.header_row >= 1


@_SETTINGS
@given(st.integers(min_value=1, max_value=20_000))
def test_truncated_xlsx(tmp_path: Path, good_xlsx: bytes, cut: int) -> None:
    path = tmp_path / "terpotong.xlsx"
    path.write_bytes(good_xlsx[: min(cut, len(good_xlsx) - 1)])
    _refused(path)


@_SETTINGS
@given(st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1,
                max_size=8))  # fmt: skip
def test_corrupted_xlsx_bytes(
    tmp_path: Path, good_xlsx: bytes, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(good_xlsx)
    for position, value in flips:
        data[position % len(data)] = value
    path = tmp_path / "rusak.xlsx"
    path.write_bytes(bytes(data))
    try:
        preview = read_roster(path, today=TODAY)
    except RosterFileError:
        return
    # A flip in an unused column or in padding can leave a readable file.
    assert preview.total_rows + len(preview.skipped_rows) >= 0


def test_xlsx_without_header(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["Rekap Kehadiran"])
    ws.append(["Tanggal", "Hadir", "Izin"])
    ws.append(["2024-08-01", 30, 2])
    wb.create_sheet("Lain").append(["Catatan"])
    wb.save(tmp_path / "rekap.xlsx")
    err = _refused(tmp_path / "rekap.xlsx", "no_header")
    assert "Nama" in err.message and "NISN" in err.message


def test_password_protected_ole2(tmp_path: Path) -> None:
    # What Excel writes for an encrypted workbook: an OLE2 (CFB) container holding
    # the "EncryptionInfo" and "EncryptedPackage" streams.
    header = OLE2 + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    body = b"\x00" * 1000 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 100
    body += "EncryptedPackage".encode("utf-16-le") + b"\x00" * 2000
    (tmp_path / "rahasia.xlsx").write_bytes(header + body)
    err = _refused(tmp_path / "rahasia.xlsx", "xlsx_encrypted")
    assert "kata sandi" in err.message


def test_legacy_xls(tmp_path: Path) -> None:
    (tmp_path / "lama.xls").write_bytes(OLE2 + b"\x00" * 2000 + "Workbook".encode("utf-16-le"))
    assert ".xlsx" in _refused(tmp_path / "lama.xls", "xls_legacy").message


def test_file_over_50_mb_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "besar.xlsx"
    with path.open("wb") as fh:  # sparse: 200 MB on paper, a few bytes on disk
        fh.write(b"PK\x03\x04")
        fh.seek(200 * 1024 * 1024 - 1)
        fh.write(b"\x00")
    assert path.stat().st_size > MAX_FILE_BYTES

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", no_reading)
    monkeypatch.setattr(zipfile, "ZipFile", no_reading)
    err = _refused(path, "file_too_large")
    assert "50 MB" in err.message


def test_empty_missing_folder_html_ods_docx(tmp_path: Path) -> None:
    (tmp_path / "kosong.csv").write_bytes(b"")
    _refused(tmp_path / "kosong.csv", "empty_file")
    (tmp_path / "spasi.csv").write_bytes(b" \r\n\r\n ")
    _refused(tmp_path / "spasi.csv", "empty_file")
    _refused(tmp_path / "tidak-ada.xlsx", "file_not_found")
    _refused(tmp_path, "file_unreadable")
    (tmp_path / "web.xls").write_text("<html><body><table><tr><td>Nama</td></tr></table>")
    _refused(tmp_path / "web.xls", "html_unsupported")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    (tmp_path / "a.ods").write_bytes(buf.getvalue())
    _refused(tmp_path / "a.ods", "ods_unsupported")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    (tmp_path / "surat.docx").write_bytes(buf.getvalue())
    _refused(tmp_path / "surat.docx", "not_a_spreadsheet")
    (tmp_path / "biner.csv").write_bytes(bytes(range(256)) * 4)
    _refused(tmp_path / "biner.csv", "not_a_spreadsheet")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    from ktpe_desktop.storage import models as m
    from ktpe_desktop.storage.store import Store

    monkeypatch.setenv("KTPE_FAST_KDF", "1")
    st_ = Store.create(tmp_path / "data", "koordinator", "kata-sandi-uji-123")
    with st_.transaction() as s:
        s.add(m.School(npsn="20533660", name="SMAN 1"))
    yield st_
    st_.close()


def test_nothing_imported_from_garbage(tmp_path: Path, store: object, good_xlsx: bytes) -> None:
    from sqlalchemy import func, select

    from ktpe_desktop.services.import_service import ImportService
    from ktpe_desktop.storage import models as m
    from ktpe_desktop.storage.store import Store

    assert isinstance(store, Store)
    service = ImportService(store, today=lambda: TODAY)
    files = {
        "acak.xlsx": bytes(range(256)) * 8,
        "terpotong.xlsx": good_xlsx[: len(good_xlsx) // 2],
        "rahasia.xlsx": OLE2 + b"\x00" * 512 + "EncryptedPackage".encode("utf-16-le"),
        "kosong.csv": b"",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(RosterFileError):
            service.preview(tmp_path / name, "20533660")
    with store.session() as s:
        for model in (m.EventRow, m.Student, m.Outbox):
            assert s.scalar(select(func.count()).select_from(model)) == 0
