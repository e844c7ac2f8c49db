"""Anomalies (list, resolve with a note, reopen) and the Berita Acara receipt check."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Bundle, Session, aliased

from ktpe_desktop.core.receipt import COUNT_KEYS, BadReceiptCode, ReceiptCode, parse_receipt_code
from ktpe_server import models as m
from ktpe_server.office import campaign, queries
from ktpe_server.office.audit import audit
from ktpe_server.office.web import (
    AdminDep,
    AdminForm,
    StaffDep,
    client_address,
    done_message,
    form_text,
    lang_of,
    redirect,
    render,
    state,
)

router = APIRouter()
PAGE = 100  # anomalies shown, newest first

CODE_LABELS = {
    "recorded_twice": "Terekam dua kali di laptop berbeda",
    "recorded_and_not_eligible": "Terekam sekaligus belum cukup umur",
    "recorded_and_already_recorded": "Terekam sekaligus sudah terekam sebelumnya",
    "ikd_without_card": "Aktivasi IKD tanpa perekaman",
    "void_of_void": "Pembatalan atas pembatalan",
    "void_other_student": "Pembatalan untuk siswa lain",
    "duplicate_identifier": "Siswa baru dengan NISN/NIK milik siswa lain",
}


def _tz(request: Request) -> str:
    setup = campaign.load(state(request).engine)
    tz = setup.time_zone if setup else "WIB"
    request.state.time_zone = tz
    return tz


@dataclass
class AnomalyView:
    id: int
    student_id: str
    school_npsn: str | None
    school: str
    code: str
    event_ids: list[str]
    detected_at: datetime
    student_name: str = ""
    nisn: str = ""
    events: list[dict[str, object]] = field(default_factory=list)
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    note: str = ""


def _anomalies(s: Session, which: str) -> tuple[list[AnomalyView], dict[str, int]]:
    res = m.AnomalyResolution
    base = (
        select(m.AnomalyRow, res, m.School.name, m.Student.name, m.Student.nisn)
        .outerjoin(
            res,
            and_(
                res.student_id == m.AnomalyRow.student_id,
                res.code == m.AnomalyRow.code,
                res.event_ids == m.AnomalyRow.event_ids,
            ),
        )
        .outerjoin(m.School, m.School.npsn == m.AnomalyRow.school_npsn)
        .outerjoin(m.Student, m.Student.id == m.AnomalyRow.student_id)
    )
    counts = {"open": 0, "resolved": 0}
    for resolved, n in s.execute(
        select(res.id.is_not(None), func.count())
        .select_from(m.AnomalyRow)
        .outerjoin(
            res,
            and_(
                res.student_id == m.AnomalyRow.student_id,
                res.code == m.AnomalyRow.code,
                res.event_ids == m.AnomalyRow.event_ids,
            ),
        )
        .group_by(res.id.is_not(None))
    ):
        counts["resolved" if resolved else "open"] += int(n)
    # The page's anomalies are chosen first; only those are joined to the roster (a
    # province may hold tens of thousands of anomalies).
    shown = select(m.AnomalyRow.id).outerjoin(
        res,
        and_(
            res.student_id == m.AnomalyRow.student_id,
            res.code == m.AnomalyRow.code,
            res.event_ids == m.AnomalyRow.event_ids,
        ),
    )
    if which == "open":
        shown = shown.where(res.id.is_(None))
    elif which == "resolved":
        shown = shown.where(res.id.is_not(None))
    page_ids = (
        shown.order_by(m.AnomalyRow.detected_at.desc(), m.AnomalyRow.id).limit(PAGE).subquery()
    )
    out = []
    for an, r, school, name, nisn in s.execute(
        base.join(page_ids, page_ids.c.id == m.AnomalyRow.id).order_by(
            m.AnomalyRow.detected_at.desc(), m.AnomalyRow.id
        )
    ):
        out.append(
            AnomalyView(
                an.id,
                an.student_id,
                an.school_npsn,
                school or "",
                an.code,
                [e for e in an.event_ids.split(",") if e],
                an.detected_at,
                name or "",
                nisn or "",
                resolved_by=r.resolved_by if r else None,
                resolved_at=r.resolved_at if r else None,
                note=r.note if r else "",
            )
        )
    ids = [e for a in out for e in a.event_ids]
    events: dict[str, dict[str, object]] = {}
    for i in range(0, len(ids), 500):
        ev: Any
        for ev, team, dev_name in s.execute(
            select(
                Bundle(
                    "ev",
                    m.EventRow.event_id,
                    m.EventRow.kind,
                    m.EventRow.device_id,
                    m.EventRow.operator,
                    m.EventRow.occurred_ms,
                ),
                m.Team.name,
                m.Device.name,
            )
            .outerjoin(m.Device, m.Device.device_id == m.EventRow.device_id)
            .outerjoin(m.Team, m.Team.id == m.Device.team_id)
            .where(m.EventRow.event_id.in_(ids[i : i + 500]))
        ):
            events[ev.event_id] = {
                "kind": ev.kind,
                "device": dev_name or ev.device_id[:8],
                "team": team or "",
                "operator": ev.operator,
                "at": datetime.fromtimestamp(ev.occurred_ms / 1000, UTC),
            }
    for a in out:
        a.events = [events[e] for e in a.event_ids if e in events]
    return out, counts


def _refused(s: Session) -> list[tuple[str, str, str, int]]:
    return [
        (team or "", dev or device_id[:8], code or "?", int(n))
        for device_id, dev, team, code, n in s.execute(
            select(
                m.EventRow.device_id,
                m.Device.name,
                m.Team.name,
                m.EventRow.reject_code,
                func.count(),
            )
            .outerjoin(m.Device, m.Device.device_id == m.EventRow.device_id)
            .outerjoin(m.Team, m.Team.id == m.Device.team_id)
            .where(queries.REFUSED)
            .group_by(m.EventRow.device_id, m.Device.name, m.Team.name, m.EventRow.reject_code)
            .order_by(func.count().desc())
        )
    ]


@dataclass
class DeviceLossView:
    """A device replaced after a recovery, and the seqs of it this server will never get."""

    id: int
    team: str
    device: str  # the old device (name, else the id's start)
    device_id: str
    new_device: str
    held_seq: int
    last_seq: int
    lost: list[tuple[int, int]]  # gone on the laptop and not held here
    lost_count: int
    reissued_told: int  # what the laptop said it re-issued
    reissued_received: int  # re-issued events of the new device this server holds
    reported_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    note: str

    @property
    def lost_text(self) -> str:
        return ", ".join(f"{a}–{b}" if a != b else str(a) for a, b in self.lost) or "-"


def _device_losses(s: Session) -> list[DeviceLossView]:
    old_dev = aliased(m.Device)
    new_dev = aliased(m.Device)
    out = []
    for loss, team, old_name, new_name in s.execute(
        select(m.DeviceLoss, m.Team.name, old_dev.name, new_dev.name)
        .outerjoin(m.Team, m.Team.id == m.DeviceLoss.team_id)
        .outerjoin(old_dev, old_dev.device_id == m.DeviceLoss.device_id)
        .outerjoin(new_dev, new_dev.device_id == m.DeviceLoss.new_device_id)
        .order_by(m.DeviceLoss.reported_at.desc())
        .limit(PAGE)
    ):
        lost = loss.lost_here()
        received = s.scalar(
            select(func.count())
            .select_from(m.EventRow)
            .where(
                m.EventRow.device_id == loss.new_device_id,
                m.EventRow.payload.like('%"reissue_of"%'),
            )
        )
        out.append(
            DeviceLossView(
                loss.id,
                team or "",
                old_name or loss.device_id[:8],
                loss.device_id,
                new_name or loss.new_device_id[:8],
                loss.held_seq,
                loss.last_seq,
                lost,
                sum(b - a + 1 for a, b in lost),
                loss.reissued,
                int(received or 0),
                loss.reported_at,
                loss.resolved_by,
                loss.resolved_at,
                loss.note,
            )
        )
    return out


@router.post("/device-losses/{loss_id}/resolve")
def device_loss_resolve(
    request: Request, loss_id: int, staff: AdminDep, form: AdminForm
) -> Response:
    note = " ".join(form_text(form, "note").split())[:1000]
    if not note:
        return redirect("/anomalies?show=open&need_note=1")
    with Session(state(request).engine) as s, s.begin():
        loss = s.get(m.DeviceLoss, loss_id)
        if loss is None:
            return render(request, "error.html", staff, 404, kind="missing")
        if loss.resolved_at is None:
            loss.resolved_by = staff.username
            loss.resolved_at = datetime.now(UTC)
            loss.note = note
        audit(
            s,
            staff.username,
            client_address(request),
            "device_loss.resolve",
            f"device_loss:{loss.device_id}",
            new_device=loss.new_device_id,
            note=note,
        )
    return redirect("/anomalies", done="anomaly_resolved")


@router.get("/anomalies")
def anomalies_page(request: Request, staff: StaffDep) -> Response:
    _tz(request)
    which = request.query_params.get("show", "open")
    which = which if which in ("open", "resolved", "all") else "open"
    with Session(state(request).engine) as s:
        rows, counts = _anomalies(s, which)
        refused = _refused(s)
        losses = _device_losses(s)
    return render(
        request,
        "anomalies.html",
        staff,
        rows=rows,
        counts=counts,
        which=which,
        labels=CODE_LABELS,
        refused=refused,
        losses=losses,
        page=PAGE,
        done=done_message(request),
        error="",
    )


@router.post("/anomalies/{anomaly_id}/resolve")
def anomaly_resolve(
    request: Request, anomaly_id: int, staff: AdminDep, form: AdminForm
) -> Response:
    note = " ".join(form_text(form, "note").split())[:1000]
    if not note:
        return redirect("/anomalies?show=open&need_note=1")
    with Session(state(request).engine) as s, s.begin():
        an = s.get(m.AnomalyRow, anomaly_id)
        if an is None:
            return render(request, "error.html", staff, 404, kind="missing")
        exists = s.scalar(
            select(m.AnomalyResolution.id).where(
                m.AnomalyResolution.student_id == an.student_id,
                m.AnomalyResolution.code == an.code,
                m.AnomalyResolution.event_ids == an.event_ids,
            )
        )
        if exists is None:
            s.add(
                m.AnomalyResolution(
                    student_id=an.student_id,
                    code=an.code,
                    event_ids=an.event_ids,
                    note=note,
                    resolved_by=staff.username,
                    resolved_at=datetime.now(UTC),
                )
            )
        audit(
            s,
            staff.username,
            client_address(request),
            "anomaly.resolve",
            f"{an.code}:{an.student_id}",
            school=an.school_npsn,
            events=an.event_ids,
            note=note,
        )
    return redirect("/anomalies", done="anomaly_resolved")


@router.post("/anomalies/{anomaly_id}/reopen")
def anomaly_reopen(request: Request, anomaly_id: int, staff: AdminDep, form: AdminForm) -> Response:
    with Session(state(request).engine) as s, s.begin():
        an = s.get(m.AnomalyRow, anomaly_id)
        if an is None:
            return render(request, "error.html", staff, 404, kind="missing")
        s.execute(
            delete(m.AnomalyResolution).where(
                m.AnomalyResolution.student_id == an.student_id,
                m.AnomalyResolution.code == an.code,
                m.AnomalyResolution.event_ids == an.event_ids,
            )
        )
        audit(
            s,
            staff.username,
            client_address(request),
            "anomaly.reopen",
            f"{an.code}:{an.student_id}",
            school=an.school_npsn,
        )
    return redirect("/anomalies?show=resolved", done="anomaly_reopened")


# ------------------------------------------------------------------ receipt check


@dataclass
class ReceiptCheck:
    code: ReceiptCode
    school: str
    device_name: str
    team: str
    known_device: bool
    chain_matches: bool
    server_seq: int
    counts: dict[str, int]  # kind -> this device's events for the school up to seq
    later: int  # this device's events for the school after seq
    printed: dict[str, int]  # what the paper says (recorded, already_recorded, …, ikd)
    server_now: dict[str, int]  # the school's outcomes on the server now, same keys


@router.get("/receipt")
def receipt_page(request: Request, staff: StaffDep) -> Response:
    _tz(request)
    raw = request.query_params.get("code", "")[:600]
    if not raw.strip():
        return render(request, "receipt.html", staff, check=None, raw="", error="")
    try:
        code = parse_receipt_code(raw)
    except BadReceiptCode:
        msg = (
            "This is not a Berita Acara receipt code (KTPE-BA1|…), or it was typed with a slip."
            if lang_of(request) == "en"
            else "Ini bukan kode tanda terima Berita Acara (KTPE-BA1|…), atau ada salah ketik."
        )
        return render(request, "receipt.html", staff, 422, check=None, raw=raw, error=msg)
    with Session(state(request).engine) as s:
        dev = s.get(m.Device, code.device_id.lower())
        team = s.get(m.Team, dev.team_id) if dev else None
        school = s.get(m.School, code.npsn)
        at_seq = s.scalar(
            select(m.EventRow.hash).where(
                m.EventRow.device_id == code.device_id.lower(),
                m.EventRow.seq == code.seq,
                m.EventRow.state == "accepted",
            )
        )
        mine = (
            m.EventRow.device_id == code.device_id.lower(),
            m.EventRow.school_npsn == code.npsn,
            m.EventRow.state == "accepted",
        )
        counts = dict(
            s.execute(
                select(m.EventRow.kind, func.count())
                .where(*mine, m.EventRow.seq <= code.seq)
                .group_by(m.EventRow.kind)
            ).all()
        )
        later = s.scalar(select(func.count()).where(*mine, m.EventRow.seq > code.seq))
        # The school's outcomes now, from the counters kept at ingest (migration 0007).
        status: dict[str, int] = {"ikd": 0}
        for st, ikd, n in s.execute(
            select(m.TallySchool.status, m.TallySchool.ikd, m.TallySchool.n).where(
                m.TallySchool.school_npsn == code.npsn
            )
        ):
            status[str(st)] = status.get(str(st), 0) + int(n)
            if ikd:
                status["ikd"] += int(n)
    matches = bool(
        dev is not None
        and code.synced
        and at_seq is not None
        and at_seq == code.head_hash
        and code.seq <= dev.contiguous_seq
    )
    check = ReceiptCheck(
        code,
        school.name if school else "",
        dev.name if dev else "",
        team.name if team else "",
        dev is not None,
        matches,
        dev.contiguous_seq if dev else 0,
        {k: int(v) for k, v in counts.items()},
        int(later or 0),
        dict(code.counts),
        status,
    )
    with Session(state(request).engine) as s, s.begin():
        audit(
            s,
            staff.username,
            client_address(request),
            "receipt.check",
            code.npsn,
            number=code.number,
            device=code.device_id,
            seq=code.seq,
            matches=matches,
        )
    return render(request, "receipt.html", staff, check=check, raw=raw, error="", keys=COUNT_KEYS)
