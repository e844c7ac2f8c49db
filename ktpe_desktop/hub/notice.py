"""What a station tells its operator before recording: another station has an outcome.

"Sudah dicatat Terekam di stasiun 2 (Budi) pukul 09.41": the student's folded
state is decided by another device's event (received from the hub), so the
operator checks before recording a second outcome (which would become an anomaly).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ktpe_desktop.core.events import Status
from ktpe_desktop.hub.link import operator_names, station_labels
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store


@dataclass(frozen=True, slots=True)
class OtherStationOutcome:
    """The outcome another station holds for a student (plain data for the UI)."""

    status: Status
    station: str  # "stasiun 2", or "perangkat 1a2b3c4d" for a laptop not seen at the hub
    operator: str  # the display name the station gave the hub, else the login name
    at: datetime  # aware, UTC
    station_no: int | None = None  # None: a laptop this station never saw at the hub
    device_id: str = ""

    def local_time(self) -> str:
        """``09.41`` in this laptop's time zone (Indonesian style)."""
        return self.at.astimezone().strftime("%H.%M")


def other_station_outcome(store: Store, student_id: str) -> OtherStationOutcome | None:
    """The outcome decided by another device, or None (pending, or decided here)."""
    with store.session() as s:
        st = s.get(m.StudentState, student_id)
        if (
            st is None
            or st.status == Status.PENDING
            or not st.decided_by_device
            or st.decided_by_device == store.device_id
            or st.decided_at is None
        ):
            return None
        device, status, operator, at = (
            st.decided_by_device,
            Status(st.status),
            st.decided_by_operator or "",
            st.decided_at,
        )
    label = station_labels(store).get(device)
    # Events carry the login name; the station told the hub its display name.
    operator = operator_names(store).get(device, {}).get(operator) or operator
    number = int(label.split()[1]) if label else None
    return OtherStationOutcome(
        status, label or f"perangkat {device[:8]}", operator, at, number, device
    )
