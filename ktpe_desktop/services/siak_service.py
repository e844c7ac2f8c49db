"""The office's SIAK "belum rekam" list: which students still need recording.

Dispendukcapil keeps the list of residents not yet recorded (an extract of SIAK: a
CSV or XLSX of NIKs with names; 8,600 in Kota Malang). Importing it against a
school's roster turns it into the day's target list:

* a student whose NIK **is on the list** still needs recording (left as it is);
* a student whose NIK is **not on the list** is already recorded per SIAK: when the
  student is still *Belum Diproses*, an ``already_recorded`` event is written for
  them with ``{"source": "siak"}`` (shown as *Sudah Terekam Sebelumnya*, undoable as
  any outcome with *Batalkan*); a student who already has an outcome is left alone;
* a student **without a NIK** cannot be matched and is listed for the team.

The students absent from the list are reported by name, so the lead sees whom the
import pre-filled. The list itself is read with the roster reader (it needs a NIK and
a name column); entries that are not students of the school are only counted. Only
the NIK matters here: a list row the roster reader holds back for another reason (an
unreadable birth date, no name, the same NIK twice) still puts its NIK on the list.
A row whose NIK cannot be read (empty, Excel's number damage) makes the list
incomplete: then nobody is marked *Sudah Terekam Sebelumnya*, since a student absent
from an incomplete list may well be on it (the plan says so, and which rows to fix).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.core.events import EventKind, Status
from ktpe_desktop.imports import read_roster
from ktpe_desktop.imports.model import ReportLine, Severity
from ktpe_desktop.services.audit import audit
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store

SIAK_SOURCE = "siak"
_NIK = re.compile(r"\d{16}")


@dataclass(frozen=True, slots=True)
class SiakStudent:
    student_id: str
    name: str
    class_name: str
    status: Status


@dataclass
class SiakPlan:
    """What importing the list would do for one school."""

    npsn: str
    file_name: str
    list_size: int  # NIKs read from the list
    to_record: list[SiakStudent] = field(default_factory=list)  # on the list
    already: list[SiakStudent] = field(default_factory=list)  # not on it, still pending
    decided: list[SiakStudent] = field(default_factory=list)  # not on it, has an outcome
    no_nik: list[SiakStudent] = field(default_factory=list)
    #: List rows whose NIK cannot be read (their row numbers): the list is incomplete.
    unreadable_rows: list[int] = field(default_factory=list)
    #: Not on the list and still pending, but the list is incomplete: not marked.
    unsure: list[SiakStudent] = field(default_factory=list)
    lines: list[ReportLine] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"Daftar belum rekam SIAK: {self.list_size} NIK. Sekolah {self.npsn}: "
            f"{len(self.to_record)} siswa masih perlu direkam, {len(self.already)} sudah "
            f"terekam menurut SIAK (akan ditandai Sudah Terekam Sebelumnya), "
            f"{len(self.decided)} sudah punya hasil (tidak diubah), {len(self.no_nik)} tanpa "
            "NIK (tidak dapat dicocokkan)."
        )
        if self.unreadable_rows:
            text += (
                f" {len(self.unreadable_rows)} baris daftar tanpa NIK yang terbaca: daftar "
                f"tidak lengkap, jadi {len(self.unsure)} siswa yang tidak ada di daftar TIDAK "
                "ditandai sampai berkasnya diperbaiki."
            )
        return text


class SiakService:
    def __init__(
        self, store: Store, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.store = store
        self._now = now

    def preview(self, path: Path | str, npsn: str) -> SiakPlan:
        """Read the list and plan it against the school's roster; writes nothing.

        Raises:
            RosterFileError: the file cannot be read (no NIK/name header …).
            KnownError: no such school, or the list has no NIK at all.
        """
        path = Path(path)
        listing = read_roster(path)
        niks = {r.nik for r in listing.rows if r.nik}
        unreadable = [r.row_number for r in listing.rows if not r.nik]
        for held in listing.held_back:
            # Only the NIK matters here: a row held back for its date or name is on the
            # list all the same; one whose NIK is wrong or damaged is not readable.
            held_nik = held.values.get("nik", "").strip()
            nik_error = any(
                ln.severity is Severity.ERROR and ln.code.startswith("nik") for ln in held.lines
            )
            if _NIK.fullmatch(held_nik) and not nik_error:
                niks.add(held_nik)
            else:
                unreadable.append(held.row_number)
        if not niks:
            raise KnownError(
                f"Tidak ada NIK yang terbaca di '{path.name}': daftar belum rekam SIAK harus "
                "punya kolom NIK (16 digit, berformat Teks) dan Nama.",
                f"No NIK could be read from '{path.name}': the SIAK list needs a NIK column "
                "(16 digits, formatted as Text) and a name column.",
                code="siak_no_nik",
            )
        plan = SiakPlan(npsn, path.name, len(niks), unreadable_rows=unreadable)
        with self.store.session() as s:
            if s.get(m.School, npsn) is None:
                raise KnownError(
                    f"Sekolah dengan NPSN {npsn} tidak ada di perangkat ini.",
                    f"No school with NPSN {npsn} on this device.",
                    code="school_not_found",
                )
            rows = s.execute(
                select(
                    m.Student.id,
                    m.Student.name,
                    m.Student.class_name,
                    m.Student.nik,
                    m.StudentState.status,
                )
                .outerjoin(m.StudentState, m.StudentState.student_id == m.Student.id)
                .where(m.Student.school_npsn == npsn, m.Student.deleted.is_(False))
                .order_by(m.Student.class_name, m.Student.name)
            ).all()
        for student_id, name, klass, nik, status in rows:
            item = SiakStudent(
                student_id, name, klass or "", Status(status) if status else Status.PENDING
            )
            if not nik:
                plan.no_nik.append(item)
            elif nik in niks:
                plan.to_record.append(item)
            elif item.status is Status.PENDING:
                plan.already.append(item)
            else:
                plan.decided.append(item)
        if unreadable:
            plan.unsure, plan.already = plan.already, []
            shown = ", ".join(str(n) for n in unreadable[:20]) + (
                " …" if len(unreadable) > 20 else ""
            )
            plan.lines.append(
                ReportLine(
                    None,
                    "NIK",
                    Severity.ERROR,
                    "siak_list_incomplete",
                    f"NIK di {len(unreadable)} baris daftar tidak terbaca (baris {shown}): "
                    "daftar tidak lengkap, jadi tidak ada siswa yang ditandai Sudah Terekam "
                    "Sebelumnya. Perbaiki kolom NIK (format Teks, 16 digit) lalu impor lagi.",
                    f"The NIK of {len(unreadable)} list rows cannot be read (rows {shown}): the "
                    "list is incomplete, so no student is marked Already recorded. Fix the NIK "
                    "column (Text format, 16 digits) and import again.",
                )
            )
        plan.lines.append(ReportLine(None, None, Severity.INFO, "siak_summary", plan.summary(), ""))
        for item in plan.already:
            plan.lines.append(
                ReportLine(
                    None,
                    None,
                    Severity.INFO,
                    "siak_absent_from_list",
                    f"Tidak ada di daftar belum rekam (sudah terekam menurut SIAK): {item.name} "
                    f"({item.class_name or '-'}).",
                    f"Not on the not-yet-recorded list (recorded per SIAK): {item.name} "
                    f"({item.class_name or '-'}).",
                )
            )
        for item in plan.no_nik:
            plan.lines.append(
                ReportLine(
                    None,
                    None,
                    Severity.WARNING,
                    "siak_no_nik",
                    f"Tanpa NIK, tidak dapat dicocokkan dengan SIAK: {item.name} "
                    f"({item.class_name or '-'}).",
                    f"No NIK, cannot be matched with SIAK: {item.name} ({item.class_name or '-'}).",
                )
            )
        return plan

    def commit(self, plan: SiakPlan, operator: str) -> int:
        """Mark the students absent from the list *Sudah Terekam Sebelumnya* (source SIAK),
        in one transaction; returns how many events were written."""
        if not plan.already:
            return 0
        now = self._now()
        note = f"Tidak ada di daftar belum rekam SIAK ({plan.file_name[:200]})"
        with self.store.transaction() as s:
            pending = {
                sid
                for sid, status in s.execute(
                    select(m.Student.id, m.StudentState.status)
                    .outerjoin(m.StudentState, m.StudentState.student_id == m.Student.id)
                    .where(m.Student.id.in_([i.student_id for i in plan.already]))
                )
                if status is None or Status(status) is Status.PENDING
            }
            drafts = [
                ledger.Draft(
                    EventKind.ALREADY_RECORDED,
                    item.student_id,
                    operator,
                    {"source": SIAK_SOURCE, "note": note},
                    plan.npsn,
                    now,
                )
                for item in plan.already
                if item.student_id in pending  # decided meanwhile: left alone
            ]
            ledger.append_local(s, drafts, device_id=self.store.device_id, clock=self.store.clock)
            for draft in drafts:
                ledger.recompute_state(s, draft.student_id)
            audit(
                s,
                operator,
                m.AuditAction.IMPORT,
                f"siak:{plan.npsn}",
                {"list_size": plan.list_size, "already_recorded": len(drafts)},
            )
        return len(drafts)


__all__ = ["SIAK_SOURCE", "SiakPlan", "SiakService", "SiakStudent"]
