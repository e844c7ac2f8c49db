"""Kop surat dan penanda tangan: what the Berita Acara needs besides the records.

Three parts, each shown when it applies:

* the **letterhead** (kop surat): three lines, prefilled with the stored one or Kota
  Malang's shipped one; a paper is never printed without it, so the lead is asked
  for it at the first import on a laptop that has none (``letterhead_only``);
* the **signer** (PIHAK PERTAMA): the signed-in user's full name and NIP;
* the **principal** (PIHAK KEDUA) of the open school: name and NIP (empty when the
  principal has none, as in most private schools).

The dialog reads and writes through :class:`~ktpe_desktop.services.paper_settings.PaperSettings`;
a refused value (an empty letterhead line, a NIP that is not 18 digits) is shown in
the dialog and nothing is saved.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.core.letterhead import Letterhead
from ktpe_desktop.services.paper_settings import PaperSettings
from ktpe_desktop.ui.i18n import current_language, tr
from ktpe_desktop.ui.scanner import MIN_BURST_DIGITS, ScanDetector


class PaperSettingsDialog(QDialog):
    """Edit the letterhead, the signer's name/NIP and the open school's principal.

    Args:
        settings: the service of the unlocked store.
        npsn: the school whose principal is edited (None: no principal part).
        letterhead_only: only the letterhead (the first-import question).
    """

    def __init__(
        self,
        settings: PaperSettings,
        *,
        npsn: str | None = None,
        school_name: str = "",
        letterhead_only: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("paperSettingsDialog")
        self.settings = settings
        self.npsn = None if letterhead_only else npsn
        self.letterhead_only = letterhead_only
        self.setWindowTitle(tr("Kop surat dan penanda tangan"))
        root = QVBoxLayout(self)
        if letterhead_only:
            intro = QLabel(
                tr(
                    "Laptop ini belum punya kop surat untuk Berita Acara. Periksa isian "
                    "di bawah (sudah diisi untuk Dispendukcapil Kota Malang) lalu simpan; "
                    "Berita Acara tidak dicetak tanpa kop surat."
                )
            )
            intro.setWordWrap(True)
            root.addWidget(intro)

        kop = settings.letterhead_prefill()
        group = QGroupBox(tr("Kop surat"))
        form = QFormLayout(group)
        self.government = QLineEdit(kop.government_name)
        self.office = QLineEdit(kop.office_name)
        self.address = QLineEdit(kop.office_address)
        for field in (self.government, self.office, self.address):
            field.setCursorPosition(0)  # a longer one still shows its beginning
            _fit_text(field)  # the shipped address is read whole, not scrolled
        form.addRow(tr("Pemerintah daerah"), self.government)
        form.addRow(tr("Nama dinas"), self.office)
        form.addRow(tr("Alamat kantor"), self.address)
        root.addWidget(group)

        self.signer_name = QLineEdit()
        self.signer_nip = QLineEdit()
        if not letterhead_only:
            signer = settings.signer()
            self.signer_name.setText(signer.display_name)
            self.signer_nip.setText(signer.nip)
            group = QGroupBox(tr("Penanda tangan (PIHAK PERTAMA): Anda"))
            form = QFormLayout(group)
            form.addRow(tr("Nama lengkap dan gelar"), self.signer_name)
            form.addRow(tr("NIP (18 angka)"), self.signer_nip)
            root.addWidget(group)

        self.principal_name = QLineEdit()
        self.principal_nip = QLineEdit()
        if self.npsn is not None:
            principal = settings.principal(self.npsn)
            self.principal_name.setText(principal.name)
            self.principal_nip.setText(principal.nip)
            title = tr("Kepala sekolah (PIHAK KEDUA): {school}").format(school=school_name)
            group = QGroupBox(title)
            form = QFormLayout(group)
            form.addRow(tr("Nama lengkap dan gelar"), self.principal_name)
            form.addRow(tr("NIP (kosongkan bila tidak ada)"), self.principal_nip)
            root.addWidget(group)

        self.error = QLabel()
        self.error.setObjectName("paperSettingsError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b71c1c;")
        self.error.hide()
        root.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)
        _align_labels(self.findChildren(QFormLayout))
        # A card scanned while the dialog is open (the next student in the queue): its
        # Enter must not save the digits into the letterhead, where the cursor is.
        self.scanner = ScanDetector(self, bursts_only=True).while_visible()
        self.scanner.scanned.connect(self._scanned)
        self.scanner.garbled.connect(self._scanned)
        self.resize(max(620, self.sizeHint().width()), self.sizeHint().height())

    def _scanned(self, digits: str) -> None:
        """Take back the digits that reached the field before the burst was seen, and
        the text they replaced when it was selected (a field reached with Tab)."""
        focus = QApplication.focusWidget()
        head = digits[: MIN_BURST_DIGITS - 1]
        if isinstance(focus, QLineEdit) and self.isAncestorOf(focus):
            at = focus.cursorPosition()
            text = focus.text()
            if text[max(0, at - len(head)) : at] == head:
                without = text[: at - len(head)] + text[at:]
                # The field's undo takes the digits back with the selection they
                # replaced; it also takes back a person's typing just before them (the
                # same kind of edit, one step): then only the digits go.
                focus.undo()
                if len(focus.text()) < len(without):
                    focus.setText(without)
                    focus.setCursorPosition(at - len(head))
        self.error.setText(
            tr("Kartu siswa terpindai: tidak disimpan. Tutup dialog ini dulu, lalu pindai lagi.")
        )
        self.error.show()

    def save(self) -> None:
        """Keep what was typed; on a refused value, say why and keep the dialog open."""
        try:
            self.settings.set_letterhead(
                Letterhead(self.government.text(), self.office.text(), self.address.text())
            )
            if not self.letterhead_only:
                self.settings.set_signer(
                    display_name=self.signer_name.text(), nip=self.signer_nip.text()
                )
            if self.npsn is not None:
                self.settings.set_principal(
                    self.npsn, name=self.principal_name.text(), nip=self.principal_nip.text()
                )
        except KnownError as exc:
            self.error.setText(exc.text(current_language()))
            self.error.show()
            return
        self.accept()


__all__ = ["PaperSettingsDialog"]


# The widest a field grows to show its whole prefill (the dialog stays within a
# 1024-pixel-wide screen); longer text scrolls in the field, its beginning shown.
_FIELD_MAX_WIDTH = 720


def _fit_text(field: QLineEdit) -> None:
    """Make ``field`` at least as wide as its text (up to ``_FIELD_MAX_WIDTH``)."""
    margins = field.textMargins()
    frame = field.style().pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, None, field)
    # QLineEdit keeps 2 px beside its text inside the frame and the text margins
    need = (
        field.fontMetrics().horizontalAdvance(field.text())
        + margins.left()
        + margins.right()
        + 2 * (frame + 2)
        + 2  # the cursor
    )
    field.setMinimumWidth(min(need, _FIELD_MAX_WIDTH))


def _align_labels(forms: list[QFormLayout]) -> None:
    """One label column for the dialog's groups: their fields start at the same x."""
    labels = [
        label
        for form in forms
        for row in range(form.rowCount())
        if (item := form.itemAt(row, QFormLayout.ItemRole.LabelRole)) is not None
        and (label := item.widget()) is not None
    ]
    width = max((label.sizeHint().width() for label in labels), default=0)
    for label in labels:
        label.setMinimumWidth(width)
