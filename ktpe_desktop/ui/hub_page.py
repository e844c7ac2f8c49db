"""Hub sekolah: make this laptop the school's hub, or join one (issue 14).

* :class:`HubDriver` runs the station's link (``Workspace.hub``) and turns its
  thread callbacks into Qt signals: ``statusChanged`` for the status bar,
  ``studentsChanged`` when events from other stations arrived;
* :class:`HubStatusLabel` shows the link in the status bar ("Hub: terhubung");
* :class:`HubDialog` (Sinkron → Hub sekolah…, Ctrl+Shift+H): the hub's code,
  addresses and stations; the list of hubs found, the address and code to join.

The hook into the main window is three lines: the menu action, the driver started
with the workspace, and ``saved()`` after each outcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop.ui.dialogs.common import error_text
from ktpe_desktop.ui.i18n import tr
from ktpe_desktop.ui.ops import Lane, Op

if TYPE_CHECKING:
    from ktpe_desktop.services.hub_service import HubInfo, LinkStatus
    from ktpe_desktop.services.workspace import Workspace


class HubDriver(QObject):
    """The background hub link of the open workspace, as Qt signals."""

    statusChanged = Signal(object)  # LinkStatus
    studentsChanged = Signal(list)  # student ids touched by other stations' events
    codeChanged = Signal(str)

    def __init__(self, workspace: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._started = False

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self.workspace.hub.start_link(
            on_round=lambda r: self.studentsChanged.emit(list(r.touched_students)),
            on_status=self.statusChanged.emit,
        )

    def saved(self) -> None:
        """An outcome was saved: the hub hears of it within a second."""
        if self._started:
            self.workspace.hub.saved()

    def stop(self) -> None:
        self._started = False  # the workspace's close() stops the thread


class HubStatusLabel(QLabel):
    """``Hub: terhubung (stasiun 2)`` / ``Hub: tidak terjangkau — tetap bekerja luring``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hubStatus")
        self.hide()

    def set_status(self, status: LinkStatus) -> None:
        from ktpe_desktop.hub.runner import LinkState

        station = tr("stasiun {n}").format(n=status.station_no) if status.station_no else ""
        if status.state is LinkState.OFF:
            self.hide()
            return
        if status.state in (LinkState.CONNECTED, LinkState.CONNECTING):
            self.setText(tr("Hub: terhubung ({station})").format(station=station))
            self.setStyleSheet("color: #1b5e20;")
            self.setToolTip("")
        else:
            self.setText(tr("Hub: tidak terjangkau — tetap bekerja luring"))
            self.setStyleSheet("color: #b71c1c;")
            self.setToolTip(error_text(status.error) or "" if status.error else "")
        self.show()


class HubDialog(QDialog):
    """Hub mode (lead) and joining a hub (anyone)."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hubDialog")
        self.setWindowTitle(tr("Hub sekolah"))
        self.workspace = workspace
        hub = workspace.hub
        root = QVBoxLayout(self)

        # ---- this laptop as the hub
        box = QGroupBox(tr("Jadikan laptop ini hub sekolah"))
        lay = QVBoxLayout(box)
        intro = QLabel(
            tr(
                "Laptop lain dari tim yang sama bergabung lewat jaringan lokal (router, hotspot "
                "ponsel atau kabel), tanpa internet. Tunjukkan kode pasangan ini kepada mereka."
            )
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.code_label = QLabel("—")
        self.code_label.setObjectName("pairingCode")
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label.setStyleSheet("font-size: 30px; font-weight: bold; letter-spacing: 4px;")
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.code_label)
        self.address_label = QLabel()
        self.address_label.setObjectName("hubAddresses")
        self.address_label.setWordWrap(True)
        self.address_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.address_label)
        self.stations = QListWidget()
        self.stations.setObjectName("hubStations")
        self.stations.setMaximumHeight(110)
        lay.addWidget(self.stations)
        row = QHBoxLayout()
        self.hub_button = QPushButton()
        self.hub_button.setObjectName("hubToggle")
        self.hub_button.clicked.connect(self.toggle_hub)
        self.new_code_button = QPushButton(tr("Kode baru"))
        self.new_code_button.clicked.connect(self.new_code)
        row.addWidget(self.hub_button)
        row.addWidget(self.new_code_button)
        row.addStretch(1)
        lay.addLayout(row)
        if not workspace.user.is_lead:
            self.hub_button.setEnabled(False)
            self.hub_button.setToolTip(
                tr("Hanya Koordinator yang dapat menjadikan laptop ini hub.")
            )
        root.addWidget(box)

        # ---- join a hub
        join = QGroupBox(tr("Gabung ke hub sekolah"))
        form = QFormLayout(join)
        self.found = QListWidget()
        self.found.setObjectName("foundHubs")
        self.found.setMaximumHeight(90)
        self.found.currentItemChanged.connect(self._pick_found)
        find_row = QHBoxLayout()
        self.find_button = QPushButton(tr("Cari hub di jaringan"))
        self.find_button.clicked.connect(self.discover)
        find_row.addWidget(self.find_button)
        find_row.addStretch(1)
        form.addRow(find_row)
        form.addRow(self.found)
        self.address = QLineEdit()
        self.address.setObjectName("hubAddress")
        self.address.setPlaceholderText("192.168.1.20:47180")
        form.addRow(tr("&Alamat hub:"), self.address)
        self.code = QLineEdit()
        self.code.setObjectName("hubCode")
        self.code.setPlaceholderText("K7QM-2XPD")
        self.code.setMaxLength(12)
        form.addRow(tr("&Kode pasangan:"), self.code)
        self.station_name = QLineEdit()
        self.station_name.setObjectName("stationName")
        self.station_name.setMaxLength(40)
        self.station_name.setPlaceholderText(tr("mis. Meja 2 (opsional)"))
        form.addRow(tr("Nama &stasiun:"), self.station_name)
        join_row = QHBoxLayout()
        self.join_button = QPushButton(tr("Gabung"))
        self.join_button.setObjectName("joinHub")
        self.join_button.clicked.connect(self.join)
        self.leave_button = QPushButton(tr("Keluar dari hub"))
        self.leave_button.clicked.connect(self.leave)
        join_row.addWidget(self.join_button)
        join_row.addWidget(self.leave_button)
        join_row.addStretch(1)
        form.addRow(join_row)
        self.link_label = QLabel()
        self.link_label.setObjectName("hubLink")
        self.link_label.setWordWrap(True)
        form.addRow(self.link_label)
        root.addWidget(join)

        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        root.addWidget(self.message)
        buttons = QDialogButtonBox()
        close = buttons.addButton(tr("Tutup"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(3000)
        self._refresh_timer.timeout.connect(self.refresh)
        self._refresh_timer.start()
        self.refresh(hub.hub_info())
        self.resize(620, 640)

    # ------------------------------------------------------------ hub

    def refresh(self, info: HubInfo | bool | None = False) -> None:
        hub = self.workspace.hub
        if info is False:
            info = hub.hub_info()
        if info:
            assert not isinstance(info, bool)
            self.code_label.setText(info.code)
            addresses = ", ".join(info.addresses) or f"127.0.0.1:{info.port}"
            self.address_label.setText(
                tr("Alamat: {addresses}\nSidik jari sertifikat: {fp}").format(
                    addresses=addresses, fp=info.fingerprint_short
                )
            )
            self.stations.clear()
            for st in info.stations:
                name = (
                    f" · {st.station_name}" if st.station_name and st.station_name != "hub" else ""
                )
                text = tr("Stasiun {n}").format(n=st.station_no) + name
                if st.station_no == 1:
                    text += " " + tr("(hub ini)")
                self.stations.addItem(text)
            self.hub_button.setText(tr("Hentikan hub"))
            self.new_code_button.setEnabled(True)
        else:
            self.code_label.setText("—")
            self.address_label.setText(tr("Hub belum aktif: port jaringan tertutup."))
            self.stations.clear()
            self.hub_button.setText(tr("Jadikan hub sekolah"))
            self.new_code_button.setEnabled(False)
        cfg = hub.link_config()
        if cfg is None:
            self.link_label.setText(tr("Laptop ini belum bergabung dengan hub."))
        else:
            self.link_label.setText(
                tr("Tergabung sebagai stasiun {n} ({url}).").format(n=cfg.station_no, url=cfg.url)
            )
        self.leave_button.setEnabled(cfg is not None and not hub.is_hub)

    def toggle_hub(self) -> None:
        hub = self.workspace.hub
        self.hub_button.setEnabled(False)
        self.message.clear()
        if hub.is_hub:
            work: Any = hub.stop_hub
        else:
            work = hub.start_hub
        (
            Op(self, work, lane=Lane.NET)
            .success(lambda _r: self.refresh())
            .failure(self._failed)
            .finally_(lambda: self.hub_button.setEnabled(self.workspace.user.is_lead))
            .run()
        )

    def new_code(self) -> None:
        if self.workspace.hub.is_hub:
            self.workspace.hub.new_code()
        self.refresh()

    # ------------------------------------------------------------ join

    def discover(self) -> None:
        self.find_button.setEnabled(False)
        self.found.clear()
        self.found.addItem(tr("Mencari…"))

        def show(hubs: list[Any]) -> None:
            self.found.clear()
            for h in hubs:
                item = QListWidgetItem(
                    tr("Hub {team} di {address}").format(team=h.team_label, address=h.address)
                )
                item.setData(Qt.ItemDataRole.UserRole, h.address)
                self.found.addItem(item)
            if not hubs:
                self.found.addItem(
                    tr("Tidak ada hub yang terlihat. Ketik alamat yang tampil di layar hub.")
                )

        (
            Op(self, lambda: self.workspace.hub.discover(3.0), lane=Lane.NET)
            .success(show)
            .failure(self._failed)
            .finally_(lambda: self.find_button.setEnabled(True))
            .run()
        )

    def _pick_found(self, item: QListWidgetItem | None, _prev: Any = None) -> None:
        if item is not None and item.data(Qt.ItemDataRole.UserRole):
            self.address.setText(str(item.data(Qt.ItemDataRole.UserRole)))
            self.code.setFocus()

    def join(self) -> None:
        address, code, name = self.address.text(), self.code.text(), self.station_name.text()
        self.join_button.setEnabled(False)
        self.message.clear()

        def done(cfg: Any) -> None:
            self.code.clear()
            self.message.setObjectName("okText")
            self.message.setText(
                tr("Bergabung dengan hub sebagai stasiun {n}.").format(n=cfg.station_no)
            )
            self.refresh()

        (
            Op(self, lambda: self.workspace.hub.join(address, code, name), lane=Lane.NET)
            .success(done)
            .failure(self._failed)
            .finally_(lambda: self.join_button.setEnabled(True))
            .run()
        )

    def leave(self) -> None:
        self.workspace.hub.leave()
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        text = error_text(exc)
        if text is None:
            raise exc
        self.message.setObjectName("errorText")
        self.message.setText(text)

    def done(self, result: int) -> None:
        self._refresh_timer.stop()
        super().done(result)
