"""``ktpe-desktop report …`` / ``export …`` end to end (headless)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ktpe_desktop.cli import main
from tests.conftest import PASSWORD
from tests.unit.reports.conftest import pdf_pages


@pytest.fixture
def cli_env(store: Any, factory: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    npsn = factory.school(name="SMAN 3", visit_date=__import__("datetime").date(2024, 11, 27))
    factory.outcome(factory.student(npsn), "recorded")
    factory.student(npsn, name="ANI BELUM")
    monkeypatch.setenv("KTPE_PASSWORD", PASSWORD)
    store.close()  # the commands own the folder now (one owner per data folder)
    return Path(store.data_dir), npsn


def test_report_school_pdf(cli_env: tuple[Path, str], tmp_path: Path, capsys: Any) -> None:
    data_dir, npsn = cli_env
    out = tmp_path / "ba.pdf"
    args = ["report", "school", npsn, "--data-dir", str(data_dir), "--pdf", str(out)]
    assert main([*args, "--paper", "F4"]) == 0
    assert "Berita Acara 474/BA-01/" in capsys.readouterr().out
    pages = pdf_pages(out)
    assert "ANI BELUM" in " ".join(pages)


def test_report_day_and_export(cli_env: tuple[Path, str], tmp_path: Path, capsys: Any) -> None:
    data_dir, npsn = cli_env
    day = tmp_path / "day.pdf"
    assert (
        main(
            [
                "report",
                "day",
                "--date",
                "2024-11-27",
                "--data-dir",
                str(data_dir),
                "--pdf",
                str(day),
            ]
        )
        == 0
    )
    assert "SMA Negeri 3 Malang" in " ".join(pdf_pages(day))  # as the office writes it
    xlsx = tmp_path / "siswa.xlsx"
    assert main(["export", "school", npsn, "--data-dir", str(data_dir), "--xlsx", str(xlsx)]) == 0
    captured = capsys.readouterr()
    assert "Diekspor 2 siswa (XLSX)" in captured.out
    assert "data pribadi" in captured.err
    assert (
        main(
            [
                "export",
                "school",
                npsn,
                "--data-dir",
                str(data_dir),
                "--csv",
                str(tmp_path / "s.csv"),
            ]
        )
        == 0
    )


def test_clear_messages_for_known_errors(
    cli_env: tuple[Path, str], tmp_path: Path, capsys: Any
) -> None:
    data_dir, _ = cli_env
    out = str(tmp_path / "x.pdf")
    assert main(["report", "school", "12345678", "--data-dir", str(data_dir), "--pdf", out]) == 2
    assert "Sekolah dengan NPSN 12345678 tidak ada" in capsys.readouterr().err
    assert main(["report", "school", "12", "--data-dir", str(data_dir), "--pdf", out]) == 2
    assert "NPSN harus 8 angka" in capsys.readouterr().err
    missing = str(tmp_path / "nope" / "x.pdf")
    assert (
        main(["report", "school", "12345678", "--data-dir", str(data_dir), "--pdf", missing]) == 2
    )
    assert "Folder tujuan tidak ada" in capsys.readouterr().err
