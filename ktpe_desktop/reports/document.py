"""The printed shape of each report, as plain data (Qt-free).

:func:`berita_acara` and :func:`rekap_harian` turn a report's dataclass into a
:class:`DocumentSpec`: the filled template's HTML blocks, the tables (columns and
rows of text), the rules and page breaks, and the running footer. The renderer
(:mod:`ktpe_desktop.reports.render`) only lays that out on paper, so every word
and number of a document can be tested without Qt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ktpe_desktop.core.events import Status
from ktpe_desktop.reports.data import (
    AckStatus,
    DailyReport,
    DailySchoolRow,
    SchoolReport,
    SexCount,
    Signatory,
    TeamMember,
    Visit,
)
from ktpe_desktop.reports.labels import STATUS_LABELS, STATUS_ORDER, STATUS_SHORT
from ktpe_desktop.reports.template import Html, Segment, escape, render_template
from ktpe_desktop.reports.words import (
    format_angka,
    format_jam,
    format_tanggal,
    format_tanggal_angka,
    format_waktu,
    kalimat_tanggal,
    persen,
)

BERITA_ACARA_TEMPLATE = "berita_acara.html"
REKAP_HARIAN_TEMPLATE = "rekap_harian.html"

#: What a blank name / NIP prints as (to be filled in by hand).
BLANK_NAME = "(" + "." * 44 + ")"
BLANK_NIP = "." * 36
EMPTY_TABLE_TEXT = "Nihil"


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    weight: float  # share of the table's width
    align: str = "left"  # "left" | "center" | "right"


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[str, ...]
    bold: bool = False


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    font_pt: float = 11.0
    empty_text: str = EMPTY_TABLE_TEXT
    #: Printed above the header row when the table goes on over a page ("… (lanjutan)").
    caption: str = ""
    #: The least height of a body row (room for a signature), 0 for the text's height.
    row_min_mm: float = 0.0


@dataclass(frozen=True, slots=True)
class HtmlSpec:
    html: str
    signatures: bool = False  # the signed block: the other pages get paraf boxes
    #: When the block must start a new page, the last rows of the table before it go
    #: with it (a signature block is never alone on a page, away from its list).
    keep_rows: int = 0
    #: Kept on one page with the next block (a heading over a heading, "@keepnext");
    #: a block right before a table is always kept with the table's first rows.
    keep_with_next: bool = False


@dataclass(frozen=True, slots=True)
class RuleSpec:
    style: str = "double"  # "double" (kop: thick over thin) | "single"


@dataclass(frozen=True, slots=True)
class SpaceSpec:
    mm: float


@dataclass(frozen=True, slots=True)
class PageBreakSpec:
    pass


BlockSpec = HtmlSpec | TableSpec | RuleSpec | SpaceSpec | PageBreakSpec


@dataclass(frozen=True, slots=True)
class FooterSpec:
    """The running footer; the renderer adds "Halaman X dari Y" on the right."""

    document: str  # e.g. "Berita Acara Nomor 474/BA-01/… · SMAN 1"
    device_line: str  # "Perangkat … · Dicetak …"
    receipt_line: str
    receipt_alarm: bool  # True: "BELUM TERSINKRON", printed bold
    #: Initials boxes painted on every page without the signatures (e.g. the parties).
    paraf: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentSpec:
    title: str  # the PDF's title metadata
    blocks: tuple[BlockSpec, ...]
    footer: FooterSpec
    landscape: bool = False
    font_pt: float = 12.0
    #: Images the HTML refers to as ``<img src="NAME">``: QR matrices (rows of dark
    #: modules, quiet zone included), drawn by the renderer.
    qr_codes: Mapping[str, tuple[tuple[bool, ...], ...]] = field(default_factory=dict)


def page_label(page: int, pages: int) -> str:
    return f"Halaman {page} dari {pages}"


def upper_title(text: str) -> str:
    """A title in capitals, keeping the product's own spelling ("KTP-el", "IKD")."""
    return text.upper().replace("KTP-EL", "KTP-el")


def _n(value: int) -> str:
    return format_angka(value)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def school_address(report: SchoolReport) -> str:
    parts = [_clean(report.school.address)]
    if report.school.kecamatan:
        parts.append(f"Kecamatan {_clean(report.school.kecamatan)}")
    return ", ".join(p for p in parts if p)


def _signature_values(prefix: str, who: Signatory) -> dict[str, object]:
    return {
        f"{prefix}_title": who.title,
        f"{prefix}_name": Html(f"<b><u>{escape(who.name)}</u></b>") if who.name else BLANK_NAME,
        f"{prefix}_nip": who.nip or BLANK_NIP,
    }


def _footer(
    document: str,
    device_id: str,
    printed_text: str,
    sync: AckStatus,
    paraf: tuple[str, ...] = (),
) -> FooterSpec:
    return FooterSpec(
        document=document,
        device_line=f"Perangkat: {device_id} · Dicetak: {printed_text}",
        receipt_line=sync.text(),
        receipt_alarm=not sync.synced,
        paraf=paraf,
    )


def _blocks(
    segments: Sequence[Segment], tables: Mapping[str, Callable[[], TableSpec]]
) -> tuple[BlockSpec, ...]:
    out: list[BlockSpec] = []
    signatures_next = False
    keep_rows = 0
    keep_next = False
    for seg in segments:
        if seg.kind == "signatures":
            signatures_next = True
        elif seg.kind == "keeprows":
            keep_rows = int(seg.value.strip() or "2")
        elif seg.kind == "keepnext":
            keep_next = True
        elif seg.kind == "html":
            out.append(
                HtmlSpec(
                    seg.value,
                    signatures=signatures_next,
                    keep_rows=keep_rows,
                    keep_with_next=keep_next,
                )
            )
            signatures_next = False
            keep_rows = 0
            keep_next = False
        elif seg.kind == "table":
            out.append(tables[seg.value.strip()]())
        elif seg.kind == "rule":
            out.append(RuleSpec(seg.value.strip() or "double"))
        elif seg.kind == "space":
            out.append(SpaceSpec(float(seg.value.strip() or "4")))
        elif seg.kind == "pagebreak":
            out.append(PageBreakSpec())
        else:
            raise ValueError(f"unknown template marker @{seg.kind}")
    return tuple(out)


# --------------------------------------------------------------------------- Berita Acara


def _by_sex(no: str, label: str, count: SexCount, *, bold: bool = False) -> Row:
    """A row of ``No | label | L | P | Jumlah``."""
    return Row((no, label, _n(count.male), _n(count.female), _n(count.total)), bold=bold)


def outcome_table(report: SchoolReport) -> TableSpec:
    rows = [_by_sex(str(i), o.label, o.count) for i, o in enumerate(report.outcomes, 1)]
    rows.append(_by_sex("", "Jumlah siswa dalam daftar", report.roster, bold=True))
    rows.append(_by_sex("", "Aktivasi IKD (Identitas Kependudukan Digital)", report.ikd))
    return TableSpec(
        "outcomes",
        (
            Column("No", 0.7, "center"),
            Column("Hasil Pelayanan", 6.0),
            Column("L", 1.2, "center"),
            Column("P", 1.2, "center"),
            Column("Jumlah", 1.5, "center"),
        ),
        tuple(rows),
    )


def reason_table(report: SchoolReport) -> TableSpec:
    rows = [
        Row((str(i), STATUS_LABELS[r.status], r.label, _n(r.count)))
        for i, r in enumerate(report.reasons, 1)
    ]
    return TableSpec(
        "reasons",
        (
            Column("No", 0.7, "center"),
            Column("Hasil", 3.0),
            Column("Alasan", 5.0),
            Column("Jumlah", 1.5, "center"),
        ),
        tuple(rows),
    )


_CLASS_STATUSES = STATUS_ORDER


def class_table(report: SchoolReport) -> TableSpec:
    rows = [
        Row(
            (
                str(i),
                c.class_name,
                _n(c.total),
                *(_n(c.count(s)) for s in _CLASS_STATUSES),
                _n(c.ikd),
            )
        )
        for i, c in enumerate(report.classes, 1)
    ]
    if report.classes:
        rows.append(
            Row(
                (
                    "",
                    "Jumlah",
                    _n(report.roster.total),
                    *(_n(report.outcome(s).total) for s in _CLASS_STATUSES),
                    _n(report.ikd.total),
                ),
                bold=True,
            )
        )
    return TableSpec(
        "classes",
        (
            Column("No", 0.8, "center"),
            Column("Kelas (Rombel)", 2.6),
            Column("Jumlah Siswa", 1.4, "center"),
            *(Column(STATUS_SHORT[s], 1.4, "center") for s in _CLASS_STATUSES),
            Column("IKD", 1.1, "center"),
        ),
        tuple(rows),
        font_pt=10.0,
        caption="Lampiran I – Rekapitulasi per Kelas (Rombel) (lanjutan)",
    )


def follow_up_table(report: SchoolReport) -> TableSpec:
    rows = tuple(
        Row((str(i), s.name, s.sex or "–", s.class_name or "–", s.keterangan))
        for i, s in enumerate(report.follow_up, 1)
    )
    return TableSpec(
        "follow_up",
        (
            Column("No", 0.9, "center"),
            Column("Nama Siswa", 6.0),
            Column("L/P", 0.8, "center"),
            Column("Kelas", 2.0),
            Column("Keterangan", 4.6),
        ),
        rows,
        font_pt=10.5,
        caption="Lampiran II – Daftar Siswa Belum Terekam (lanjutan)",
    )


def anomaly_table(report: SchoolReport) -> TableSpec:
    rows = tuple(
        Row(
            (
                str(i),
                a.student_name,
                a.class_name or "–",
                a.label,
                "Selesai" if a.resolved else "Belum ditinjau",
            )
        )
        for i, a in enumerate(report.anomalies, 1)
    )
    return TableSpec(
        "anomalies",
        (
            Column("No", 0.9, "center"),
            Column("Nama Siswa", 4.8),
            Column("Kelas", 1.8),
            Column("Anomali", 5.0),
            Column("Status", 2.6),
        ),
        rows,
        font_pt=10.5,
        caption="Lampiran III – Daftar Anomali Data (lanjutan)",
    )


PARTY_FIRST = "PIHAK PERTAMA"
PARTY_SECOND = "PIHAK KEDUA"
#: What a party without a NIP prints in the NIP line of a form to fill in by hand.
RECEIPT_QR = "qr:receipt"


def office_of_place(report: SchoolReport | DailyReport) -> str:
    """``"Dinas Kependudukan dan Pencatatan Sipil Kota Malang"``: the office with its
    city unless the letterhead's office line already names it."""
    office = _clean(report.letterhead.office_name)
    government = _clean(report.letterhead.government_name)
    if report.place and report.place.lower() in office.lower():
        return office
    region = government
    for prefix in ("Pemerintah ",):
        if region.lower().startswith(prefix.lower()):
            region = region[len(prefix) :]
    return f"{office} {region or report.place}".strip()


def jabatan_petugas(report: SchoolReport) -> str:
    """The team lead's position: ``Koordinator Tim Jemput Bola <office of the city>``."""
    return f"Koordinator Tim Jemput Bola {office_of_place(report)}"


def _party_rows(no: str, who: Signatory, jabatan: str, party: str) -> str:
    def line(label: str, value: str) -> str:
        return (
            f"<tr><td width='22'>{escape(no) if label == 'Nama' else ''}</td>"
            f"<td width='70'>{escape(label)}</td><td width='12'>:</td>"
            f"<td>{value}</td></tr>"
        )

    name = f"<b>{escape(who.name)}</b>" if who.name else escape(BLANK_NAME)
    rows = [line("Nama", name)]
    if who.nip:
        rows.append(line("NIP", escape(who.nip)))
    elif who.nip_line:
        rows.append(line("NIP", escape(BLANK_NIP)))
    rows.append(line("Jabatan", escape(jabatan)))
    rows.append(
        f"<tr><td></td><td colspan='3'>selanjutnya disebut <b>{escape(party)}</b>.</td></tr>"
    )
    return "".join(rows)


def parties_html(report: SchoolReport) -> Html:
    """The two parties, in the usual form (name, NIP when there is one, position)."""
    first = _party_rows("1.", report.petugas, jabatan_petugas(report), PARTY_FIRST)
    second = _party_rows("2.", report.kepala_sekolah, report.kepala_sekolah.title, PARTY_SECOND)
    return Html(
        "<table cellspacing='0' cellpadding='1' style='margin-left:12mm;'>"
        f"{first}<tr><td colspan='4' style='font-size:4pt;'>&nbsp;</td></tr>{second}</table>"
    )


def team_html(team: Sequence[TeamMember]) -> Html:
    """The team members who served, numbered (a NIP when known)."""
    if not team:
        return Html("<p style='margin:0; margin-left:12mm;'>–</p>")
    rows = "".join(
        f"<tr><td width='22'>{i}.</td><td>{escape(m.name)}"
        + (f" (NIP. {escape(m.nip)})" if m.nip else "")
        + "</td></tr>"
        for i, m in enumerate(team, 1)
    )
    return Html(f"<table cellspacing='0' cellpadding='1' style='margin-left:12mm;'>{rows}</table>")


def service_hours(visit: Visit) -> str:
    """``"Rabu, 27 November 2024 pukul 07.45–13.10 WIB"`` for each day of the visit."""
    parts = []
    for day in visit.days:
        text = format_tanggal(day.day)
        if day.start is not None and day.end is not None:
            text += f" pukul {format_jam(day.start)}–{format_jam(day.end)} WIB"
        parts.append(text)
    if len(parts) == 1:
        return parts[0]
    return "; ".join(parts[:-1]) + "; dan " + parts[-1]


def visit_span(visit: Visit) -> str:
    """``"27 November 2024"`` or ``"27 s.d. 28 November 2024"``."""
    first, last = visit.first_day, visit.last_day
    if first == last:
        return format_tanggal(first, with_day=False)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day} s.d. {format_tanggal(last, with_day=False)}"
    return f"{format_tanggal(first, with_day=False)} s.d. {format_tanggal(last, with_day=False)}"


def totals_html(report: SchoolReport) -> Html:
    """The recap's totals, on the signed page (a small bordered table)."""
    heads = ["Jumlah Siswa", *(STATUS_SHORT[s] for s in STATUS_ORDER), "IKD"]
    values = [report.roster.total, *(report.outcome(s).total for s in STATUS_ORDER)]
    values.append(report.ikd.total)
    head = "".join(f"<td align='center' bgcolor='#e8e8e8'><b>{escape(h)}</b></td>" for h in heads)
    cells = "".join(f"<td align='center'>{escape(_n(v))}</td>" for v in values)
    return Html(
        "<table width='100%' border='1' cellspacing='0' cellpadding='2' "
        "style='border-collapse:collapse; border-color:#000; font-size:9.5pt;'>"
        f"<tr>{head}</tr><tr>{cells}</tr></table>"
    )


def receipt_text(report: SchoolReport) -> str:
    """The receipt code as printed beside the QR code (a space after each ``|`` so it
    wraps; the office's page ignores spaces)."""
    return report.receipt_code().text().replace("|", "| ")


def copy_line(report: SchoolReport) -> str:
    """``SALINAN — dicetak ulang …; asli dicetak …`` for a reprint, else ``""``."""
    if report.original is None:
        return ""
    return (
        f"SALINAN – dicetak ulang {format_waktu(report.printed_at)}; "
        f"asli dicetak {format_waktu(report.original.issued_at)}"
    )


def berita_acara_values(report: SchoolReport) -> dict[str, object]:
    school = report.school
    pending = len(report.follow_up)
    open_anomalies = sum(1 for a in report.anomalies if not a.resolved)
    follow_up_parts = ", ".join(
        f"{STATUS_LABELS[s]} {_n(report.outcome(s).total)}"
        for s in (Status.FAILED, Status.NOT_ELIGIBLE, Status.ABSENT, Status.PENDING)
    )
    copy = copy_line(report)
    values: dict[str, object] = {
        "government_name": report.letterhead.government_name.upper(),
        "office_name": report.letterhead.office_name.upper(),
        "office_address": report.letterhead.office_address,
        "title": upper_title(report.title),
        "number": report.number,
        "copy_line": Html(
            f"<p align='center' style='margin:0; font-size:10pt;'><b>{escape(copy)}</b></p>"
            if copy
            else ""
        ),
        "tanggal_kalimat": kalimat_tanggal(report.report_date),
        "tanggal_angka": format_tanggal_angka(report.report_date),
        "tanggal": format_tanggal(report.report_date, with_day=False),
        "place": report.place,
        "office_name_title": office_of_place(report),
        "school_name": school.name,
        "npsn": school.npsn,
        "school_address": school_address(report),
        "parties": parties_html(report),
        "team": team_html(report.team),
        "service_hours": service_hours(report.visit),
        "visit_span": visit_span(report.visit),
        "roster_total": _n(report.roster.total),
        "target": _n(school.target),
        "achieved": _n(report.achieved),
        "achieved_pct": persen(report.achieved, school.target),
        "recorded": _n(report.outcome(Status.RECORDED).total),
        "ikd_total": _n(report.ikd.total),
        "pending_total": _n(pending),
        "pending_parts": follow_up_parts,
        "not_served": _n(report.outcome(Status.PENDING).total),
        "anomaly_total": _n(len(report.anomalies)),
        "anomaly_open": _n(open_anomalies),
        "totals": totals_html(report),
        "receipt_code": receipt_text(report),
        "receipt_status": report.sync.text(),
        "qr": RECEIPT_QR,
    }
    values.update(_signature_values("kepsek", report.kepala_sekolah))
    values.update(_signature_values("petugas", report.petugas))
    values["kepsek_nip_line"] = Html(
        f"<br/>NIP. {escape(report.kepala_sekolah.nip or BLANK_NIP)}"
        if report.kepala_sekolah.nip_line
        else ""
    )
    values["petugas_nip_line"] = Html(
        f"<br/>NIP. {escape(report.petugas.nip or BLANK_NIP)}" if report.petugas.nip_line else ""
    )
    return values


def qr_matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code of ``text`` (error correction M, quiet zone of 2 modules)."""
    import segno

    # A fixed data mask: choosing the best of the eight costs ~0.2 s of pure Python per
    # paper (segno scores each), and any mask gives a valid, readable code.
    code = segno.make(text, error="m", micro=False, boost_error=False, mask=4)
    return tuple(tuple(bool(v) for v in row) for row in code.matrix_iter(scale=1, border=2))


def berita_acara(report: SchoolReport) -> DocumentSpec:
    """The Berita Acara of one school, ready to lay out."""
    segments = render_template(BERITA_ACARA_TEMPLATE, berita_acara_values(report))
    tables: dict[str, Callable[[], TableSpec]] = {
        "outcomes": lambda: outcome_table(report),
        "reasons": lambda: reason_table(report),
        "classes": lambda: class_table(report),
        "follow_up": lambda: follow_up_table(report),
        "anomalies": lambda: anomaly_table(report),
    }
    document_line = f"Berita Acara Nomor {report.number} · {report.school.name}"
    if report.is_copy:
        document_line = f"SALINAN · {document_line}"
    return DocumentSpec(
        title=f"Berita Acara {report.school.name} ({report.school.npsn})",
        blocks=_blocks(segments, tables),
        footer=_footer(
            document_line,
            report.device_id,
            format_waktu(report.printed_at),
            report.sync,
            paraf=(PARTY_FIRST, PARTY_SECOND),
        ),
        qr_codes={RECEIPT_QR: qr_matrix(report.receipt_code().text())},
    )


# --------------------------------------------------------------------------- daily recap

DAILY_STATUSES = STATUS_ORDER


def daily_table(report: DailyReport) -> TableSpec:
    def cells(row: DailySchoolRow, no: str) -> tuple[str, ...]:
        return (
            no,
            row.npsn,
            row.name,
            _n(row.target),
            _n(row.roster),
            *(_n(row.count(s)) for s in DAILY_STATUSES),
            _n(row.ikd),
            _n(row.decided_today),
            persen(row.achieved, row.target),
        )

    rows = [Row(cells(r, str(i))) for i, r in enumerate(report.rows, 1)]
    if report.rows:
        rows.append(Row(cells(report.totals, ""), bold=True))
    return TableSpec(
        "schools",
        (
            Column("No", 0.7, "center"),
            Column("NPSN", 1.6, "center"),
            Column("Sekolah", 4.0),
            Column("Target", 1.2, "center"),
            Column("Jumlah Siswa", 1.2, "center"),
            *(Column(STATUS_SHORT[s], 1.3, "center") for s in DAILY_STATUSES),
            Column("IKD", 1.0, "center"),
            Column("Diproses Hari Ini", 1.3, "center"),
            Column("Capaian Target", 1.3, "center"),
        ),
        tuple(rows),
        font_pt=10.0,
        caption="Rekapitulasi Harian (lanjutan)",
    )


def rekap_harian_values(report: DailyReport) -> dict[str, object]:
    totals = report.totals
    values: dict[str, object] = {
        "government_name": report.letterhead.government_name.upper(),
        "office_name": report.letterhead.office_name.upper(),
        "office_address": report.letterhead.office_address,
        "title": upper_title(report.title),
        "number": report.number,
        "hari_tanggal": format_tanggal(report.day),
        "tanggal": format_tanggal(report.day, with_day=False),
        "place": report.place,
        "device_id": report.device_id,
        "school_count": _n(len(report.rows)),
        "target": _n(totals.target),
        "roster_total": _n(totals.roster),
        "achieved": _n(totals.achieved),
        "achieved_pct": persen(totals.achieved, totals.target),
        "decided_today": _n(totals.decided_today),
    }
    values.update(_signature_values("koordinator", report.koordinator))
    return values


def rekap_harian(report: DailyReport) -> DocumentSpec:
    """The team's daily recap, ready to lay out (landscape)."""
    segments = render_template(REKAP_HARIAN_TEMPLATE, rekap_harian_values(report))
    return DocumentSpec(
        title=f"Rekapitulasi Harian {format_tanggal(report.day)}",
        blocks=_blocks(segments, {"schools": lambda: daily_table(report)}),
        footer=_footer(
            f"Rekapitulasi Harian Nomor {report.number}",
            report.device_id,
            format_waktu(report.printed_at),
            report.sync,
        ),
        landscape=True,
    )
