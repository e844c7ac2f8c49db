"""The words the reports print for statuses, reasons and anomalies (Bahasa Indonesia).

Kept apart from the UI's translations on purpose: a Berita Acara is an official
document written in Indonesian whatever the UI language is. The reasons and the
anomalies read exactly as the operator chose them in the UI (``ui/labels.py``,
Indonesian): a test holds the two lists equal.
"""

from __future__ import annotations

from collections.abc import Mapping

from ktpe_desktop.core.events import AnomalyCode, FailReason, NotEligibleReason, Status

#: The order of the rows of the outcome table (the precedence order, highest first).
STATUS_ORDER: tuple[Status, ...] = (
    Status.RECORDED,
    Status.ALREADY_RECORDED,
    Status.FAILED,
    Status.NOT_ELIGIBLE,
    Status.ABSENT,
    Status.PENDING,
)

STATUS_LABELS: Mapping[Status, str] = {
    Status.RECORDED: "Terekam",
    Status.ALREADY_RECORDED: "Sudah Terekam Sebelumnya",
    Status.FAILED: "Gagal Rekam",
    Status.NOT_ELIGIBLE: "Tidak Memenuhi Syarat",
    Status.ABSENT: "Tidak Hadir",
    Status.PENDING: "Belum Diproses",
}

#: Short column headings for narrow tables.
STATUS_SHORT: Mapping[Status, str] = {
    Status.RECORDED: "Terekam",
    Status.ALREADY_RECORDED: "Sudah Terekam",
    Status.FAILED: "Gagal",
    Status.NOT_ELIGIBLE: "Tdk. Memenuhi Syarat",
    Status.ABSENT: "Tidak Hadir",
    Status.PENDING: "Belum Diproses",
}

FAIL_REASON_LABELS: Mapping[str, str] = {
    FailReason.NO_KK: "Tidak ada KK",
    FailReason.DATA_MISMATCH: "Data tidak sesuai",
    FailReason.SIAK_OFFLINE: "SIAK luring",
    FailReason.DEVICE_ERROR: "Perangkat bermasalah",
    FailReason.OTHER: "Lainnya",
}

NOT_ELIGIBLE_LABELS: Mapping[str, str] = {
    NotEligibleReason.UNDER_AGE: "Belum cukup umur",
    NotEligibleReason.NOT_A_RESIDENT: "Bukan penduduk Kota Malang",
    NotEligibleReason.OTHER: "Lainnya",
}

ANOMALY_LABELS: Mapping[str, str] = {
    AnomalyCode.RECORDED_TWICE: "Terekam dua kali",
    AnomalyCode.RECORDED_AND_NOT_ELIGIBLE: "Terekam tetapi juga ditandai belum cukup umur",
    AnomalyCode.RECORDED_AND_ALREADY_RECORDED: "Terekam dan juga sudah terekam sebelumnya",
    AnomalyCode.IKD_WITHOUT_CARD: "Aktivasi IKD tanpa perekaman",
    AnomalyCode.VOID_OF_VOID: "Pembatalan atas pembatalan",
    AnomalyCode.VOID_OTHER_STUDENT: "Pembatalan untuk siswa lain",
    AnomalyCode.DUPLICATE_IDENTIFIER: "Siswa baru dengan NISN/NIK milik siswa lain",
}


def reason_label(status: Status, reason: str | None) -> str:
    """The printed reason of a failed / not-eligible outcome ("" when none)."""
    if not reason:
        return ""
    if status is Status.FAILED:
        return FAIL_REASON_LABELS.get(reason, reason)
    if status is Status.NOT_ELIGIBLE:
        return NOT_ELIGIBLE_LABELS.get(reason, reason)
    return ""


def keterangan(status: Status, reason: str | None) -> str:
    """``"Gagal Rekam – Tidak ada KK"``, or the status alone."""
    why = reason_label(status, reason)
    label = STATUS_LABELS[status]
    return f"{label} – {why}" if why else label


def anomaly_label(code: str) -> str:
    return ANOMALY_LABELS.get(code, code.replace("_", " "))
