"""The server kit of deploy/: the backup script (pg_dump, rotation) and the restore
drill, run against the test PostgreSQL in a database of their own (created and
dropped here); the systemd units and the environment file agree with each other.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from ktpe_server import admin
from ktpe_server.db import make_engine, upgrade
from tests import timing

from .conftest import pg_available

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def live_db() -> Iterator[str]:
    """A database of its own on the test server, with the schema and a demo campaign."""
    if not pg_available():
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is not reachable")
    for tool in ("pg_dump", "pg_restore", "psql"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install postgresql-client)")
    name = f"ktpe_kit_{uuid.uuid4().hex[:10]}"
    boot = make_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    with boot.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        admin.seed_demo(url, students=120, schools_per_team=2)
        yield url
    finally:
        with boot.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        boot.dispose()


def _run(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(DEPLOY / script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timing.seconds(180),
        check=False,
    )


@pytest.mark.postgres
def test_backup_rotation_and_restore_drill(live_db: str, tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    # Older dumps (empty stand-ins: rotation goes by name): two a month for 18 months.
    old = [f"ktpe-2025{m:02d}{d:02d}T213000Z.dump" for m in range(1, 13) for d in (1, 15)]
    old += [f"ktpe-2026{m:02d}{d:02d}T213000Z.dump" for m in range(1, 7) for d in (1, 15)]
    for name in old:
        (backups / name).write_bytes(b"")
    env = {
        "KTPE_SERVER_DB": live_db,
        "KTPE_BACKUP_DIR": str(backups),
        "KTPE_BACKUP_KEEP_DAILY": "5",
        "KTPE_BACKUP_KEEP_MONTHLY": "4",
    }
    done = _run("ktpe-backup.sh", env)
    assert done.returncode == 0, done.stdout + done.stderr
    kept = sorted(p.name for p in backups.iterdir())
    assert not [n for n in kept if n.endswith(".partial")]
    newest = kept[-1]
    assert (backups / newest).stat().st_size > 1000, "a real dump"
    # the 5 newest, plus the first dump of each of the 4 newest months
    everything = sorted([*old, newest], reverse=True)
    expected = set(everything[:5])
    months: dict[str, str] = {}
    for name in everything:
        months[name[5:11]] = name  # ends as the month's oldest
    expected |= {months[m] for m in sorted(months, reverse=True)[:4]}
    assert set(kept) == expected

    engine = make_engine(live_db)
    with engine.connect() as conn:
        students = conn.execute(text("SELECT count(*) FROM student")).scalar_one()
        schools = conn.execute(text("SELECT count(*) FROM school")).scalar_one()
    engine.dispose()
    drill = _run(
        "ktpe-restore-drill.sh",
        {"KTPE_BACKUP_DIR": str(backups), "KTPE_DRILL_ADMIN_URL": ADMIN_URL},
    )
    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert f"student: {students}" in drill.stdout
    assert f"school: {schools}" in drill.stdout
    assert "restore drill: OK" in drill.stdout
    scratch = drill.stdout.split("scratch database ", 1)[1].split()[0]
    check = make_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    with check.connect() as conn:
        left = conn.execute(
            text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": scratch}
        ).scalar_one()
    check.dispose()
    assert left == 0, "the scratch database is dropped"


@pytest.mark.postgres
def test_restore_drill_fails_loudly_on_a_broken_dump(tmp_path: Path) -> None:
    if not pg_available() or shutil.which("pg_restore") is None:
        pytest.skip("PostgreSQL or its client tools are not available")
    broken = tmp_path / "ktpe-20260101T000000Z.dump"
    broken.write_bytes(b"PGDMP not really")
    drill = _run("ktpe-restore-drill.sh", {"KTPE_DRILL_ADMIN_URL": ADMIN_URL}, str(broken))
    assert drill.returncode != 0
    assert "restore drill: OK" not in drill.stdout


def test_units_and_environment_file_agree() -> None:
    env_keys = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "server.env.example").read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    }
    for key in ("KTPE_SERVER_DB", "KTPE_WORKERS", "KTPE_LOG_FORMAT", "KTPE_MIN_APP_VERSION",
                "KTPE_LATEST_APP_VERSION", "KTPE_DOWNLOAD_URL", "KTPE_BACKUP_DIR"):  # fmt: skip
        assert key in env_keys, key
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read(DEPLOY / "systemd" / "ktpe-server.service")
    assert service["Service"]["EnvironmentFile"] == "/etc/ktpe/server.env"
    assert "ktpe-server serve" in service["Service"]["ExecStart"]
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(DEPLOY / "systemd" / "ktpe-backup.timer")
    assert timer["Timer"]["Persistent"] in ("true", "yes")
    backup = configparser.ConfigParser(strict=False, interpolation=None)
    backup.read(DEPLOY / "systemd" / "ktpe-backup.service")
    assert backup["Service"]["ExecStart"].endswith("deploy/ktpe-backup.sh")
    for script in ("ktpe-backup.sh", "ktpe-restore-drill.sh"):
        assert os.access(DEPLOY / script, os.X_OK), script
