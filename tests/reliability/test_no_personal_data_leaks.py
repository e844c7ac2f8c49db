"""A realistic session through the services leaves no personal datum in the clear.

Drives the services the way a recording day does — a new data folder, the demo
roster pulled from the embedded server, outcomes, a walk-in and a correction that
carry planted NIK / NISN / names, a sync against a dead address, a successful
sync, a quarantined walk-in, a roster import with an error row, a Berita Acara
PDF and an XLSX export, a database error logged with its traceback and a crash
report — with the ``ktpe`` loggers at DEBUG into the data folder and every
other logger (the embedded server's, uvicorn's) into a server-side log file.

Then every file under the data folder and the server-side log is scanned for the
planted values (UTF-8, UTF-16 LE/BE, upper/lower case, name search-key tokens,
and inside gzip members): zero hits. Only the folder the user chose for exports
may hold them (and must, or the scan proves nothing). Every file the Python
process opened for writing during the session (an audit hook sees them all, so
also temporary files deleted again, e.g. openpyxl's) lies in the data folder, the
export folder or the server's folder.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import socket
import sys
import threading
import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from ktpe_desktop.core.namekeys import name_key
from ktpe_desktop.core.protocol import PROTOCOL_VERSION
from ktpe_desktop.core.signing import new_private_key, public_key_of
from ktpe_desktop.imports import write_report_csv
from ktpe_desktop.services.workspace import Workspace
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.logs import configure_logging, get_logger, unconfigure_logging
from ktpe_desktop.sync import state as keys
from tests import timing

PASSWORD = "rahasia-uji-123"
TEAM = "tim-01"

# Planted values: invented, and unlike anything the demo generator makes.
WALK_IN_NAME = "ZULKARNAEN WIRAPRADJA"
WALK_IN_NIK = "3573054508070003"
WALK_IN_NISN = "0098765432"
WALK_IN_KK = "3573051203150007"
MOTHER = "SRIKANDIWATI PURBASARI"
CORRECTED_NAME = "GANDAWIJAYA TRIHATMOJO"
CORRECTED_NIK = "3573061707070002"
QUARANTINED_NAME = "KUSUMAWARDHANI PRAMESTHI"
QUARANTINED_NISN = "0087654321"
IMPORTED_NAME = "PURBONEGORO SASMITAWATI"
IMPORTED_NISN = "0076543210"
IMPORTED_NIK = "3573052303070004"
BAD_ROW_NAME = "ADIKUSUMO RATNADEWANTI"
BAD_ROW_NISN = "0065432109"
CRASH_NAME = "WIRASENTIKA HANDAYANINGRUM"
CRASH_NIK = "3573054412060001"

NAMES = (
    WALK_IN_NAME,
    MOTHER,
    CORRECTED_NAME,
    QUARANTINED_NAME,
    IMPORTED_NAME,
    BAD_ROW_NAME,
    CRASH_NAME,
)
NUMBERS = (
    WALK_IN_NIK,
    WALK_IN_NISN,
    WALK_IN_KK,
    CORRECTED_NIK,
    QUARANTINED_NISN,
    IMPORTED_NISN,
    IMPORTED_NIK,
    BAD_ROW_NISN,
    CRASH_NIK,
)


def needles() -> dict[bytes, str]:
    """Byte patterns -> the planted value they stand for."""
    texts: dict[str, str] = {n: n for n in NUMBERS}
    for name in NAMES:
        for variant in (name, name.title(), name.lower()):
            texts[variant] = name
        for token in (*name.split(), *name_key(name).split()):
            if len(token) >= 6:
                texts[token] = name
                texts[token.title()] = name
                texts[token.lower()] = name
    out: dict[bytes, str] = {}
    for text, origin in texts.items():
        for enc in ("utf-8", "utf-16-le", "utf-16-be"):
            out[text.encode(enc)] = origin
    return out


def _layers(data: bytes) -> Iterator[bytes]:
    """The bytes, and the inflated content of a gzip / zlib stream they hold."""
    yield data
    if data[:2] == b"\x1f\x8b":
        with contextlib.suppress(OSError, EOFError, zlib.error):
            yield gzip.decompress(data)


def scan(root: Path, wanted: dict[bytes, str] | None = None) -> list[tuple[str, str]]:
    wanted = wanted or needles()
    hits: set[tuple[str, str]] = set()
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        for layer in _layers(path.read_bytes()):
            for needle, origin in wanted.items():
                if needle in layer:
                    hits.add((str(path.relative_to(root)), origin))
    return sorted(hits)


class _WriteWatch:
    """Every path the Python process opens for writing (``open``/``os.open`` audit events)."""

    WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND

    def __init__(self) -> None:
        self.active = False
        self.paths: set[str] = set()
        sys.addaudithook(self._hook)  # cannot be removed: it only records while active

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active or event != "open":
            return
        path, mode, flags = args
        if not isinstance(path, (str, bytes, os.PathLike)):
            return  # a file descriptor
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            mode is None and isinstance(flags, int) and flags & self.WRITE_FLAGS
        )
        if writing:
            self.paths.add(os.path.abspath(os.fsdecode(path)))


_WATCH: _WriteWatch | None = None


def write_watch() -> _WriteWatch:
    global _WATCH
    if _WATCH is None:
        _WATCH = _WriteWatch()
    return _WATCH


@pytest.fixture
def server_log(tmp_path: Path) -> Iterator[Path]:
    """Everything the process logs outside ``ktpe`` (server, uvicorn, urllib3) -> a file."""
    folder = tmp_path / "server"
    folder.mkdir()
    path = folder / "server.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    quiet = logging.getLogger("sqlalchemy")  # SQL echo would be thousands of lines
    old = (root.level, quiet.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    quiet.setLevel(logging.WARNING)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(old[0])
        quiet.setLevel(old[1])


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _repoint(ws: Workspace, url: str) -> None:
    with ws.store.transaction() as s:
        keys.put(s, keys.SERVER_URL, url)
    ws.sync.engine.invalidate_client()


def _roster_csv(path: Path) -> Path:
    rows = [
        "No;Nama;NISN;NIK;JK;Tempat Lahir;Tanggal Lahir;Rombel;Nama Ibu Kandung",
        f"1;{IMPORTED_NAME};{IMPORTED_NISN};{IMPORTED_NIK};P;MALANG;23-03-2007;XII IPA 1;"
        "SITI AMINAH",
        # an error row: the NISN is too short and the date impossible
        f"2;{BAD_ROW_NAME};{BAD_ROW_NISN[:-1]};35730;L;MALANG;31-02-2007;XII IPA 1;",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _integrity_error(ws: Workspace, school: str) -> IntegrityError:
    """A real database error whose statement carried personal values."""
    try:
        with ws.store.transaction() as s:  # no doc_no: NOT NULL fails
            s.add(
                m.Student(
                    id="LEAKTEST01", school_npsn=school, name=CRASH_NAME, nik=CRASH_NIK, nisn=None
                )
            )
    except IntegrityError as exc:
        return exc
    raise AssertionError("the student without doc_no was accepted")


@pytest.mark.allow_warnings()  # the dead server and the quarantine warn, as they should
def test_a_recording_day_leaves_no_personal_data_in_the_clear(
    tmp_path: Path, server_log: Path
) -> None:
    from ktpe_desktop.ui.crash import crash_report
    from ktpe_server import admin
    from ktpe_server.config import Settings, db_url_from
    from ktpe_server.embedded import start_embedded

    data_dir = tmp_path / "data"
    exports = tmp_path / "exports"  # the folder the user picks in the save dialogs
    exports.mkdir()
    server_dir = server_log.parent
    db_path = server_dir / "server.sqlite"

    watch = write_watch()
    watch.paths.clear()
    watch.active = True
    ktpe_root = logging.getLogger("ktpe")
    old_level = ktpe_root.level
    configure_logging(data_dir, logging.DEBUG)
    ktpe_root.setLevel(logging.DEBUG)
    server = None
    ws: Workspace | None = None
    try:
        # fewer students than the default demo: keeps this test fast
        admin.seed_demo(db_url_from(str(db_path)), students=400)
        server = start_embedded(
            db_path,
            seed_demo=True,
            settings=Settings(db_url="", rate_capacity=1e9, rate_per_second=1e9),
        )
        ws = Workspace.create(data_dir, "koordinator", PASSWORD, "Koordinator Uji")
        ws.enrol(server.url, admin.make_enroll_code(server.db_url, TEAM))
        first = ws.run_sync_round()
        assert first.error_code == "" and first.pulled_students > 0

        schools = [p.npsn for p in ws.schools()]
        school = schools[0]
        pupils = ws.search(school, "", limit=6)
        assert pupils, "the pulled roster has students"
        ws.record_outcome(pupils[0].id, "recorded")
        ws.record_outcome(pupils[1].id, "failed", reason="data_mismatch")
        ws.record_outcome(pupils[2].id, "ikd_activated")
        walk_in = ws.add_walk_in(
            {
                "school_npsn": school,
                "name": WALK_IN_NAME,
                "nik": WALK_IN_NIK,
                "nisn": WALK_IN_NISN,
                "kk": WALK_IN_KK,
                "sex": "L",
                "birth_place": "MALANG",
                "birth_date": "2007-08-05",
                "class_name": "XII IPS 2",
                "mother_name": MOTHER,
            }
        )
        ws.record_outcome(walk_in.id, "recorded")
        ws.correct(pupils[3].id, {"name": CORRECTED_NAME, "nik": CORRECTED_NIK})

        # A walk-in at a school the team is not assigned: the server refuses it.
        with ws.store.transaction() as s:
            s.add(m.School(npsn="20599999", name="SMA LUAR TIM", kind="SMA", target=10))
        ws.add_walk_in(
            {"school_npsn": "20599999", "name": QUARANTINED_NAME, "nisn": QUARANTINED_NISN}
        )

        _repoint(ws, _dead_url())
        dead = ws.run_sync_round()
        assert dead.error_code == "server_unreachable"
        _repoint(ws, server.url)
        ok = ws.run_sync_round()
        assert ok.error_code == "" and ok.acked >= 6
        assert len(ws.quarantined()) == 1
        ws.export_quarantined(exports / "masalah-sinkron.csv")

        imports = ws.import_service()
        preview, plan = imports.preview(_roster_csv(exports / "daftar.csv"), school)
        assert preview.errors, "the second row is an error row"
        imports.commit(preview, plan, school, "koordinator")
        write_report_csv(preview, plan, exports / "laporan-impor.csv")
        ws.run_sync_round()

        reports = ws.report_service()
        reports.school_pdf(school, exports / "berita-acara.pdf")
        reports.daily_pdf(date.today(), exports / "rekap.pdf")
        reports.export_school_xlsx(school, exports / "siswa.xlsx")
        reports.export_school_csv(school, exports / "siswa.csv")

        # A database error with personal values in its statement, logged the way
        # the sync worker logs a crashed round, and the crash dialog's report of it.
        error = _integrity_error(ws, school)
        get_logger("sync").exception("sync round crashed", exc_info=error)
        bug = ValueError(f"cannot place {CRASH_NAME} ({CRASH_NIK}) in {WALK_IN_NAME!r}")
        try:
            raise bug from error
        except ValueError as exc:
            report = crash_report(exc)
            get_logger("ui").error("unexpected error\n%s", report)
            get_logger("ui").error("operation failed", exc_info=exc)
        assert not [o for n, o in needles().items() if n in report.encode()]

        # and through threading.excepthook's default path into the logs
        def worker() -> None:
            try:
                raise RuntimeError(f"row for {CRASH_NAME} failed")
            except RuntimeError:
                get_logger("sync").exception("worker failed")

        t = threading.Thread(target=worker)
        t.start()
        t.join()

        assert (data_dir / "ktpe.db-wal").exists()
        assert scan(data_dir) == [], "while the database is open"
    finally:
        if ws is not None:
            ws.close()
        if server is not None:
            server.stop()
        watch.active = False
        unconfigure_logging(data_dir)
        ktpe_root.setLevel(old_level)

    assert scan(data_dir) == [], "after close"
    log_text = (data_dir / "logs" / "ktpe.log").read_text(encoding="utf-8")
    assert "sync round crashed" in log_text and "IntegrityError" in log_text
    assert "sync round" in log_text and "roster imported" in log_text
    server_text = server_log.read_text(encoding="utf-8")
    assert "enrolled in team" in server_text and "push from" in server_text
    assert [h for h in scan(server_dir) if h[0] == "server.log"] == []
    # the scan can see: the user's exports hold the data they were asked for
    exported = {origin for _path, origin in scan(exports)}
    assert {WALK_IN_NAME, BAD_ROW_NAME, IMPORTED_NAME} <= exported
    # nothing was written outside the three folders (temporary files included)
    allowed = [str(p.resolve()) for p in (data_dir, exports, server_dir)]
    outside = sorted(p for p in watch.paths if not any(p.startswith(a) for a in allowed))
    assert outside == [], "\n".join(outside)


def test_the_scan_sees_plaintext_utf16_and_gzip(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(f"x {WALK_IN_NIK} y", encoding="utf-16")
    (tmp_path / "b.gz").write_bytes(gzip.compress(CORRECTED_NAME.title().encode()))
    (tmp_path / "c.txt").write_text(name_key(QUARANTINED_NAME), encoding="utf-8")
    assert {p for p, _ in scan(tmp_path)} == {"a.txt", "b.gz", "c.txt"}


def test_the_write_watch_sees_temporary_files(tmp_path: Path) -> None:
    import tempfile

    watch = write_watch()
    watch.paths.clear()
    watch.active = True
    try:
        with tempfile.NamedTemporaryFile(dir=tmp_path) as fh:
            name = fh.name
    finally:
        watch.active = False
    assert os.path.abspath(name) in watch.paths


@pytest.mark.allow_warnings("internal error")
def test_server_errors_reach_no_log_with_their_values(tmp_path: Path) -> None:
    """A failing push over real HTTP: uvicorn must not log the exception's message."""
    import httpx

    from ktpe_server import admin
    from ktpe_server.config import Settings, db_url_from
    from ktpe_server.embedded import start_embedded

    url = db_url_from(str(tmp_path / "server.sqlite"))
    admin.seed_demo(url, students=50)
    server = start_embedded(url, settings=Settings(db_url=""))
    path = tmp_path / "server.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    loggers = [logging.getLogger(), logging.getLogger("uvicorn")]  # uvicorn does not propagate
    for lg in loggers:
        lg.addHandler(handler)
    try:
        engine = admin.engine_for(url)
        with engine.connect() as conn:  # a real database error, with values in its statement
            try:
                conn.exec_driver_sql("INSERT INTO team (id, name) VALUES (?, ?)", (1, CRASH_NAME))
                raise AssertionError("duplicate team id accepted")
            except IntegrityError as exc:
                db_error = exc
        assert CRASH_NAME not in str(db_error)  # hide_parameters on the server's engine

        def boom(*_a: Any, **_k: Any) -> Any:
            raise RuntimeError(f"cannot store {CRASH_NAME} / {CRASH_NIK}") from db_error

        app: Any = server._server.config.app
        app.state.ktpe.ingestor.push = boom
        code = admin.make_enroll_code(url, TEAM)
        with httpx.Client(base_url=server.url, timeout=timing.seconds(10)) as http:
            r = http.post(
                "/api/v1/enrollments",
                json={
                    "code": code,
                    "device_id": "0f0e0d0c-0b0a-4909-8807-060504030201",
                    "device_name": "laptop",
                    "public_key": public_key_of(new_private_key()),
                },
            )
            token = r.json()["token"]
            r = http.post(
                "/api/v1/sync/events",
                json={"v": PROTOCOL_VERSION, "chains": []},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert r.status_code == 500 and r.json()["error"]["code"] == "internal"
        assert "x-server-time" in r.headers
    finally:
        server.stop()
        for lg in loggers:
            lg.removeHandler(handler)
        handler.close()
    text = path.read_text(encoding="utf-8")
    assert "internal error RuntimeError" in text
    assert "Exception in ASGI application" not in text
    assert [h for h in scan(tmp_path) if h[0] == "server.log"] == []


# ---------------------------------------------------------------- one test per fix


def test_exception_text_for_logs_keeps_no_values() -> None:
    from ktpe_desktop.core.errors import KnownError
    from ktpe_desktop.core.redaction import format_exception, safe_message

    assert safe_message(IndexError("list index out of range")) == "list index out of range"
    assert safe_message(AttributeError("'NoneType' object has no attribute 'id'")) == (
        "'…' object has no attribute '…'"
    )
    assert safe_message(ValueError("Expecting value: line 1 column 1 (char 0)")).startswith(
        "Expecting value"
    )
    for exc in (
        ValueError(f"cannot place {CRASH_NAME} here"),
        ValueError(f"cannot place {CRASH_NAME.title()} here"),
        KeyError(CRASH_NAME),
        KnownError(f"Siswa {CRASH_NAME} sudah ada", code="duplicate"),
        FileNotFoundError(2, "No such file", f"/home/x/{CRASH_NAME}.xlsx"),
        RuntimeError(f"nik {CRASH_NIK}"),
    ):
        try:
            raise exc
        except Exception as caught:
            text = safe_message(caught) + format_exception(caught)
        assert CRASH_NAME not in text.upper() and CRASH_NIK not in text, text
    assert safe_message(KnownError("x", code="duplicate")) == "[duplicate]"


def test_desktop_engine_hides_statement_parameters(tmp_path: Path) -> None:
    """The SQLCipher engine runs with ``hide_parameters``: a failed insert names no value."""
    ws = Workspace.create(tmp_path / "data", "koordinator", PASSWORD)
    try:
        with ws.store.transaction() as s:
            s.add(m.School(npsn="20599998", name="SMA UJI", kind="SMA", target=1))
        error = _integrity_error(ws, "20599998")
    finally:
        ws.close()
    assert "hide_parameters=True" in str(error)
    assert CRASH_NAME not in str(error) and CRASH_NIK not in str(error)


@pytest.mark.allow_warnings("step failed")
def test_the_file_log_hides_unquoted_names_in_tracebacks(tmp_path: Path) -> None:
    configure_logging(tmp_path)
    try:
        try:
            raise RuntimeError(f"row of {CRASH_NAME.title()} failed")
        except RuntimeError:
            get_logger("test").exception("step failed")
    finally:
        unconfigure_logging(tmp_path)
    text = (tmp_path / "logs" / "ktpe.log").read_text(encoding="utf-8")
    assert "step failed" in text and "RuntimeError: [message hidden" in text
    assert scan(tmp_path) == []


def test_xlsx_export_writes_no_temporary_file() -> None:
    from openpyxl import Workbook, load_workbook

    from ktpe_desktop.reports.export import workbook_bytes

    wb = Workbook()
    assert wb.active is not None
    wb.active.append([CRASH_NAME, CRASH_NIK])
    watch = write_watch()
    watch.paths.clear()
    watch.active = True
    try:
        data = workbook_bytes(wb)
    finally:
        watch.active = False
    assert watch.paths == set()
    import io

    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None and sheet["A1"].value == CRASH_NAME


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://ktpe.example.go.id", True),
        ("http://127.0.0.1:8765", True),
        ("http://localhost:8765/", True),
        ("http://[::1]:8765", True),
        ("http://ktpe.example.go.id", False),
        ("http://192.168.1.10:8000", False),
    ],
)
def test_plain_http_only_to_this_machine(url: str, ok: bool) -> None:
    from ktpe_desktop.sync.client import normalise_base_url
    from ktpe_desktop.sync.errors import InvalidServerAddress

    if ok:
        assert normalise_base_url(url) == url.rstrip("/")
    else:
        with pytest.raises(InvalidServerAddress):
            normalise_base_url(url)
