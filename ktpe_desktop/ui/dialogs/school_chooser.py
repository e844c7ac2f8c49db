"""Choose the school of a roster import: the laptop's schools and the public list.

A laptop that starts offline has no schools yet. The chooser lists the schools on
the laptop first, then the SMA/SMK of Kota Malang shipped with the app
(:mod:`ktpe_desktop.core.schools`); typing part of a name or an NPSN filters the
list. "NPSN lain…" takes an NPSN and a name for a school outside the list. The
import then creates the school together with its roster (all or nothing).

    chooser = SchoolChooserDialog(workspace.schools(), parent=window)
    chooser.accepted.connect(lambda: start_import(chooser.chosen))
    chooser.open()
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop.core.identifiers import Finding, parse_npsn
from ktpe_desktop.core.schools import (
    find_reference_school,
    natural_key,
    reference_schools,
    school_matches,
)
from ktpe_desktop.ui.i18n import current_language, tr

__all__ = ["ChosenSchool", "SchoolChooserDialog"]

_ROLE = Qt.ItemDataRole.UserRole


def _finding_text(finding: Finding) -> str:
    return finding.message_en if current_language() == "en" else finding.message


class _LocalSchool(Protocol):
    @property
    def npsn(self) -> str: ...

    @property
    def name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ChosenSchool:
    """The school chosen for an import.

    Attributes:
        on_laptop: the school is on this laptop already; False when the import
            creates it (from the public list, or with the typed name).
    """

    npsn: str
    name: str
    on_laptop: bool


class SchoolChooserDialog(QDialog):
    """A searchable list of schools, plus "NPSN lain…" for a school outside it.

    Args:
        local: the schools on this laptop (anything with ``npsn`` and ``name``).
        preselect: the NPSN to select at first, if it is listed.
    """

    def __init__(
        self,
        local: Sequence[_LocalSchool] = (),
        *,
        preselect: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("schoolChooserDialog")
        self.setWindowTitle(tr("Pilih Sekolah"))
        self.resize(620, 560)
        self.chosen: ChosenSchool | None = None
        self._local = {s.npsn for s in local}

        title = QLabel(tr("Sekolah mana yang daftar siswanya diimpor?"))
        title.setObjectName("schoolTitle")
        hint = QLabel(
            tr(
                "Ketik sebagian nama sekolah atau NPSN, lalu Enter. Sekolah yang belum ada "
                "di laptop ini ditambahkan bersama daftar siswanya."
            )
        )
        hint.setObjectName("dateLabel")
        hint.setWordWrap(True)

        self.search = QLineEdit()
        self.search.setObjectName("schoolSearchField")
        self.search.setPlaceholderText(tr("Cari nama sekolah atau NPSN…"))
        self.search.setClearButtonEnabled(True)
        self.search.installEventFilter(self)

        self.list = QListWidget()
        self.list.setObjectName("schoolList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setAlternatingRowColors(True)
        self.list.setUniformItemSizes(True)
        for school in sorted(local, key=lambda s: (natural_key(s.name), s.npsn)):
            self._add_item(
                ChosenSchool(school.npsn, school.name, on_laptop=True),
                tr("{name} ({npsn}) — sudah di laptop ini").format(
                    name=school.name, npsn=school.npsn
                ),
            )
        for ref in reference_schools():
            if ref.npsn in self._local:
                continue
            details = " · ".join(
                p for p in (f"{ref.kind} {ref.status}".strip(), ref.kecamatan) if p
            )
            self._add_item(
                ChosenSchool(ref.npsn, ref.name, on_laptop=False),
                f"{ref.name} ({ref.npsn})" + (f"  ·  {details}" if details else ""),
            )
        self.count_label = QLabel()
        self.count_label.setObjectName("dateLabel")

        self.other_button = QPushButton(tr("NPSN lain…"))
        self.other_button.setObjectName("otherSchoolButton")
        self.other_button.setCheckable(True)
        self.other_button.setAutoDefault(False)  # Enter always means "Lanjut"
        self.other_button.setToolTip(tr("Sekolah yang tidak ada di daftar: ketik NPSN dan namanya"))
        self.other_box = QFrame()
        self.other_box.setObjectName("otherSchoolBox")
        form = QFormLayout(self.other_box)
        form.setContentsMargins(0, 0, 0, 0)
        self.npsn_field = QLineEdit()
        self.npsn_field.setObjectName("otherNpsnField")
        self.npsn_field.setPlaceholderText(tr("8 digit, mis. 20533660"))
        self.npsn_field.setMaxLength(12)
        self.name_field = QLineEdit()
        self.name_field.setObjectName("otherNameField")
        self.name_field.setPlaceholderText(tr("mis. SMA HARAPAN BANGSA"))
        self.name_field.setMaxLength(255)
        form.addRow(tr("NPSN"), self.npsn_field)
        form.addRow(tr("Nama sekolah"), self.name_field)
        self.other_box.setVisible(False)

        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)

        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton(
            tr("Lanjut: pilih berkas (Enter)"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok_button.setObjectName("primaryButton")
        self.ok_button.setDefault(True)
        buttons.addButton(tr("Batal (Esc)"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        below = QHBoxLayout()
        below.addWidget(self.count_label, 1)
        below.addWidget(self.other_button)
        layout.addLayout(below)
        layout.addWidget(self.other_box)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

        self.search.textChanged.connect(self.filter)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.list.currentItemChanged.connect(lambda *_a: self.message.clear())
        self.other_button.toggled.connect(self._toggle_other)
        self.npsn_field.textChanged.connect(self._npsn_typed)
        self.name_field.returnPressed.connect(self.accept)
        self.npsn_field.returnPressed.connect(self.name_field.setFocus)
        self.filter("")
        if preselect:
            self.select(preselect)
        self.search.setFocus()

    # ------------------------------------------------------------ list

    def _add_item(self, school: ChosenSchool, text: str) -> None:
        item = QListWidgetItem(text)
        item.setData(_ROLE, school)
        if school.on_laptop:
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        self.list.addItem(item)

    def _school(self, item: QListWidgetItem | None) -> ChosenSchool | None:
        if item is None:
            return None
        value = item.data(_ROLE)
        return value if isinstance(value, ChosenSchool) else None

    def visible_schools(self) -> list[ChosenSchool]:
        """The schools the list shows now, in order."""
        found = []
        for row in range(self.list.count()):
            item = self.list.item(row)
            school = self._school(item)
            if school is not None and not item.isHidden():
                found.append(school)
        return found

    def filter(self, text: str) -> None:
        """Show the schools matching ``text`` (name words or NPSN prefix); select the first."""
        first: QListWidgetItem | None = None
        shown = 0
        for row in range(self.list.count()):
            item = self.list.item(row)
            school = self._school(item)
            visible = school is not None and school_matches(text, school.name, school.npsn)
            item.setHidden(not visible)
            if visible:
                shown += 1
                first = first or item
        current = self.list.currentItem()
        if first is not None and (current is None or current.isHidden()):
            self.list.setCurrentItem(first)
        if first is None:
            self.count_label.setText(
                tr('Tidak ada sekolah yang cocok. Pakai "NPSN lain…" untuk sekolah di luar daftar.')
            )
        else:
            self.count_label.setText(tr("%Ln sekolah", None, shown))

    def select(self, npsn: str) -> bool:
        """Select the listed school with this NPSN; False when it is not listed."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            school = self._school(item)
            if school is not None and school.npsn == npsn:
                item.setHidden(False)
                self.list.setCurrentItem(item)
                self.list.scrollToItem(item)
                return True
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up/Down/PageUp/PageDown in the search field move in the list."""
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (
                Qt.Key.Key_Up,
                Qt.Key.Key_Down,
                Qt.Key.Key_PageUp,
                Qt.Key.Key_PageDown,
            ):
                self.list.keyPressEvent(event)
                return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------ "NPSN lain…"

    def _toggle_other(self, on: bool) -> None:
        self.other_box.setVisible(on)
        self.list.setEnabled(not on)
        self.search.setEnabled(not on)
        self.message.clear()
        if on:
            typed = self.search.text().strip()
            if typed.isdigit() and not self.npsn_field.text():
                self.npsn_field.setText(typed)
            elif typed and not self.name_field.text():
                self.name_field.setText(typed.upper())
            (self.name_field if self.npsn_field.text() else self.npsn_field).setFocus()
        else:
            self.search.setFocus()

    def _npsn_typed(self, text: str) -> None:
        """A known NPSN gives its name; an invalid one says why."""
        self.message.clear()
        result = parse_npsn(text)
        if result.value is None:
            if len(text.strip()) >= 8:
                self.message.setText(_finding_text(result.errors[0]))
            return
        ref = find_reference_school(result.value)
        if ref is not None and not self.name_field.text().strip():
            self.name_field.setText(ref.name)

    def other_school(self) -> ChosenSchool | None:
        """The school typed under "NPSN lain…", or None with the reason shown."""
        result = parse_npsn(self.npsn_field.text())
        if result.value is None:
            self.message.setText(_finding_text(result.errors[0]))
            self.npsn_field.setFocus()
            return None
        npsn = result.value
        listed = next((s for s in self._all_schools() if s.npsn == npsn and s.on_laptop), None)
        if listed is not None:
            return listed
        ref = find_reference_school(npsn)
        name = " ".join(self.name_field.text().split())
        if ref is not None:
            return ChosenSchool(npsn, ref.name, on_laptop=False)
        if not name:
            self.message.setText(
                tr("NPSN {npsn} tidak ada di daftar sekolah. Isi nama sekolahnya.").format(
                    npsn=npsn
                )
            )
            self.name_field.setFocus()
            return None
        return ChosenSchool(npsn, name, on_laptop=False)

    def _all_schools(self) -> list[ChosenSchool]:
        schools = []
        for row in range(self.list.count()):
            school = self._school(self.list.item(row))
            if school is not None:
                schools.append(school)
        return schools

    # ------------------------------------------------------------ result

    def accept(self) -> None:
        if self.other_button.isChecked():
            chosen = self.other_school()
        else:
            item = self.list.currentItem()
            chosen = self._school(item)
            if chosen is None or item.isHidden():
                self.message.setText(tr('Pilih sekolah dari daftar, atau pakai "NPSN lain…".'))
                return
        if chosen is None:
            return
        self.chosen = chosen
        super().accept()
