"""Translation helpers: Bahasa Indonesia is the source language, English the second.

Every user-visible string goes through :func:`tr` (one translation context,
``ktpe``), so ``i18n_extract`` can collect them for ``ktpe_desktop/resources/translations/ktpe_en.ts``.
Strings that must be translated later (table headers, labels in class bodies) are
marked with :func:`noop` — ``QT_TRANSLATE_NOOP("ktpe", …)``. A count goes in as
``tr("%Ln siswa", None, n)``: Qt picks the English singular or plural (numerus forms
in the ``.ts``) and writes ``n`` with the language's digit grouping (12.345 / 12,345).

Qt's own texts (OK/Batal, the file and print dialogs, the line edit's menu) come from
``qtbase_id.ts``, our Indonesian catalogue of Qt's contexts (Qt ships none), loaded
in Indonesian mode; English mode shows Qt's English sources.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from ktpe_desktop.paths import resource

CONTEXT = "ktpe"
LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
log = logging.getLogger("ktpe.ui")

_installed: list[QTranslator] = []
_current = "id"


def tr(text: str, disambiguation: str | None = None, n: int = -1) -> str:
    """``text`` (Bahasa Indonesia) in the current UI language.

    With ``n`` >= 0, ``%n`` / ``%Ln`` in ``text`` become ``n`` and the English
    catalogue's singular or plural form is chosen (the signature ``pyside6-lupdate``
    reads as a numerus message).
    """
    return QCoreApplication.translate(CONTEXT, text, disambiguation, n)


def noop(text: str) -> str:
    """Mark ``text`` for translation without translating it now (QT_TRANSLATE_NOOP)."""
    return text


def current_language() -> str:
    return _current


LOCALES = {
    "id": QLocale(QLocale.Language.Indonesian, QLocale.Country.Indonesia),
    "en": QLocale(QLocale.Language.English, QLocale.Country.UnitedStates),
}


def _load(name: str) -> bool:
    """Install the catalogue ``name``.qm from our translations folder."""
    qm = resource("translations", f"{name}.qm")
    if not qm.exists():
        try:  # running from source without `make`: build the catalogues now
            from ktpe_desktop.ui.i18n_build import build

            build()
        except (RuntimeError, OSError) as exc:
            log.warning("cannot build translations: %s", exc)
    translator = QTranslator()
    if not qm.exists() or not translator.load(str(qm)):
        log.warning("translation %s not available", name)
        return False
    QCoreApplication.installTranslator(translator)
    _installed.append(translator)
    return True


def install_language(lang: str) -> bool:
    """Switch the application's translators to ``lang`` ("id" or "en").

    Indonesian installs our catalogue of Qt's own texts (``qtbase_id``); English
    installs ``ktpe_en``. The default QLocale follows, so numbers and Qt's
    calendars read as the language does.

    Returns True when the language is active (Indonesian always is: it is the source).
    """
    global _current
    app = QCoreApplication.instance()
    for old in _installed:
        if app is not None:
            QCoreApplication.removeTranslator(old)
    _installed.clear()
    _current = "id"
    QLocale.setDefault(LOCALES["id"])
    if lang == "id":
        _load("qtbase_id")  # without it Qt's buttons stay English; the app still works
        return True
    if not _load(f"ktpe_{lang}"):
        _load("qtbase_id")
        return False
    QLocale.setDefault(LOCALES.get(lang, LOCALES["en"]))
    _current = lang
    return True
