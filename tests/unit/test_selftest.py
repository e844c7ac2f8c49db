"""``ktpe-desktop --self-test`` from source: in-process and as ``python -m ktpe_desktop``."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from ktpe_desktop import selftest
from tests import timing

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = (
    "sumber daya",
    "kunci sandi Argon2id",
    "basis data terenkripsi",
    "kampanye demo kecil",
    "terjemahan .qm",
    "tulis dan baca peristiwa",
    "PDF Berita Acara",
    "jendela utama (offscreen)",
    "folder sementara dihapus",
)


@pytest.fixture(autouse=True)
def own_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The self-test's temporary folders go into this test's own folder.

    Comparing the machine-wide temp folder would fail whenever another process
    (another suite, a build) makes a ``ktpe-selftest-*`` folder meanwhile.
    """
    own = tmp_path / "tmp"
    own.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(own))
    monkeypatch.setenv("TMPDIR", str(own))
    return own


def _selftest_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("ktpe-selftest-*")}


def test_run_self_test_in_process(qapp: object, own_tempdir: Path) -> None:
    assert Path(tempfile.gettempdir()) == own_tempdir
    before = _selftest_folders()
    data_dir_before = os.environ.get("KTPE_DATA_DIR")
    out = io.StringIO()
    code = selftest.run_self_test(out)
    text = out.getvalue()
    assert code == 0, text
    for label in EXPECTED:
        assert any(line.startswith("OK") and label in line for line in text.splitlines()), (
            label,
            text,
        )
    assert "GAGAL" not in text
    assert text.rstrip().splitlines()[-1].startswith("UJI MANDIRI LULUS")
    assert _selftest_folders() == before  # the temporary folder is gone
    assert os.environ.get("KTPE_DATA_DIR") == data_dir_before


def test_a_failing_check_gives_gagal_and_exit_1(
    qapp: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _selftest_folders()

    def broken(_t: selftest.SelfTest) -> str:
        raise selftest.CheckFailed("disk rusak")

    monkeypatch.setattr(selftest, "_check_pdf", broken)
    out = io.StringIO()
    assert selftest.run_self_test(out) == 1
    text = out.getvalue()
    assert "GAGAL PDF Berita Acara: disk rusak" in text
    assert "UJI MANDIRI GAGAL: 1 pemeriksaan gagal" in text
    assert _selftest_folders() == before


def test_missing_resources_are_named(qapp: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selftest, "TEMPLATES", ("tidak-ada.html",))
    out = io.StringIO()
    assert selftest.run_self_test(out) == 1
    assert "templates/tidak-ada.html" in out.getvalue()


@pytest.mark.slow
def test_python_m_ktpe_desktop_self_test() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="")  # the self-test picks offscreen itself
    result = subprocess.run(
        [sys.executable, "-m", "ktpe_desktop", "--self-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timing.seconds(180),
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "UJI MANDIRI LULUS" in result.stdout
    assert result.stdout.count("\nOK") >= len(EXPECTED)
