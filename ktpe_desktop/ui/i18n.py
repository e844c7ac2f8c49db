"""Translation helpers: Bahasa Indonesia is the source language, English the second.

Every user-visible string goes through :func:`tr` (one translation context,
``ktpe``), so ``i18n_extract`` can collect them for ``ktpe_desktop/resources/translations/ktpe_en.ts``.
Strings that must be translated later (table headers, labels in class bodies) are
marked with :func:`noop` — ``QT_TRANSLATE_NOOP("ktpe", …)``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QTranslator

from ktpe_desktop.paths import resource

CONTEXT = "ktpe"
LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
log = logging.getLogger("ktpe.ui")

_installed: list[QTranslator] = []
_current = "id"


def tr(text: str) -> str:
    """``text`` (Bahasa Indonesia) in the current UI language."""
    return QCoreApplication.translate(CONTEXT, text)


def noop(text: str) -> str:
    """Mark ``text`` for translation without translating it now (QT_TRANSLATE_NOOP)."""
    return text


def current_language() -> str:
    return _current


def install_language(lang: str) -> bool:
    """Switch the application's translator to ``lang`` ("id" or "en").

    Returns True when the language is active (Indonesian always is: it is the source).
    """
    global _current
    app = QCoreApplication.instance()
    for old in _installed:
        if app is not None:
            QCoreApplication.removeTranslator(old)
    _installed.clear()
    _current = "id"
    if lang == "id":
        return True
    qm = resource("translations", f"ktpe_{lang}.qm")
    if not qm.exists():
        try:  # running from source without `make`: build the catalogue now
            from ktpe_desktop.ui.i18n_build import build

            build()
        except (RuntimeError, OSError) as exc:
            log.warning("cannot build translations: %s", exc)
    translator = QTranslator()
    if not qm.exists() or not translator.load(str(qm)):
        log.warning("translation %s not available", lang)
        return False
    QCoreApplication.installTranslator(translator)
    _installed.append(translator)
    _current = lang
    return True
