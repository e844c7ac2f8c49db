"""The campaign recap for the head of office: counts per school, outcome x L/P, as a PDF.

fpdf2 draws it (pure Python, no Qt on the server; docs/decisions.md). The numbers
come from :func:`recap_rows`, which tests compare with SQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from fpdf import FPDF
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ktpe_desktop.reports.words import format_tanggal
from ktpe_server import models as m
from ktpe_server.office.campaign import CampaignSetup

GROUPS = (
    ("recorded", "Terekam"),
    ("already_recorded", "Sudah Terekam"),
    ("failed", "Gagal Rekam"),
    ("not_eligible", "Blm Cukup Umur"),
    ("absent", "Tidak Hadir"),
)


@dataclass
class RecapRow:
    npsn: str
    name: str
    target: int
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {k: {"L": 0, "P": 0, "?": 0} for k, _ in GROUPS}
    )
    ikd: int = 0

    @property
    def done(self) -> int:
        return sum(self.counts["recorded"].values()) + sum(self.counts["already_recorded"].values())

    @property
    def remaining(self) -> int:
        return max(0, self.target - self.done)


def _sex(value: str | None) -> str:
    # A student whose sex is unknown counts under L/P by nothing: shown apart in totals.
    return value if value in ("L", "P") else "?"


def recap_rows(s: Session) -> list[RecapRow]:
    """Per school (name order): target, outcome x L/P, IKD (roster and walk-ins)."""
    roster = dict(
        s.execute(
            select(m.Student.school_npsn, func.count())
            .where(m.Student.deleted.is_(False))
            .group_by(m.Student.school_npsn)
        ).all()
    )
    rows = {
        sc.npsn: RecapRow(sc.npsn, sc.name, sc.target or int(roster.get(sc.npsn, 0)))
        for sc in s.scalars(select(m.School).order_by(m.School.name))
    }
    st = m.StudentState
    for npsn, status, sex, ikd, n in s.execute(
        select(st.school_npsn, st.status, m.Student.sex, st.ikd_activated, func.count())
        .join(m.Student, m.Student.id == st.student_id)
        .where(st.school_npsn.is_not(None), st.status != "pending")
        .group_by(st.school_npsn, st.status, m.Student.sex, st.ikd_activated)
    ):
        _add(rows, npsn, status, sex, bool(ikd), int(n))
    for npsn, status, ikd, details in s.execute(
        select(st.school_npsn, st.status, st.ikd_activated, st.details)
        .outerjoin(m.Student, m.Student.id == st.student_id)
        .where(st.added_by_event_id.is_not(None), m.Student.id.is_(None))
    ):
        try:
            sex = json.loads(details or "{}").get("sex")
        except (ValueError, AttributeError):
            sex = None
        if status != "pending":
            _add(rows, npsn, status, sex, bool(ikd), 1)
    return [
        r
        for r in rows.values()
        if r.target or r.done or any(sum(c.values()) for c in r.counts.values())
    ]


def _add(
    rows: dict[str, RecapRow], npsn: str | None, status: str, sex: str | None, ikd: bool, n: int
) -> None:
    row = rows.get(npsn or "")
    if row is None or status not in row.counts:
        return
    row.counts[status][_sex(sex)] += n
    if ikd:
        row.ikd += n


def _latin(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


class _Pdf(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "I", 7)
        self.cell(0, 5, f"Halaman {self.page_no()}/{{nb}}", align="C")


def recap_pdf(setup: CampaignSetup | None, rows: list[RecapRow], today: date) -> bytes:
    """A4 landscape: letterhead, title, the table with totals, the signature block."""
    pdf = _Pdf(orientation="L", unit="mm", format="A4")
    pdf.set_title("Rekapitulasi Perekaman KTP-el Pemilih Pemula")
    pdf.set_creator("KTP-el Jemput Bola")
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    lines = list(setup.letterhead) if setup and setup.letterhead else []
    if not lines and setup:
        lines = [x for x in (setup.government_name, setup.office_name) if x]
    for i, line in enumerate(lines):
        pdf.set_font("Helvetica", "B", 13 if i < 2 else 10)
        pdf.cell(0, 6 if i < 2 else 5, _latin(line), align="C", new_x="LMARGIN", new_y="NEXT")
    if setup and setup.office_address:
        pdf.set_font("Helvetica", "", 9)
        pdf.cell(0, 5, _latin(setup.office_address), align="C", new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y() + 1
    pdf.set_line_width(0.8)
    pdf.line(10, y, 287, y)
    pdf.set_line_width(0.2)
    pdf.line(10, y + 1.2, 287, y + 1.2)
    pdf.ln(5)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(
        0,
        6,
        "REKAPITULASI PEREKAMAN KTP-el PEMILIH PEMULA",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("Helvetica", "", 10)
    if setup:
        pdf.cell(0, 5, _latin(setup.name), align="C", new_x="LMARGIN", new_y="NEXT")
        if setup.reference_date:
            pdf.cell(
                0,
                5,
                _latin(f"Hari pemungutan suara: {format_tanggal(setup.reference_date)}"),
                align="C",
                new_x="LMARGIN",
                new_y="NEXT",
            )
    pdf.cell(
        0,
        5,
        _latin(f"Keadaan per {format_tanggal(today)}"),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)

    widths = [8, 62, 16] + [13] * (2 * len(GROUPS)) + [14, 16, 14]

    def header() -> None:
        pdf.set_font("Helvetica", "B", 7)
        pdf.set_fill_color(230, 236, 242)
        x0, y0 = pdf.get_x(), pdf.get_y()
        for w, text in zip(widths[:3], ("No", "Sekolah (NPSN)", "Sasaran"), strict=True):
            pdf.cell(w, 10, text, border=1, align="C", fill=True)
        for _k, label in GROUPS:
            pdf.cell(26, 5, label, border=1, align="C", fill=True)
        for w, text in zip(widths[-3:], ("IKD", "Jml Rekam", "Sisa"), strict=True):
            pdf.cell(w, 10, text, border=1, align="C", fill=True)
        pdf.set_xy(x0 + sum(widths[:3]), y0 + 5)
        for _ in GROUPS:
            pdf.cell(13, 5, "L", border=1, align="C", fill=True)
            pdf.cell(13, 5, "P", border=1, align="C", fill=True)
        pdf.set_xy(x0, y0 + 10)

    header()
    total = RecapRow("", "JUMLAH", 0)
    pdf.set_font("Helvetica", "", 7)
    for i, row in enumerate(rows, 1):
        if pdf.get_y() > 180:
            pdf.add_page()
            header()
            pdf.set_font("Helvetica", "", 7)
        cells = [
            str(i),
            _latin(f"{row.name} ({row.npsn})")[:48],
            f"{row.target:,}".replace(",", "."),
        ]
        for k, _label in GROUPS:
            cells += [str(row.counts[k]["L"]), str(row.counts[k]["P"])]
        cells += [str(row.ikd), str(row.done), str(row.remaining)]
        for j, (w, text) in enumerate(zip(widths, cells, strict=True)):
            pdf.cell(w, 5, text, border=1, align="L" if j == 1 else "R")
        pdf.ln()
        total.target += row.target
        total.ikd += row.ikd
        for k, _label in GROUPS:
            for sx in ("L", "P", "?"):
                total.counts[k][sx] += row.counts[k][sx]
    done_total = sum(r.done for r in rows)
    remaining_total = sum(r.remaining for r in rows)
    pdf.set_font("Helvetica", "B", 7)
    cells = ["", "JUMLAH", f"{total.target:,}".replace(",", ".")]
    for k, _label in GROUPS:
        cells += [str(total.counts[k]["L"]), str(total.counts[k]["P"])]
    cells += [str(total.ikd), str(done_total), str(remaining_total)]
    for j, (w, text) in enumerate(zip(widths, cells, strict=True)):
        pdf.cell(w, 5, text, border=1, align="L" if j == 1 else "R")
    pdf.ln(7)
    unknown = sum(total.counts[k]["?"] for k, _ in GROUPS)
    pdf.set_font("Helvetica", "", 8)
    if unknown:
        pdf.multi_cell(
            0,
            4,
            f"Catatan: {unknown} siswa tanpa data jenis kelamin dihitung pada Jumlah Rekam dan Sisa, "
            "tetapi tidak pada kolom L/P.",
        )
    pdf.multi_cell(
        0,
        4,
        "Jumlah Rekam = Terekam + Sudah Terekam. Sisa = Sasaran - Jumlah Rekam. Angka menurut "
        "catatan yang telah diterima server dari seluruh perangkat tim.",
    )
    # Signature block (kept together on one page).
    if pdf.get_y() > 150:
        pdf.add_page()
    pdf.ln(4)
    x = 190
    pdf.set_x(x)
    place = "Malang"
    pdf.cell(
        90,
        5,
        _latin(f"{place}, {format_tanggal(today, with_day=False)}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_x(x)
    office = (
        setup.office_name
        if setup and setup.office_name
        else "Dinas Kependudukan dan Pencatatan Sipil"
    )
    pdf.multi_cell(
        90,
        5,
        _latin(f"Kepala {office.title() if office.isupper() else office}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(20)
    pdf.set_x(x)
    pdf.set_font("Helvetica", "BU", 9)
    name = setup.head_name if setup and setup.head_name else "(.................................)"
    pdf.cell(90, 5, _latin(name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    if setup and setup.head_nip:
        pdf.set_x(x)
        pdf.cell(90, 5, f"NIP. {setup.head_nip}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
