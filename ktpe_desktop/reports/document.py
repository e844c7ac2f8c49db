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
from dataclasses import dataclass

from ktpe_desktop.core.events import Status
from ktpe_desktop.reports.data import (
    AckStatus,
    DailyReport,
    DailySchoolRow,
    SchoolReport,
    SexCount,
    Signatory,
)
from ktpe_desktop.reports.labels import STATUS_LABELS, STATUS_ORDER, STATUS_SHORT
from ktpe_desktop.reports.template import Html, Segment, escape, render_template
from ktpe_desktop.reports.words import (
    format_angka,
    format_tanggal,
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


@dataclass(frozen=True, slots=True)
class HtmlSpec:
    html: str


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


@dataclass(frozen=True, slots=True)
class DocumentSpec:
    title: str  # the PDF's title metadata
    blocks: tuple[BlockSpec, ...]
    footer: FooterSpec
    landscape: bool = False
    font_pt: float = 12.0


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


def _footer(document: str, device_id: str, printed_text: str, sync: AckStatus) -> FooterSpec:
    return FooterSpec(
        document=document,
        device_line=f"Perangkat: {device_id} · Dicetak: {printed_text}",
        receipt_line=sync.text(),
        receipt_alarm=not sync.synced,
    )


def _blocks(
    segments: Sequence[Segment], tables: Mapping[str, Callable[[], TableSpec]]
) -> tuple[BlockSpec, ...]:
    out: list[BlockSpec] = []
    for seg in segments:
        if seg.kind == "html":
            out.append(HtmlSpec(seg.value))
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
            Column("Nama Siswa", 5.0),
            Column("Kelas", 2.0),
            Column("Anomali", 5.0),
            Column("Status", 2.2),
        ),
        rows,
        font_pt=10.5,
    )


def berita_acara_values(report: SchoolReport) -> dict[str, object]:
    school = report.school
    pending = len(report.follow_up)
    open_anomalies = sum(1 for a in report.anomalies if not a.resolved)
    values: dict[str, object] = {
        "government_name": report.letterhead.government_name.upper(),
        "office_name": report.letterhead.office_name.upper(),
        "office_address": report.letterhead.office_address,
        "title": upper_title(report.title),
        "number": report.number,
        "tanggal_kalimat": kalimat_tanggal(report.report_date),
        "tanggal": format_tanggal(report.report_date, with_day=False),
        "place": report.place,
        "office_name_title": report.letterhead.office_name,
        "school_name": school.name,
        "npsn": school.npsn,
        "school_address": school_address(report),
        "roster_total": _n(report.roster.total),
        "target": _n(school.target),
        "achieved": _n(report.achieved),
        "achieved_pct": persen(report.achieved, school.target),
        "recorded": _n(report.outcome(Status.RECORDED).total),
        "ikd_total": _n(report.ikd.total),
        "pending_total": _n(pending),
        "anomaly_total": _n(len(report.anomalies)),
        "anomaly_open": _n(open_anomalies),
    }
    values.update(_signature_values("kepsek", report.kepala_sekolah))
    values.update(_signature_values("petugas", report.petugas))
    return values


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
    return DocumentSpec(
        title=f"Berita Acara {report.school.name} ({report.school.npsn})",
        blocks=_blocks(segments, tables),
        footer=_footer(
            f"Berita Acara Nomor {report.number} · {report.school.name}",
            report.device_id,
            format_waktu(report.printed_at),
            report.sync,
        ),
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
