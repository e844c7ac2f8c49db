"""Issue 17, case 7: read-only work on a full disk or from a read-only data folder.

Before the change, ``report school --pdf`` (to another disk) failed on a full disk
or a read-only folder: every open writes a login audit row, and the print's audit
row was written at once, so the PDF was removed again. Now the login row waits
(``audit_later``) and the print's row (with the Berita Acara's number) is kept
aside durably, in ``audit-pending.jsonl``, in the space reserved by
``audit-reserve.bin`` when even that cannot grow, or outside the data folder when
the folder is read-only; the next writer writes it into the audit log.

The full disk is a small tmpfs this test mounts (root only); it is skipped, with
the reason, where mounting is not possible.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ktpe_desktop.cli import main
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import AUDIT_RESERVE_FILE, Store, _reserve_read
from tests.conftest import LEAD, PASSWORD, Factory

pytestmark = [pytest.mark.timeout(300), pytest.mark.allow_warnings("audit row")]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root on Linux")
    mnt = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True, check=False)


def _fill(disk: Path) -> Path:
    """Fill the file system up to the last byte; returns the filler file."""
    filler = disk / "filler"
    chunk = b"\xff" * (64 * 1024)
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(chunk)
                fh.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    with contextlib.suppress(OSError), open(filler, "ab") as fh:
        while True:  # the last partial chunk
            fh.write(b"\xff" * 512)
            fh.flush()
    stat = os.statvfs(disk)
    assert stat.f_bavail == 0
    return filler


def _folder(disk: Path) -> tuple[Path, str]:
    store = Store.create(disk / "data", LEAD, PASSWORD, display_name="Koordinator Uji")
    try:
        made = Factory(store)
        made.letterhead()
        npsn = made.school(name="SMAN 3", visit_date=dt.date.today())
        made.outcome(made.student(npsn), "recorded")
        made.student(npsn, name="ANI BELUM")
    finally:
        store.close()
    return disk / "data", npsn


def _prints(data_dir: Path, npsn: str) -> tuple[list[m.AuditLog], list[m.DocumentNumber]]:
    with Store.open(data_dir, LEAD, PASSWORD) as store, store.session() as s:
        rows = list(
            s.scalars(
                select(m.AuditLog).where(
                    m.AuditLog.action == m.AuditAction.PRINT,
                    m.AuditLog.subject == f"berita_acara:{npsn}",
                )
            )
        )
        numbers = list(s.scalars(select(m.DocumentNumber)))
        s.expunge_all()
    return rows, numbers


def test_report_pdf_on_a_full_disk(
    small_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    data_dir, npsn = _folder(small_disk)
    assert (data_dir / AUDIT_RESERVE_FILE).stat().st_size > 0  # reserved at the last open
    monkeypatch.setenv("KTPE_PASSWORD", PASSWORD)
    monkeypatch.setenv("KTPE_AUDIT_DIR", str(tmp_path / "nowhere"))  # must not be needed
    filler = _fill(small_disk)
    assert main(["db", "info", "--data-dir", str(data_dir)]) == 0, capsys.readouterr().err
    assert main(["db", "check", "--data-dir", str(data_dir)]) == 0, capsys.readouterr().out
    capsys.readouterr()
    out = tmp_path / "ba.pdf"  # another disk
    argv = ["report", "school", npsn, "--data-dir", str(data_dir), "--pdf", str(out)]
    assert main(argv) == 0, capsys.readouterr().err
    assert out.stat().st_size > 1000
    assert "Berita Acara" in capsys.readouterr().out
    assert not (tmp_path / "nowhere").exists()  # kept inside the data folder, in the reserve
    kept = [json.loads(x) for x in _reserve_read(data_dir / AUDIT_RESERVE_FILE).splitlines()]
    # db info, db check and the report each logged in; the report printed: all kept.
    assert sorted(r["action"] for r in kept) == ["login", "login", "login", "print"]
    filler.unlink()  # space returns
    rows, numbers = _prints(data_dir, npsn)
    assert len(rows) == 1 and rows[0].detail["output"] == "pdf"
    assert [n.subject for n in numbers] == [npsn]
    # Written once: the next writer finds nothing left to import.
    rows, _ = _prints(data_dir, npsn)
    assert len(rows) == 1


def test_report_pdf_from_a_read_only_folder(
    small_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    data_dir, npsn = _folder(small_disk)
    monkeypatch.setenv("KTPE_PASSWORD", PASSWORD)
    aside = tmp_path / "audit-aside"
    monkeypatch.setenv("KTPE_AUDIT_DIR", str(aside))
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        assert main(["db", "info", "--data-dir", str(data_dir)]) == 0, capsys.readouterr().err
        assert main(["db", "check", "--data-dir", str(data_dir)]) == 0, capsys.readouterr().out
        out = tmp_path / "ba.pdf"
        argv = ["report", "school", npsn, "--data-dir", str(data_dir), "--pdf", str(out)]
        assert main(argv) == 0, capsys.readouterr().err
        assert out.stat().st_size > 1000
        (pending,) = aside.glob("audit-pending-*.jsonl")
        kept = [json.loads(x)["action"] for x in pending.read_text().splitlines()]
        assert sorted(kept) == ["login", "login", "login", "print"]
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    rows, numbers = _prints(data_dir, npsn)
    assert len(rows) == 1 and [n.subject for n in numbers] == [npsn]
    assert not list(aside.glob("audit-pending-*.jsonl"))
