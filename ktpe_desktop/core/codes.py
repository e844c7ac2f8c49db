"""The event model's vocabulary: kinds, statuses, reasons and anomaly codes.

Apart from :mod:`ktpe_desktop.core.events` (which imports them from here, and where
the rest of the app finds them) so that the login page, whose labels name statuses
and roles, does not import the event model itself before the password is typed
(docs/performance.md, "Start-up").
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class EventKind(StrEnum):
    RECORDED = "recorded"
    ALREADY_RECORDED = "already_recorded"
    ABSENT = "absent"
    NOT_ELIGIBLE = "not_eligible"
    FAILED = "failed"
    IKD_ACTIVATED = "ikd_activated"
    STUDENT_ADDED = "student_added"
    DETAILS_CORRECTED = "details_corrected"
    VOIDED = "voided"


class Status(StrEnum):
    """A student's derived outcome."""

    PENDING = "pending"
    ABSENT = "absent"
    NOT_ELIGIBLE = "not_eligible"
    FAILED = "failed"
    ALREADY_RECORDED = "already_recorded"
    RECORDED = "recorded"


class Precedence(IntEnum):
    PENDING = 0
    ABSENT = 1
    NOT_ELIGIBLE = 2
    FAILED = 3
    ALREADY_RECORDED = 4
    RECORDED = 5


class FailReason(StrEnum):
    """Why a recording failed (payload ``reason`` of a ``failed`` event)."""

    NO_KK = "no_kk"
    DATA_MISMATCH = "data_mismatch"
    SIAK_OFFLINE = "siak_offline"
    DEVICE_ERROR = "device_error"
    OTHER = "other"


class NotEligibleReason(StrEnum):
    UNDER_AGE = "under_age"
    NOT_A_RESIDENT = "not_a_resident"
    OTHER = "other"


class AnomalyCode(StrEnum):
    RECORDED_TWICE = "recorded_twice"
    RECORDED_AND_NOT_ELIGIBLE = "recorded_and_not_eligible"
    RECORDED_AND_ALREADY_RECORDED = "recorded_and_already_recorded"
    IKD_WITHOUT_CARD = "ikd_without_card"
    # A walk-in saved by a lead although its NISN/NIK belongs to another student.
    DUPLICATE_IDENTIFIER = "duplicate_identifier"
    VOID_OF_VOID = "void_of_void"
    VOID_OTHER_STUDENT = "void_other_student"
