"""The words of the glossary (DESIGN.md) for statuses, event kinds and reasons.

Marked with :func:`noop` here and translated where shown, so switching language
needs no restart of this module.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtGui import QColor

from ktpe_desktop.core.codes import EventKind, FailReason, NotEligibleReason, Status
from ktpe_desktop.reports.words import format_tanggal
from ktpe_desktop.ui.i18n import current_language, noop, tr

STATUS_LABELS: dict[str, str] = {
    Status.PENDING: noop("Belum"),
    Status.RECORDED: noop("Terekam"),
    Status.ALREADY_RECORDED: noop("Sudah Terekam Sebelumnya"),
    Status.ABSENT: noop("Tidak Hadir"),
    Status.NOT_ELIGIBLE: noop("Belum Cukup Umur"),
    Status.FAILED: noop("Gagal Rekam"),
}

#: Text and background colours of a status (calm, readable, colour-blind safe enough
#: because the word is always shown too).
STATUS_COLORS: dict[str, tuple[str, str]] = {
    Status.PENDING: ("#37474f", "#eceff1"),
    Status.RECORDED: ("#1b5e20", "#c8e6c9"),
    Status.ALREADY_RECORDED: ("#0d47a1", "#bbdefb"),
    Status.ABSENT: ("#5d4037", "#ffe0b2"),
    Status.NOT_ELIGIBLE: ("#4a148c", "#e1bee7"),
    Status.FAILED: ("#b71c1c", "#ffcdd2"),
}

#: Why the server refused an event (its stable codes, docs/sync-protocol.md), in the
#: user's words; the server's own message is English and for the office admin.
REFUSAL_LABELS: dict[str, str] = {
    "unknown_device": noop("Perangkat asal belum terdaftar di server"),
    "other_team": noop("Perangkat asal milik tim lain"),
    "content_differs": noop("Server menyimpan isi lain untuk kejadian ini"),
    "missing_seq": noop("Kejadian sebelumnya dari laptop ini belum ada di server"),
    "bad_prev_hash": noop("Rantai kejadian tidak cocok dengan server"),
    "bad_hash": noop("Isi kejadian tidak cocok dengan hash-nya"),
    "after_broken_link": noop("Kejadian sebelumnya dalam kiriman ini memutus rantai"),
    "unknown_student": noop("Siswa tidak dikenal server"),
    "school_not_assigned": noop("Sekolah siswa tidak ditugaskan ke tim ini"),
    "unknown_school": noop("NPSN sekolah tidak dikenal server"),
    "unsigned": noop("Tanda tangan perangkat tidak ada atau tidak sah"),
    "bad_signature": noop("Tanda tangan perangkat tidak ada atau tidak sah"),
    "student_history_full": noop("Riwayat siswa sudah mencapai batas"),
    "device_revoked": noop("Perangkat asal sudah dicabut"),
    "clock_ahead": noop("Waktu kejadian di depan jam server (jam laptop salah?)"),
    "before_campaign": noop("Waktu kejadian sebelum kampanye dimulai (jam laptop salah?)"),
}


def refusal_label(code: str, raw: str) -> str:
    """The reason a refused event is shown with: ours for a known code, else the raw text."""
    label = REFUSAL_LABELS.get(code)
    return f"{tr(label)} ({code})" if label else raw


KIND_LABELS: dict[str, str] = {
    EventKind.RECORDED: noop("Terekam"),
    EventKind.ALREADY_RECORDED: noop("Sudah Terekam Sebelumnya"),
    EventKind.ABSENT: noop("Tidak Hadir"),
    EventKind.NOT_ELIGIBLE: noop("Belum Cukup Umur"),
    EventKind.FAILED: noop("Gagal Rekam"),
    EventKind.IKD_ACTIVATED: noop("Aktivasi IKD"),
    EventKind.STUDENT_ADDED: noop("Siswa ditambahkan"),
    EventKind.DETAILS_CORRECTED: noop("Data dikoreksi"),
    EventKind.VOIDED: noop("Dibatalkan"),
}

FAIL_REASON_LABELS: dict[str, str] = {
    FailReason.NO_KK: noop("Tidak ada KK"),
    FailReason.DATA_MISMATCH: noop("Data tidak sesuai"),
    FailReason.SIAK_OFFLINE: noop("SIAK luring"),
    FailReason.DEVICE_ERROR: noop("Perangkat bermasalah"),
    FailReason.OTHER: noop("Lainnya"),
}

NOT_ELIGIBLE_LABELS: dict[str, str] = {
    NotEligibleReason.UNDER_AGE: noop("Belum cukup umur"),
    NotEligibleReason.NOT_A_RESIDENT: noop("Bukan penduduk Kota Malang"),
    NotEligibleReason.OTHER: noop("Lainnya"),
}

ROLE_LABELS: dict[str, str] = {"lead": noop("Koordinator"), "operator": noop("Petugas")}

ANOMALY_LABELS: dict[str, str] = {
    "recorded_twice": noop("Terekam dua kali"),
    "recorded_and_not_eligible": noop("Terekam tetapi juga ditandai belum cukup umur"),
    "recorded_and_already_recorded": noop("Terekam dan juga sudah terekam sebelumnya"),
    "ikd_without_card": noop("Aktivasi IKD tanpa perekaman"),
    "void_of_void": noop("Pembatalan atas pembatalan"),
    "void_other_student": noop("Pembatalan untuk siswa lain"),
    "duplicate_identifier": noop("Siswa baru dengan NISN/NIK milik siswa lain"),
}

_DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def status_label(status: str) -> str:
    return tr(STATUS_LABELS.get(status, status))


def kind_label(kind: str) -> str:
    return tr(KIND_LABELS.get(kind, kind))


def reason_label(kind: str, reason: str | None) -> str:
    if not reason:
        return ""
    table = FAIL_REASON_LABELS if kind in (EventKind.FAILED, Status.FAILED) else NOT_ELIGIBLE_LABELS
    return tr(table.get(reason, reason))


def long_date(day: date) -> str:
    """``Rabu, 27 November 2024`` (or ``Wednesday, 27 November 2024`` in English)."""
    if current_language() == "en":
        return f"{_DAYS_EN[day.weekday()]}, {day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return format_tanggal(day)


def short_date(day: date | None) -> str:
    return day.strftime("%d-%m-%Y") if day else ""


def local_time(ts: datetime | None) -> str:
    """``HH:MM`` in the laptop's time zone."""
    if ts is None:
        return ""
    return ts.astimezone().strftime("%H:%M")


def local_datetime(ts: datetime | None) -> str:
    if ts is None:
        return ""
    return ts.astimezone().strftime("%d-%m-%Y %H:%M:%S")


def status_colors(status: str) -> tuple[QColor, QColor]:
    fg, bg = STATUS_COLORS.get(status, STATUS_COLORS[Status.PENDING])
    return QColor(fg), QColor(bg)


def mask_nik(nik: str | None) -> str:
    """``••••••••••••1234``: only the last 4 digits visible."""
    if not nik:
        return ""
    return "•" * max(0, len(nik) - 4) + nik[-4:]


def sex_label(sex: str | None) -> str:
    """L/P as the roster writes it; M/F in the English UI."""
    if not sex:
        return ""
    if current_language() == "en":
        return {"L": "M", "P": "F"}.get(sex, sex)
    return sex
