"""``ktpe-desktop --self-test``: is this installation able to do a day's work?

Run once after installing or updating a laptop (and by ``tests/integration/
test_build.py`` on the frozen build). Everything happens in a fresh temporary
folder that is removed at the end, whatever happens:

1. the resources are found: report templates, the ``.qm`` translations, the
   region table and the name-variant table;
2. Argon2id with the real key-slot parameters runs on this machine (memory);
3. an encrypted database is created with a random password, closed, and
   unlocked again (SQLCipher, key slots, Alembic migrations);
4. a tiny demo campaign is loaded (20 invented students, no real person);
5. an outcome is written through :class:`RecordingService` and read back;
6. a Berita Acara PDF is rendered through :class:`ReportService`;
7. the real :class:`MainWindow` is rendered off screen on that workspace, with
   the roster of the school painted, and grabbed to an image.

One line per check, ``OK    …`` or ``GAGAL …`` with the reason; exit status 0
when every check passed, 1 otherwise. Nothing is written outside the temporary
folder: ``KTPE_DATA_DIR`` points into it while the test runs.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

SELFTEST_USER = "selftest"
DEMO_STUDENTS = 20
WINDOW_TIMEOUT_S = 20.0
TEMPLATES = ("berita_acara.html", "rekap_harian.html")
TRANSLATIONS = ("ktpe_en.qm",)


class CheckFailed(Exception):
    """A check did not pass; the message is the reason shown after ``GAGAL``."""


@dataclass
class SelfTest:
    """The checks, their shared state and their report lines."""

    out: TextIO
    tmp: Path
    lines: list[str] = field(default_factory=list)
    failures: int = 0
    store: Any = None
    workspace: Any = None
    app: Any = None
    npsn: str = ""
    student_id: str = ""
    password: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def data_dir(self) -> Path:
        return self.tmp / "data"

    def emit(self, line: str) -> None:
        self.lines.append(line)
        with contextlib.suppress(Exception):  # a windowed .exe has no console
            print(line, file=self.out, flush=True)

    def check(self, label: str, fn: Callable[[], str | None]) -> bool:
        """Run one check; print ``OK`` with its detail or ``GAGAL`` with the reason."""
        started = time.perf_counter()
        try:
            detail = fn()
        except CheckFailed as exc:
            self.failures += 1
            self.emit(f"GAGAL {label}: {exc}")
            return False
        except Exception as exc:
            self.failures += 1
            where = traceback.extract_tb(exc.__traceback__)[-1:]
            at = f" ({Path(where[0].filename).name}:{where[0].lineno})" if where else ""
            self.emit(f"GAGAL {label}: {type(exc).__name__}: {exc}{at}")
            return False
        ms = (time.perf_counter() - started) * 1000
        self.emit(f"OK    {label}" + (f" — {detail}" if detail else "") + f" ({ms:.0f} ms)")
        return True


# --------------------------------------------------------------------------- checks


def _check_resources() -> str:
    from ktpe_desktop.core import namekeys, regions
    from ktpe_desktop.paths import resource, resources_dir

    problems = [f"templates/{t}" for t in TEMPLATES if not resource("templates", t).is_file()]
    problems += [
        f"translations/{q}" for q in TRANSLATIONS if not resource("translations", q).is_file()
    ]
    if problems:
        problems = [f"tidak ditemukan di {resources_dir()}: {', '.join(problems)}"]
    n_regions = len(regions.all_regions())
    if regions.lookup("35.73") is None:  # Kota Malang
        problems.append("tabel wilayah tanpa kode 35.73 (Kota Malang)")
    n_variants = len(namekeys.variant_table())
    if not n_variants:
        problems.append("tabel varian nama kosong")
    if problems:
        raise CheckFailed("; ".join(problems))
    return (
        f"templat {len(TEMPLATES)}, terjemahan {len(TRANSLATIONS)}, "
        f"wilayah {n_regions}, varian nama {n_variants}"
    )


def _check_translations() -> str:
    from PySide6.QtCore import QTranslator

    from ktpe_desktop.paths import resource

    loaded = []
    for name in TRANSLATIONS:
        translator = QTranslator()
        if not translator.load(str(resource("translations", name))) or translator.isEmpty():
            raise CheckFailed(f"{name} tidak dapat dimuat")
        loaded.append(translator.language() or name)
    return ", ".join(loaded)


def _check_kdf() -> str:
    from ktpe_desktop.storage.keyslots import REAL_KDF

    started = time.perf_counter()
    key = REAL_KDF.derive("self-test", secrets.token_bytes(16))
    if len(key) != 32:
        raise CheckFailed("kunci turunan bukan 32 byte")
    return (
        f"Argon2id {REAL_KDF.memory_cost // 1024} MiB dalam {time.perf_counter() - started:.2f} s"
    )


@contextlib.contextmanager
def _fast_kdf() -> Iterator[None]:
    """Key slots of the throwaway database use the test KDF (the real one is checked apart)."""
    old = os.environ.get("KTPE_FAST_KDF")
    os.environ["KTPE_FAST_KDF"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("KTPE_FAST_KDF", None)
        else:
            os.environ["KTPE_FAST_KDF"] = old


def _check_scan_worker(t: SelfTest) -> str:
    """The import's scan worker (D48) starts from this installation and reads a roster
    as this process reads it (the built app starts itself again to make it)."""
    from datetime import date

    from openpyxl import Workbook

    from ktpe_desktop.imports import read_roster
    from ktpe_desktop.imports.scan_worker import ScanWorker

    path = t.tmp / "daftar-uji.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["No", "Nama", "NISN", "JK", "Tanggal Lahir"])
    for n in range(1, 41):
        sheet.append([n, f"SISWA UJI {n}", f"{n:010d}", "L" if n % 2 else "P", date(2008, 1, 1)])
    book.save(path)
    alone = read_roster(path, today=date(2025, 1, 1))
    worker = ScanWorker.start()
    if worker is None:
        raise CheckFailed("proses pembantu tidak dapat dijalankan")
    with worker:
        if not worker.ready(60):
            raise CheckFailed("proses pembantu tidak siap dalam 60 detik")
        helped = read_roster(path, today=date(2025, 1, 1), scanner=worker)
        if not worker.ready():
            raise CheckFailed("proses pembantu berhenti saat membaca")
    if (helped.rows, helped.lines) != (alone.rows, alone.lines) or len(alone.rows) != 40:
        raise CheckFailed("hasil baca proses pembantu berbeda")
    return f"{len(helped.rows)} baris"


def _check_database(t: SelfTest) -> str:
    from ktpe_desktop.storage.store import DB_FILE, Store, schema_head

    with _fast_kdf():
        Store.create(t.data_dir, SELFTEST_USER, t.password).close()
        header = (t.data_dir / DB_FILE).read_bytes()[:16]
        if header.startswith(b"SQLite format 3"):
            raise CheckFailed("berkas basis data tidak terenkripsi")
        t.store = Store.open(t.data_dir, SELFTEST_USER, t.password)
    revision = t.store.schema_revision()
    if revision != schema_head():
        raise CheckFailed(f"skema {revision}, seharusnya {schema_head()}")
    return f"SQLCipher, skema {revision}"


def _check_campaign(t: SelfTest) -> str:
    from ktpe_desktop.services.demo_service import load_demo
    from ktpe_desktop.services.workspace import Workspace

    loaded = load_demo(t.store, students=DEMO_STUDENTS)
    t.workspace = Workspace(t.store)
    schools = [s for s in t.workspace.schools() if s.total]
    if not schools:
        raise CheckFailed("tidak ada sekolah dengan siswa")
    t.npsn = max(schools, key=lambda s: s.total).npsn
    students = t.workspace.search(t.npsn, "")
    if not students:
        raise CheckFailed(f"daftar siswa sekolah {t.npsn} kosong")
    t.student_id = students[0].id
    return f"{loaded.students} siswa rekaan, {loaded.schools} sekolah"


def _check_event(t: SelfTest) -> str:
    from ktpe_desktop.core.events import EventKind, Status
    from ktpe_desktop.services.recording import RecordingService

    saved = RecordingService(t.store).record_outcome(
        t.student_id, EventKind.RECORDED, t.store.username
    )
    student = t.workspace.student(t.student_id)
    if student is None or student.status != Status.RECORDED:
        raise CheckFailed(f"status terbaca {getattr(student, 'status', None)!r}, bukan recorded")
    if not any(h.event_id == saved.event_id for h in t.workspace.history(t.student_id)):
        raise CheckFailed("peristiwa tidak terbaca kembali")
    if t.workspace.sync_snapshot().pending < 1:
        raise CheckFailed("peristiwa tidak masuk antrean kirim (outbox)")
    return f"terekam, seq {saved.seq}, masuk antrean kirim"


def _check_pdf(t: SelfTest) -> str:
    from ktpe_desktop.services.report_service import ReportService

    path = t.tmp / "berita-acara.pdf"
    result = ReportService(t.store).school_pdf(t.npsn, path)
    head = path.read_bytes()[:5]
    if head != b"%PDF-":
        raise CheckFailed(f"berkas tidak diawali %PDF ({head!r})")
    if result.pages < 1:
        raise CheckFailed("PDF tanpa halaman")
    fonts = pdf_fonts(path.read_bytes())
    foreign = sorted(f for f in fonts if not f.startswith(REPORT_FONT_PREFIXES))
    if not fonts or foreign:
        raise CheckFailed(
            "PDF tidak memakai huruf laporan yang dikirim bersama aplikasi "
            f"(KTPE Serif/Mono): {', '.join(foreign) or 'tidak ada huruf'}"
        )
    return (
        f"Berita Acara {result.pages} halaman, {path.stat().st_size // 1024} KB, "
        f"huruf {', '.join(sorted(fonts))}"
    )


#: The PostScript names of the shipped report fonts (resources/fonts).
REPORT_FONT_PREFIXES = ("KTPESerif-", "KTPEMono-")


def pdf_fonts(data: bytes) -> set[str]:
    """The fonts a PDF made by Qt names (``/BaseFont /KTPESerif-Bold`` → ``KTPESerif-Bold``;
    a subset's ``ABCDEF+`` tag dropped)."""
    import re

    names = re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-_,.]+)", data)
    return {n.decode("ascii", "replace").split("+", 1)[-1] for n in names}


def _application() -> Any:
    """The running QApplication (tests), else a new one on the offscreen platform."""
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Off screen whatever the desktop is: nothing flashes, and it works over SSH.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from ktpe_desktop.ui.app import make_application

    return make_application([sys.argv[0]])


def _check_window(t: SelfTest) -> str:
    from PySide6.QtCore import QCoreApplication

    from ktpe_desktop.ui import ops
    from ktpe_desktop.ui.main_window import MainWindow
    from ktpe_desktop.ui.settings import Settings

    failures: list[BaseException] = []
    previous = getattr(ops, "_failure_handler", None)
    ops.set_default_failure_handler(lambda _parent, exc: failures.append(exc))
    window = MainWindow(Settings(t.data_dir), t.data_dir)
    try:
        window.show()
        window.enter_work(t.workspace)
        school = t.workspace.school(t.npsn)
        window.choose_school(school)
        roster = window.roster
        if roster is None:
            raise CheckFailed("halaman Daftar Siswa tidak dibuat")
        deadline = time.monotonic() + WINDOW_TIMEOUT_S
        while time.monotonic() < deadline and not failures:
            QCoreApplication.processEvents()
            if roster.model.rowCount() and not ops.pending_count():
                break
            time.sleep(0.01)
        if failures:
            exc = failures[0]
            raise CheckFailed(f"operasi latar gagal: {type(exc).__name__}: {exc}")
        rows = roster.model.rowCount()
        if not rows:
            raise CheckFailed(f"Daftar Siswa kosong setelah {WINDOW_TIMEOUT_S:.0f} s")
        pixmap = window.grab()
        if pixmap.isNull() or pixmap.width() < 200 or pixmap.height() < 200:
            raise CheckFailed(f"gambar jendela kosong ({pixmap.width()}×{pixmap.height()})")
        image = pixmap.toImage()
        colours = {
            image.pixel(x * image.width() // 8, y * image.height() // 8)
            for x in range(8)
            for y in range(8)
        }
        if len(colours) < 2:
            raise CheckFailed("gambar jendela polos (tidak ada yang tergambar)")
        return f"{pixmap.width()}×{pixmap.height()} px, {rows} baris Daftar Siswa"
    finally:
        window.close()
        ops.wait_for_done(10_000)
        QCoreApplication.processEvents()
        window.workspace = None  # closed below with the store, not by the window
        window.deleteLater()
        QCoreApplication.processEvents()
        ops.set_default_failure_handler(previous)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- driver


def _remove(folder: Path) -> None:
    """Remove the temporary folder (Windows may hold a file a moment after close)."""
    for attempt in range(5):
        try:
            shutil.rmtree(folder)
            return
        except FileNotFoundError:
            return
        except OSError:
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))


def run_self_test(out: TextIO | None = None) -> int:
    """Run every check; returns the process exit status (0 = all passed)."""
    out = out if out is not None else sys.stdout
    from ktpe_desktop import __version__

    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="ktpe-selftest-"))
    old_data_dir = os.environ.get("KTPE_DATA_DIR")
    os.environ["KTPE_DATA_DIR"] = str(tmp / "data")
    t = SelfTest(out=out, tmp=tmp)
    t.emit(f"KTP-el Jemput Bola {__version__} — uji mandiri ({sys.platform})")
    try:
        t.check("sumber daya (templat, terjemahan, tabel wilayah)", _check_resources)
        t.check("kunci sandi Argon2id", _check_kdf)
        db_ok = t.check("basis data terenkripsi", lambda: _check_database(t))
        data_ok = db_ok and t.check("kampanye demo kecil", lambda: _check_campaign(t))
        gui_ok = t.check("Qt", lambda: _qt_detail(t))
        if gui_ok:
            t.check("terjemahan .qm", _check_translations)
        t.check("impor daftar siswa lewat proses pembantu", lambda: _check_scan_worker(t))
        if data_ok:
            t.check("tulis dan baca peristiwa", lambda: _check_event(t))
        if data_ok and gui_ok:
            t.check("PDF Berita Acara", lambda: _check_pdf(t))
            t.check("jendela utama (offscreen)", lambda: _check_window(t))
        if not data_ok:
            t.emit("GAGAL pemeriksaan data dilewati karena basis data gagal")
            t.failures += 1
    finally:
        if t.workspace is not None:
            with contextlib.suppress(Exception):
                t.workspace.close()
        elif t.store is not None:
            with contextlib.suppress(Exception):
                t.store.close()
        if old_data_dir is None:
            os.environ.pop("KTPE_DATA_DIR", None)
        else:
            os.environ["KTPE_DATA_DIR"] = old_data_dir
        try:
            _remove(tmp)
        except OSError as exc:
            t.failures += 1
            t.emit(f"GAGAL folder sementara {tmp} tidak terhapus: {exc}")
        else:
            t.emit("OK    folder sementara dihapus")
    elapsed = time.perf_counter() - started
    if t.failures:
        t.emit(f"UJI MANDIRI GAGAL: {t.failures} pemeriksaan gagal ({elapsed:.1f} s)")
        return 1
    t.emit(f"UJI MANDIRI LULUS ({elapsed:.1f} s)")
    return 0


def _qt_detail(t: SelfTest) -> str:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtGui import QGuiApplication

    t.app = _application()
    return f"PySide6 {pyside_version}, platform {QGuiApplication.platformName()}"


def main() -> int:
    return run_self_test()


if __name__ == "__main__":
    sys.exit(main())
