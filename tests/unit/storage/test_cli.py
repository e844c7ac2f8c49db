from __future__ import annotations

from pathlib import Path

import pytest

from ktpe_desktop import cli
from tests.conftest import PASSWORD


def run(*argv: str) -> int:
    return cli.main(list(argv))


def test_db_and_demo_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KTPE_PASSWORD", PASSWORD)
    d = str(tmp_path / "data")
    assert run("db", "init", "--data-dir", d, "--user", "lead") == 0
    assert run("demo", "load", "--data-dir", d, "--user", "lead", "--students", "120") == 0
    assert run("demo", "simulate", "--data-dir", d, "--user", "lead", "--outcomes", "10") == 0
    assert run("db", "backup", "--data-dir", d, "--user", "lead") == 0
    assert run("db", "check", "--data-dir", d, "--user", "lead") == 0
    capsys.readouterr()
    assert run("db", "info", "--data-dir", d, "--user", "lead") == 0
    out = capsys.readouterr().out
    assert "Siswa       : 120" in out
    assert run("db", "restore-latest", "--data-dir", d, "--user", "lead") == 0
    monkeypatch.setenv("KTPE_PASSWORD", "wrong")
    assert run("db", "info", "--data-dir", d, "--user", "lead") == 2
    assert "salah" in capsys.readouterr().err


def test_demo_preview(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from ktpe_desktop.commands.demo import run_demo_preview

    monkeypatch.delenv("KTPE_PASSWORD", raising=False)
    args = argparse.Namespace(app_data_dir=str(tmp_path / "demo"))
    assert run_demo_preview(args) == 0
    assert "4586" in capsys.readouterr().out
