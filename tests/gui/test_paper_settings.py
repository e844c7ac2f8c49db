"""Kop surat dan penanda tangan: the dialog keeps the letterhead, the signer's NIP and the
principal, and refuses a bad NIP in the dialog itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ktpe_desktop.services.paper_settings import PaperSettings
from ktpe_desktop.services.workspace import Workspace
from ktpe_desktop.ui.dialogs.paper_settings import PaperSettingsDialog
from tests.gui.conftest import LEAD, PASSWORD


def test_the_dialog_saves_the_signer_and_the_principal(qtbot: Any, data_dir: Path) -> None:
    ws = Workspace.create(data_dir, LEAD, PASSWORD, "Siti Rahayu")
    try:
        from ktpe_desktop.storage import models as m

        with ws.store.transaction() as s:
            s.add(m.School(npsn="20533812", name="SMAS KATOLIK ST ALBERTUS", status="swasta"))
        settings = PaperSettings(ws.store)
        dialog = PaperSettingsDialog(
            settings, npsn="20533812", school_name="SMA Katolik St. Albertus"
        )
        qtbot.addWidget(dialog)
        assert dialog.government.text() == "Pemerintah Kota Malang"  # the shipped prefill
        assert dialog.signer_name.text() == "Siti Rahayu"
        dialog.signer_nip.setText("1970 0101 1995 03 1 001")
        dialog.principal_name.setText("Romo Yohanes Budi, S.S.")
        dialog.principal_nip.setText("123")  # not a NIP
        dialog.save()
        assert dialog.error.isVisibleTo(dialog) and "NIP" in dialog.error.text()
        assert settings.principal("20533812").name == ""  # nothing of it saved
        dialog.principal_nip.setText("")  # a private school's principal has none
        dialog.save()
        assert dialog.result() == PaperSettingsDialog.DialogCode.Accepted
        assert settings.signer().nip == "197001011995031001"
        assert settings.principal("20533812").name == "Romo Yohanes Budi, S.S."
        assert settings.principal("20533812").nip == ""
        assert not settings.needs_letterhead()
    finally:
        ws.close()


def test_a_long_address_shows_its_beginning(qtbot: Any, data_dir: Path) -> None:
    ws = Workspace.create(data_dir, LEAD, PASSWORD, "Siti Rahayu")
    try:
        dialog = PaperSettingsDialog(PaperSettings(ws.store), letterhead_only=True)
        qtbot.addWidget(dialog)
        assert dialog.address.text()  # the shipped prefill is longer than the field
        assert dialog.address.cursorPosition() == 0
    finally:
        ws.close()


def test_the_prefilled_letterhead_is_read_whole_and_the_fields_line_up(
    qtbot: Any, data_dir: Path
) -> None:
    """The shipped address (88 characters) fits its field: nothing of it is hidden at the
    end; and the three groups' fields start at the same x."""
    ws = Workspace.create(data_dir, LEAD, PASSWORD, "Siti Rahayu")
    try:
        from ktpe_desktop.storage import models as m

        with ws.store.transaction() as s:
            s.add(m.School(npsn="20533812", name="SMAS KATOLIK ST ALBERTUS", status="swasta"))
        dialog = PaperSettingsDialog(
            PaperSettings(ws.store), npsn="20533812", school_name="SMAS KATOLIK ST ALBERTUS"
        )
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        for field in (dialog.government, dialog.office, dialog.address):
            text_width = field.fontMetrics().horizontalAdvance(field.text())
            assert text_width + 8 <= field.width(), (field.text(), field.width())
        lefts = {
            field.mapTo(dialog, field.rect().topLeft()).x()
            for field in (dialog.address, dialog.signer_nip, dialog.principal_nip)
        }
        assert len(lefts) == 1, lefts
        assert dialog.width() <= 1024
    finally:
        ws.close()


@pytest.mark.parametrize("selected", [False, True])
def test_a_card_scanned_into_the_dialog_saves_nothing(
    qtbot: Any, data_dir: Path, selected: bool
) -> None:
    """Found driving the real window: the next student's card, scanned while the dialog
    was open, put its NISN before "Pemerintah Kota Malang" (the cursor is at the start)
    and its Enter saved that as the letterhead of every Berita Acara. ``selected``: a
    field reached with Tab has its text selected, and the card's first digits replaced
    it: taking them back emptied the field (the office or the NIP lost at the next save)."""
    from PySide6.QtWidgets import QApplication

    from tests.gui.scanner import scan

    ws = Workspace.create(data_dir, LEAD, PASSWORD, "Siti Rahayu")
    try:
        settings = PaperSettings(ws.store)
        dialog = PaperSettingsDialog(settings, letterhead_only=True)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        dialog.government.setFocus()
        qtbot.waitUntil(dialog.government.hasFocus)
        if selected:
            dialog.government.selectAll()  # as Tab into the field leaves it
        before = dialog.government.text()
        scan("0107933805")
        qtbot.wait(20)
        assert dialog.government.text() == before
        assert dialog.isVisible() and dialog.result() != PaperSettingsDialog.DialogCode.Accepted
        assert settings.needs_letterhead()  # nothing saved
        assert "Kartu siswa" in dialog.error.text()
        dialog.government.end(False)  # a person types at the end of the field: kept
        qtbot.keyClicks(dialog.government, " 2", delay=60)
        assert dialog.government.text() == before + " 2"
        scan("0107933805")  # right after typing: only the card's digits go
        qtbot.wait(20)
        assert dialog.government.text() == before + " 2"
    finally:
        ws.close()
