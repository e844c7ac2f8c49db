"""Admin work: the functions behind the ``ktpe-server`` CLI (and the tests).

Every function takes ``db``: an :class:`~sqlalchemy.Engine` or a database URL
(engines made from URLs are cached and migrated once). Each call is one
transaction; every roster write takes one value of the ``roster`` counter.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, delete, func, select, update
from sqlalchemy.orm import Session

from ktpe_desktop.core.errors import KnownError
from ktpe_server import models as m
from ktpe_server.db import ROSTER_COUNTER, bump_counter, make_engine, upgrade
from ktpe_server.security import new_enroll_code, new_student_id, normalize_code, token_hash

log = logging.getLogger("ktpe.server.admin")

Db = Engine | str
_engines: dict[str, Engine] = {}

STUDENT_FIELDS = (
    "nisn",
    "nik",
    "kk",
    "name",
    "sex",
    "birth_place",
    "birth_date",
    "class_name",
    "mother_name",
    "nipd",
)


class AdminError(KnownError):
    """A refused admin request (unknown team, bad file …), explained."""


def engine_for(db: Db) -> Engine:
    """The engine for ``db``; a URL gets a cached engine with the schema migrated."""
    if isinstance(db, Engine):
        return db
    engine = _engines.get(db)
    if engine is None:
        engine = make_engine(db)
        upgrade(engine)
        _engines[db] = engine
    return engine


def _session(db: Db) -> Session:
    return Session(engine_for(db), expire_on_commit=False)


def _team(s: Session, team: str | int) -> m.Team:
    """The team named ``team``, else the team of that id.

    The name first: the console's forms and links name teams, and a team may be named
    with digits ("1", "2" …) that are another team's id.
    """
    found = None
    if isinstance(team, str):
        found = s.scalars(select(m.Team).where(m.Team.name == team)).first()
    if found is None and (isinstance(team, int) or (team.isascii() and team.isdigit())):
        found = s.get(m.Team, int(team))
    if found is None:
        raise AdminError(f"Tim tidak dikenal: {team}", f"Unknown team: {team}", code="unknown_team")
    return found


# ------------------------------------------------------------------- teams


@dataclass(frozen=True, slots=True)
class TeamInfo:
    id: int
    name: str
    operators: int = 0
    devices: int = 0
    schools: tuple[str, ...] = ()


def create_team(db: Db, name: str) -> TeamInfo:
    """Create a team (``tim-01`` …); returns it. Raises AdminError when it exists."""
    name = name.strip()
    if not name or len(name) > 64:
        raise AdminError("Nama tim kosong atau terlalu panjang", "Team name empty or too long")
    with _session(db) as s, s.begin():
        if s.scalars(select(m.Team).where(m.Team.name == name)).first():
            raise AdminError(f"Tim sudah ada: {name}", f"Team exists: {name}", code="team_exists")
        team = m.Team(name=name, created_at=datetime.now(UTC))
        s.add(team)
        s.flush()
        return TeamInfo(team.id, team.name)


def list_teams(db: Db) -> list[TeamInfo]:
    with _session(db) as s:
        out = []
        for team in s.scalars(select(m.Team).order_by(m.Team.name)):
            ops = s.scalar(select(func.count()).where(m.Operator.team_id == team.id)) or 0
            devs = (
                s.scalar(
                    select(func.count()).where(
                        m.Device.team_id == team.id, m.Device.revoked.is_(False)
                    )
                )
                or 0
            )
            schools = tuple(
                s.scalars(
                    select(m.Assignment.school_npsn)
                    .where(m.Assignment.team_id == team.id)
                    .distinct()
                    .order_by(m.Assignment.school_npsn)
                )
            )
            out.append(TeamInfo(team.id, team.name, ops, devs, schools))
        return out


def add_operator(
    db: Db, team: str | int, name: str, nip: str | None = None, role: str = "operator"
) -> int:
    """Add an operator (``role`` lead|operator) to a team; returns the operator id."""
    if role not in ("lead", "operator"):
        raise AdminError("Peran harus lead atau operator", "Role must be lead or operator")
    if nip is not None and not (len(nip) == 18 and nip.isdigit()):
        raise AdminError("NIP harus 18 digit", "NIP must be 18 digits", code="bad_nip")
    if not name.strip():
        raise AdminError("Nama petugas kosong", "Operator name is empty")
    with _session(db) as s, s.begin():
        t = _team(s, team)
        seq = bump_counter(s, ROSTER_COUNTER)
        op = m.Operator(team_id=t.id, name=name.strip(), nip=nip, role=role, change_seq=seq)
        s.add(op)
        s.flush()
        return op.id


def make_enroll_code(db: Db, team: str | int, ttl_hours: float = 24.0) -> str:
    """A one-time enrolment code for a device of ``team`` (only its hash is stored)."""
    code = new_enroll_code()
    with _session(db) as s, s.begin():
        if s.scalar(select(m.Campaign.id).limit(1)) is None:
            raise AdminError(
                "Kampanye belum diatur: atur dulu di konsol kantor (/office/campaign) atau "
                "dengan 'ktpe-server campaign set', baru kode pendaftaran dapat dibuat.",
                "No campaign is set up: set it up first in the office console (/office/campaign) "
                "or with 'ktpe-server campaign set', then enrolment codes can be issued.",
                code="no_campaign",
            )
        t = _team(s, team)
        now = datetime.now(UTC)
        s.add(
            m.EnrollmentCode(
                code_hash=token_hash(normalize_code(code)),
                team_id=t.id,
                created_at=now,
                expires_at=now + timedelta(hours=ttl_hours),
            )
        )
    log.info("enrolment code issued for team %s", t.id)
    return code


def assign(db: Db, team: str | int, school_npsn: str, day: date) -> None:
    """Assign a school to a team on a day (idempotent)."""
    with _session(db) as s, s.begin():
        t = _team(s, team)
        if s.get(m.School, school_npsn) is None:
            raise AdminError(
                f"Sekolah tidak dikenal: {school_npsn}", f"Unknown school: {school_npsn}"
            )
        exists = s.scalars(
            select(m.Assignment).where(
                m.Assignment.team_id == t.id,
                m.Assignment.school_npsn == school_npsn,
                m.Assignment.date == day,
            )
        ).first()
        if exists:
            return
        seq = bump_counter(s, ROSTER_COUNTER)
        # A day scheduled again is no longer removed (one of the two rows at a time).
        s.execute(
            delete(m.AssignmentRemoved).where(
                m.AssignmentRemoved.team_id == t.id,
                m.AssignmentRemoved.school_npsn == school_npsn,
                m.AssignmentRemoved.date == day,
            )
        )
        s.add(m.Assignment(team_id=t.id, school_npsn=school_npsn, date=day, change_seq=seq))


def unassign(db: Db, team: str | int, school_npsn: str, first: date, last: date) -> int:
    """Take a team's visit days ``first..last`` at a school off the schedule.

    Laptops drop the days at their next roster pull (``assignments_removed``). The last
    visit of a team to a school where the server already holds the team's records is
    kept: without a visit the school leaves the team's scope, and the records its
    laptops still send from there would be refused.

    Returns:
        The number of days removed (0: none scheduled).

    Raises:
        AdminError: the team has records at the school and no other visit there.
    """
    with _session(db) as s, s.begin():
        t = _team(s, team)
        in_range = (
            m.Assignment.team_id == t.id,
            m.Assignment.school_npsn == school_npsn,
            m.Assignment.date.between(first, last),
        )
        days = list(s.scalars(select(m.Assignment).where(*in_range).order_by(m.Assignment.date)))
        if not days:
            return 0
        others = s.scalar(
            select(func.count())
            .select_from(m.Assignment)
            .where(
                m.Assignment.team_id == t.id,
                m.Assignment.school_npsn == school_npsn,
                ~m.Assignment.date.between(first, last),
            )
        )
        if not others:
            held = s.scalar(
                select(func.count())
                .select_from(m.EventRow)
                .join(m.Device, m.Device.device_id == m.EventRow.device_id)
                .where(m.Device.team_id == t.id, m.EventRow.school_npsn == school_npsn)
            )
            if held:
                raise AdminError(
                    f"Tim {t.name} sudah punya {held} catatan di sekolah {school_npsn}: "
                    "kunjungan terakhirnya ke sekolah ini tidak dapat dihapus (catatan "
                    "berikutnya dari laptop tim akan ditolak). Ubah tanggalnya dengan "
                    "menjadwalkan hari lain dulu.",
                    f"Team {t.name} already has {held} records at school {school_npsn}: its "
                    "last visit there cannot be removed (the team's next records from it "
                    "would be refused). Schedule another day first to move it.",
                )
        seq = bump_counter(s, ROSTER_COUNTER)
        now = datetime.now(UTC)
        for a in days:
            s.add(
                m.AssignmentRemoved(
                    assignment_id=a.id,
                    team_id=a.team_id,
                    school_npsn=a.school_npsn,
                    date=a.date,
                    removed_at=now,
                    change_seq=seq,
                )
            )
            s.delete(a)
        return len(days)


# ------------------------------------------------------------------- devices


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    device_id: str
    team: str
    name: str
    app_version: str
    revoked: bool
    created_at: datetime
    last_seen: datetime | None
    contiguous_seq: int
    head_hash: str


def list_devices(db: Db) -> list[DeviceInfo]:
    with _session(db) as s:
        rows = s.execute(
            select(m.Device, m.Team.name)
            .join(m.Team, m.Team.id == m.Device.team_id)
            .order_by(m.Team.name, m.Device.created_at)
        )
        return [
            DeviceInfo(
                d.device_id,
                team,
                d.name,
                d.app_version,
                d.revoked,
                d.created_at,
                d.last_seen,
                d.contiguous_seq,
                d.head_hash,
            )
            for d, team in rows
        ]


def revoke_device(db: Db, device_id: str) -> None:
    """Revoke a device's token (its events stay; other team devices may relay them)."""
    with _session(db) as s, s.begin():
        # Events beyond what the server holds now are refused from here on (issue 12).
        result = s.execute(
            update(m.Device)
            .where(m.Device.device_id == device_id)
            .values(
                revoked=True,
                revoked_at_seq=func.coalesce(m.Device.revoked_at_seq, m.Device.contiguous_seq),
            )
        )
        n = cast(CursorResult[Any], result).rowcount
        if not n:
            raise AdminError(
                f"Perangkat tidak dikenal: {device_id}", f"Unknown device: {device_id}"
            )
    log.info("device %s revoked", device_id)


# ------------------------------------------------------------------- roster


def upsert_campaign(db: Db, **fields: Any) -> str:
    """Create or update the campaign (fields of :class:`~ktpe_server.models.Campaign`)."""
    with _session(db) as s, s.begin():
        seq = bump_counter(s, ROSTER_COUNTER)
        cid = str(fields["id"])
        row = s.get(m.Campaign, cid)
        if row is None:
            row = m.Campaign(id=cid)
            s.add(row)
        for key, value in fields.items():
            if key != "id" and hasattr(m.Campaign, key):
                setattr(row, key, value)
        row.change_seq = seq
        return cid


def upsert_schools(db: Db, schools: Iterable[Mapping[str, Any]]) -> int:
    """Create or update schools (keys as :class:`~ktpe_server.models.School`)."""
    names = ("name", "kind", "status", "kecamatan", "address", "lat", "lon", "target")
    n = 0
    with _session(db) as s, s.begin():
        seq = bump_counter(s, ROSTER_COUNTER)
        existing = {sc.npsn: sc for sc in s.scalars(select(m.School))}
        for data in schools:
            npsn = str(data["npsn"]).strip()
            if not (len(npsn) == 8 and npsn.isascii() and npsn.isdigit()):
                raise AdminError(
                    f"NPSN harus 8 digit: {npsn!r}", f"NPSN must be 8 digits: {npsn!r}"
                )
            row = existing.get(npsn)
            if row is None:
                row = existing[npsn] = m.School(npsn=npsn)
                s.add(row)
            for key in names:
                if key in data and data[key] is not None:
                    setattr(row, key, data[key])
            row.change_seq = seq
            n += 1
    return n


def import_schools(db: Db, path: Path) -> int:
    """Load schools from the public CSV shape (npsn,nama,bentuk,status,kecamatan,alamat,
    lintang,bujur) or the same with English headers; returns the number read."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise AdminError(f"Berkas tidak bisa dibaca: {path}", f"Cannot read file: {path}") from exc
    aliases = {
        "nama": "name",
        "bentuk": "kind",
        "alamat": "address",
        "lintang": "lat",
        "bujur": "lon",
        "target": "target",
    }
    out = []
    for i, row in enumerate(rows, start=2):
        data: dict[str, Any] = {}
        for key, value in row.items():
            if key is None:
                continue
            k = aliases.get(key.strip().lower(), key.strip().lower())
            data[k] = (value or "").strip()
        if not data.get("npsn"):
            raise AdminError(f"Baris {i}: NPSN kosong", f"Row {i}: empty NPSN")
        for k in ("lat", "lon"):
            data[k] = float(data[k]) if data.get(k) else None
        data["target"] = int(data["target"]) if data.get("target") else None
        out.append(data)
    return upsert_schools(db, out)


def upsert_students(db: Db, students: Iterable[Mapping[str, Any]]) -> int:
    """Create or update roster students; a missing ``id`` gets a new random one.

    Students are matched by ``id``, else by (school, NISN). Returns the number written.
    """
    items = list(students)
    n = 0
    with _session(db) as s, s.begin():
        seq = bump_counter(s, ROSTER_COUNTER)
        schools = set(s.scalars(select(m.School.npsn)))
        npsns = {str(d["school_npsn"]) for d in items}
        unknown = sorted(npsns - schools)
        if unknown:
            raise AdminError(
                f"Sekolah tidak dikenal: {unknown[0]}", f"Unknown school: {unknown[0]}"
            )
        by_id: dict[str, m.Student] = {}
        by_nisn: dict[tuple[str, str], m.Student] = {}
        ids = [str(d["id"]) for d in items if d.get("id")]
        for i in range(0, len(ids), 500):
            for st in s.scalars(select(m.Student).where(m.Student.id.in_(ids[i : i + 500]))):
                by_id[st.id] = st
        for st in s.scalars(select(m.Student).where(m.Student.school_npsn.in_(npsns))):
            by_id.setdefault(st.id, st)
            if st.nisn:
                by_nisn[(st.school_npsn, st.nisn)] = st
        for data in items:
            npsn = str(data["school_npsn"])
            row: m.Student | None = None
            if data.get("id"):
                row = by_id.get(str(data["id"]))
            elif data.get("nisn"):
                row = by_nisn.get((npsn, str(data["nisn"])))
            if row is None:
                row = m.Student(id=str(data.get("id") or new_student_id()), school_npsn=npsn)
                by_id[row.id] = row
                s.add(row)
            row.school_npsn = npsn
            for key in STUDENT_FIELDS:
                if key in data:
                    value = data[key]
                    if key == "birth_date" and isinstance(value, str):
                        value = date.fromisoformat(value) if value else None
                    elif key == "sex" and value is not None:
                        value = str(getattr(value, "value", value))
                    setattr(row, key, value)
            if row.name is None:
                row.name = ""
            if row.nisn:
                by_nisn[(npsn, row.nisn)] = row
            row.deleted = bool(data.get("deleted", False))
            row.change_seq = seq
            n += 1
    return n


@dataclass(frozen=True, slots=True)
class RosterImport:
    imported: int
    held_back: int
    warnings: int
    errors: list[str] = field(default_factory=list)


def import_roster(db: Db, path: Path, school_npsn: str) -> RosterImport:
    """Import a Dapodik roster file for one school (via ``ktpe_desktop.imports``)."""
    try:
        from ktpe_desktop.imports import read_roster
    except ImportError as exc:  # pragma: no cover - depends on the importer package
        raise AdminError(
            "Pembaca daftar siswa belum tersedia", "The roster reader is not available"
        ) from exc
    preview = read_roster(path)
    errors = [str(getattr(line, "message", line)) for line in preview.errors]
    rows = [{"school_npsn": school_npsn, **row.details()} for row in preview.rows]
    written = upsert_students(db, rows) if rows else 0
    log.info("roster import: %d rows, %d held back", written, len(preview.held_back))
    return RosterImport(written, len(preview.held_back), len(preview.warnings), errors)


@dataclass(frozen=True, slots=True)
class RosterImportReport:
    """A roster import with the importer's report lines (row, cell, column, message)."""

    imported: int
    held_back: int
    warnings: int
    errors: int
    lines: list[Any] = field(default_factory=list)  # ktpe_desktop.imports.ReportLine


def import_roster_report(db: Db, path: Path, school_npsn: str) -> RosterImportReport:
    """Import a roster file for one school (the laptop's reader and report).

    Valid rows are written (matched by id, else by NISN); rows with an error are held
    back and listed. Raises AdminError for an unknown school, RosterFileError for a
    file that is not a roster at all.
    """
    from ktpe_desktop.imports import read_roster, report_lines

    with _session(db) as s:
        if s.get(m.School, school_npsn) is None:
            raise AdminError(
                f"Sekolah tidak dikenal: {school_npsn}", f"Unknown school: {school_npsn}"
            )
    preview = read_roster(path)
    rows = [{"school_npsn": school_npsn, **row.details()} for row in preview.rows]
    written = upsert_students(db, rows) if rows else 0
    log.info("roster import: %d rows, %d held back", written, len(preview.held_back))
    return RosterImportReport(
        written,
        len(preview.held_back),
        len(preview.warnings),
        len(preview.errors),
        report_lines(preview),
    )


# ------------------------------------------------------------------- reports


@dataclass(frozen=True, slots=True)
class SchoolProgress:
    npsn: str
    name: str
    target: int
    recorded: int
    remaining: int
    anomalies: int
    statuses: dict[str, int] = field(default_factory=dict)


def progress(db: Db) -> list[SchoolProgress]:
    """Per school: target, recorded (recorded + already_recorded), remaining, anomalies."""
    with _session(db) as s:
        counts: dict[str, dict[str, int]] = {}
        for npsn, status, n in s.execute(
            select(m.StudentState.school_npsn, m.StudentState.status, func.count())
            .where(m.StudentState.school_npsn.is_not(None))
            .group_by(m.StudentState.school_npsn, m.StudentState.status)
        ):
            counts.setdefault(str(npsn), {})[status] = int(n)
        anomalies = dict(
            s.execute(
                select(m.AnomalyRow.school_npsn, func.count()).group_by(m.AnomalyRow.school_npsn)
            ).all()
        )
        roster_sizes = dict(
            s.execute(
                select(m.Student.school_npsn, func.count())
                .where(m.Student.deleted.is_(False))
                .group_by(m.Student.school_npsn)
            ).all()
        )
        out = []
        for sc in s.scalars(select(m.School).order_by(m.School.npsn)):
            c = counts.get(sc.npsn, {})
            target = sc.target or int(roster_sizes.get(sc.npsn, 0))
            recorded = c.get("recorded", 0) + c.get("already_recorded", 0)
            if not target and not c and sc.npsn not in roster_sizes:
                continue
            out.append(
                SchoolProgress(
                    sc.npsn,
                    sc.name,
                    target,
                    recorded,
                    max(0, target - recorded),
                    int(anomalies.get(sc.npsn, 0)),
                    dict(sorted(c.items())),
                )
            )
        return out


# ------------------------------------------------------------------- demo


@dataclass(frozen=True, slots=True)
class DemoSeed:
    campaign_id: str
    teams: list[str]
    schools: int
    students: int
    assignments: int


def seed_demo(
    db: Db,
    today: date | None = None,
    *,
    seed: int = 2024,
    students: int = 4586,
    schools_per_team: int = 5,
) -> DemoSeed:
    """Load the demo campaign of ``ktpe_desktop.core.demo`` (idempotent).

    Teams ``tim-01``, ``tim-02`` … get ``schools_per_team`` schools each, one school
    per day from ``today`` on, plus every school of the team on ``today`` so the
    demo always has a day to work on. Each team gets a lead and an operator.
    """
    from ktpe_desktop.core.demo import generate_demo

    today = today or date.today()
    campaign, schools, demo_students = generate_demo(seed=seed, students=students)
    # DemoCampaign and DemoSchool carry exactly the columns of their server tables.
    upsert_campaign(db, **asdict(campaign))
    upsert_schools(db, (asdict(sc) for sc in schools))
    upsert_students(
        db,
        (
            {
                "id": st.id,
                "school_npsn": st.school_npsn,
                "nisn": st.nisn,
                "nik": st.nik,
                "kk": st.kk,
                "name": st.name,
                "sex": str(getattr(st.sex, "value", st.sex)),
                "birth_place": st.birth_place,
                "birth_date": st.birth_date,
                "class_name": st.class_name,
                "mother_name": st.mother_name,
            }
            for st in demo_students
        ),
    )
    existing = {t.name for t in list_teams(db)}
    team_names: list[str] = []
    n_assign = 0
    groups = [schools[i : i + schools_per_team] for i in range(0, len(schools), schools_per_team)]
    for ti, group in enumerate(groups, start=1):
        name = f"tim-{ti:02d}"
        team_names.append(name)
        if name not in existing:
            create_team(db, name)
            add_operator(db, name, f"Koordinator Tim {ti:02d}", _demo_nip(ti, 1), "lead")
            add_operator(db, name, f"Petugas Tim {ti:02d}", _demo_nip(ti, 2), "operator")
        for di, sc in enumerate(group):
            assign(db, name, sc.npsn, today)
            assign(db, name, sc.npsn, today + timedelta(days=di))
            n_assign += 1
    log.info("demo seeded: %d schools, %d students", len(schools), len(demo_students))
    return DemoSeed(campaign.id, team_names, len(schools), len(demo_students), n_assign)


def _demo_nip(team: int, n: int) -> str:
    # 18 digits: birth date, appointment month, sex, serial (fictitious).
    return f"19850101201001{team % 10}{n:03d}"[:18].ljust(18, "0")


def demo_school_npsns(db: Db, team: str | int) -> Sequence[str]:
    with _session(db) as s:
        t = _team(s, team)
        return list(
            s.scalars(
                select(m.Assignment.school_npsn)
                .where(m.Assignment.team_id == t.id)
                .distinct()
                .order_by(m.Assignment.school_npsn)
            )
        )
