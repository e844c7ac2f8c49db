"""The hub's server database: the reference server's schema on an encrypted file.

The hub runs :mod:`ktpe_server` inside the laptop. Its database is a SQLCipher file
in the laptop's data folder (``hub/hub-server.db``) whose key is derived from the
laptop's own database key (:meth:`Store.derived_key`): it opens only while the
laptop is unlocked, and no unencrypted server database ever exists on a laptop.

The hub knows the team's roster from the laptop's own store (:func:`seed_from_laptop`):
the schools of the laptop, assigned to the hub's team, and their students, so the
server's ingest checks (known student, assigned school) work unchanged. Paired
stations are ``device`` rows with a hub-only token, and one ``hub_station`` row
each (station number and name, shown as "stasiun 2").
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, Integer, String, delete, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from ktpe_desktop.core.signing import is_public_key
from ktpe_desktop.storage import models as lm
from ktpe_desktop.storage.engine import WRITE_OPTION, make_engine, write_engine
from ktpe_desktop.storage.store import Store
from ktpe_server import admin
from ktpe_server import models as sm
from ktpe_server.db import upgrade
from ktpe_server.security import new_token, token_hash

HUB_DIR = "hub"
HUB_DB_FILE = "hub-server.db"
KEY_PURPOSE = "hub-server-db-v1"


class HubBase(DeclarativeBase):
    pass


class HubStation(HubBase):
    """A laptop paired with this hub (the hub itself is station 1)."""

    __tablename__ = "hub_station"
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    station_no: Mapped[int] = mapped_column(Integer, unique=True)
    station_name: Mapped[str] = mapped_column(String(64), default="")
    paired_at: Mapped[datetime] = mapped_column(DateTime, default=lambda: datetime.now(UTC))


class HubOperator(HubBase):
    """A station's user as its teammates see them: "stasiun 2 (Budi Santoso)".

    Events carry the login name (``budi``); the station tells the hub the display
    name of each of its users, and the hub hands the list to the others.
    """

    __tablename__ = "hub_operator"
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")


class HubCentralHead(HubBase):
    """What the central server holds of a device's chain, as a relaying teammate saw it."""

    __tablename__ = "hub_central_head"
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    contiguous_seq: Mapped[int] = mapped_column(Integer, default=0)
    head_hash: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=lambda: datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class StationInfo:
    device_id: str
    station_no: int
    station_name: str

    @property
    def label(self) -> str:
        """``stasiun 2`` or ``stasiun 2 · Lab Komputer`` (never a person's name)."""
        base = f"stasiun {self.station_no}"
        return f"{base} · {self.station_name}" if self.station_name else base


def hub_db_path(store: Store) -> Path:
    return store.data_dir / HUB_DIR / HUB_DB_FILE


def open_hub_engine(store: Store) -> Engine:
    """The hub's encrypted server database, migrated to the server's head.

    Every transaction starts with ``BEGIN IMMEDIATE`` (as the server's own SQLite
    engine): the request handlers write from several threads.
    """
    path = hub_db_path(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = write_engine(make_engine(path, store.derived_key(KEY_PURPOSE), pool_size=4))
    upgrade(engine)
    HubBase.metadata.create_all(engine)
    return engine


def read_engine(engine: Engine) -> Engine:
    """The hub engine (same pool) for work that only reads: its transactions begin
    deferred, so a token check or an event pull never queues for SQLite's write lock
    behind a push (WAL gives it a snapshot of whole commits)."""
    return engine.execution_options(**{WRITE_OPTION: False})


def delete_hub_db(store: Store) -> None:
    """Remove the hub database (hub mode switched off for good)."""
    path = hub_db_path(store)
    for suffix in ("", "-wal", "-shm"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            p.unlink()


def _team_id(s: Session, team: str) -> int:
    tid = s.scalar(select(sm.Team.id).where(sm.Team.name == team))
    if tid is None:
        row = sm.Team(name=team)
        s.add(row)
        s.flush()
        tid = row.id
    return int(tid)


CAMPAIGN_FIELDS = (
    "name",
    "reference_date",
    "min_recording_age",
    "voting_age",
    "government_name",
    "office_name",
    "office_address",
    "region_code",
    "retention_days",
)
SCHOOL_FIELDS = ("name", "kind", "status", "kecamatan", "address", "target")
MAX_TEXT = 200  # the server's text columns (names, addresses)


def _fields(row: object, names: tuple[str, ...]) -> dict[str, Any]:
    """A laptop row's columns as the server's admin upserts take them."""
    out = {name: getattr(row, name) for name in names}
    for name in ("name", "address", "office_address"):
        if isinstance(out.get(name), str):
            out[name] = out[name][:MAX_TEXT]
    return out


def seed_from_laptop(engine: Engine, store: Store, team: str, campaign_id: str) -> int:
    """Copy the laptop's campaign, schools and students into the hub database,
    through the reference server's own roster upserts (:mod:`ktpe_server.admin`).

    Idempotent; returns the number of students the hub knows.
    """
    with store.session() as ls:
        campaign = ls.get(lm.Campaign, campaign_id) if campaign_id else None
        campaign_row = _fields(campaign, CAMPAIGN_FIELDS) if campaign is not None else None
        schools = list(ls.scalars(select(lm.School).where(lm.School.purged_at.is_(None))))
        school_rows = [{"npsn": sc.npsn, **_fields(sc, SCHOOL_FIELDS)} for sc in schools]
        visits = {sc.npsn: sc.visit_date or date.today() for sc in schools}
        students = [
            {"id": st.id, "school_npsn": st.school_npsn, **_fields(st, admin.STUDENT_FIELDS)}
            for st in ls.scalars(
                select(lm.Student).where(
                    lm.Student.deleted.is_(False), lm.Student.school_npsn.in_(list(visits))
                )
            )
        ]
    if campaign_row is not None:
        with Session(engine) as s:
            held = s.get(sm.Campaign, campaign_id) is not None
        if not held:
            admin.upsert_campaign(engine, id=campaign_id, **campaign_row)
    if school_rows:
        admin.upsert_schools(engine, school_rows)
    with Session(engine) as s, s.begin():
        tid = _team_id(s, team)
        assigned = set(
            s.scalars(select(sm.Assignment.school_npsn).where(sm.Assignment.team_id == tid))
        )
    for npsn, day in visits.items():
        if npsn not in assigned:
            admin.assign(engine, tid, npsn, day)
    if students:
        admin.upsert_students(engine, students)
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(sm.Student)) or 0)


class KeyMismatch(Exception):
    """A device id already bound to another public key (refused, as at the office)."""


def register_station(
    engine: Engine,
    team: str,
    device_id: str,
    device_name: str,
    station_name: str,
    *,
    public_key: str,
) -> tuple[str, StationInfo]:
    """Admit a device of ``team`` (new token each time); returns ``(token, station)``.

    Its Ed25519 public key is bound to its id for the hub's life, as the central
    server binds it at enrolment (the same key: the laptop has one): the hub then
    refuses any push of that device that its key does not sign.

    Raises:
        KeyMismatch: the device id is bound to another key.
    """
    token = new_token()
    with Session(engine) as s, s.begin():
        tid = _team_id(s, team)
        dev = s.get(sm.Device, device_id)
        if dev is None:
            dev = sm.Device(device_id=device_id, team_id=tid, contiguous_seq=0)
            s.add(dev)
        if dev.public_key is None:
            dev.public_key = public_key
        elif dev.public_key != public_key:
            raise KeyMismatch(device_id)
        dev.team_id = tid
        dev.name = device_name[:200]
        dev.token_hash = token_hash(token)
        dev.revoked = False
        st = s.get(HubStation, device_id)
        if st is None:
            top = s.scalar(select(func.max(HubStation.station_no))) or 0
            st = HubStation(device_id=device_id, station_no=int(top) + 1)
            s.add(st)
        st.station_name = station_name[:64]
        info = StationInfo(device_id, st.station_no, st.station_name)
    return token, info


def register_origin_devices(engine: Engine, team_id: int, device_ids: list[str]) -> int:
    """Make the hub know origin devices relayed by a paired teammate (no usable token).

    The hub trusts a paired station's word that a chain belongs to a teammate; the
    central server, which enrolled every device, is the one that decides (and, with
    signed chains, the origin device's signature).
    """
    if not device_ids:
        return 0
    with Session(engine) as s, s.begin():
        known = set(
            s.scalars(select(sm.Device.device_id).where(sm.Device.device_id.in_(device_ids)))
        )
        added = 0
        for d in device_ids:
            if d in known:
                continue
            unusable = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
            s.add(
                sm.Device(
                    device_id=d, team_id=team_id, name="", token_hash=unusable, contiguous_seq=0
                )
            )
            added += 1
        return added


def learn_keys(engine: Engine, team: str, device_keys: dict[str, str]) -> int:
    """Bind the teammates' keys a paired station pinned (from verified pulls).

    Only devices with no key bound yet here (first key wins, as on laptops): the
    hub can then verify, and keep the signatures of, events relayed to it. The
    central server checks every relayed chain against the key it bound itself.
    """
    wanted = {d.lower(): k for d, k in device_keys.items() if len(d) <= 64 and is_public_key(k)}
    if not wanted:
        return 0
    with Session(engine) as s, s.begin():
        tid = _team_id(s, team)
        rows = {
            d.device_id: d
            for d in s.scalars(select(sm.Device).where(sm.Device.device_id.in_(list(wanted))))
        }
        bound = 0
        for d, key in wanted.items():
            dev = rows.get(d)
            if dev is None:
                unusable = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
                dev = sm.Device(
                    device_id=d, team_id=tid, name="", token_hash=unusable, contiguous_seq=0
                )
                s.add(dev)
            if dev.public_key is None:
                dev.public_key = key
                bound += 1
        return bound


MAX_OPERATORS = 200


def set_operators(engine: Engine, device_id: str, names: dict[str, str]) -> int:
    """Replace what the hub knows of a station's users (``username -> display name``)."""
    clean = {
        u.strip()[:64]: (d or "").strip()[:200]
        for u, d in list(names.items())[:MAX_OPERATORS]
        if isinstance(u, str) and u.strip() and isinstance(d, str)
    }
    with Session(engine) as s, s.begin():
        s.execute(delete(HubOperator).where(HubOperator.device_id == device_id))
        s.add_all(
            HubOperator(device_id=device_id, username=u, display_name=d) for u, d in clean.items()
        )
    return len(clean)


def operators(engine: Engine) -> dict[str, dict[str, str]]:
    """``device_id -> {username: display name}`` of every station that told the hub."""
    out: dict[str, dict[str, str]] = {}
    with Session(engine) as s:
        for row in s.scalars(select(HubOperator)):
            out.setdefault(row.device_id, {})[row.username] = row.display_name
    return out


def stations(engine: Engine) -> list[StationInfo]:
    with Session(engine) as s:
        return [
            StationInfo(r.device_id, r.station_no, r.station_name)
            for r in s.scalars(select(HubStation).order_by(HubStation.station_no))
        ]


def merge_central_heads(
    engine: Engine, heads: dict[str, tuple[int, str]]
) -> dict[str, tuple[int, str]]:
    """Keep the highest central head per device; returns every head the hub knows.

    A claimed head counts only when the hub holds that device's event at that seq
    with that hash (a teammate cannot make up a receipt for a chain it never had).
    """
    with Session(engine) as s, s.begin():
        for device_id, (seq, head_hash) in heads.items():
            held = s.scalar(
                select(sm.EventRow.hash).where(
                    sm.EventRow.device_id == device_id, sm.EventRow.seq == seq
                )
            )
            if held != head_hash:
                continue
            row = s.get(HubCentralHead, device_id)
            if row is None:
                s.add(HubCentralHead(device_id=device_id, contiguous_seq=seq, head_hash=head_hash))
            elif seq > row.contiguous_seq:
                row.contiguous_seq, row.head_hash = seq, head_hash
                row.updated_at = datetime.now(UTC)
        return {
            r.device_id: (r.contiguous_seq, r.head_hash) for r in s.scalars(select(HubCentralHead))
        }
