"""Update ``ktpe_desktop/resources/translations/ktpe_en.ts`` from the UI sources (a dev tool).

``python -m ktpe_desktop.ui.i18n_extract`` runs ``pyside6-lupdate`` over
``ktpe_desktop/ui``: it keeps the English already translated, adds new sources as
``unfinished``, drops sources no longer used (``-no-obsolete``) and makes a
numerus message (singular and plural) of every ``tr("%Ln …", None, n)``. Translate
what is new in Qt Linguist (``pyside6-linguist``) or by hand.

lupdate files our module-level ``tr("…")`` under the empty context (it is not a
method of a QObject); the app translates in one context, ``ktpe``, so the file is
renamed on the way in and out. ``noop("…")`` is lupdate's ``QT_TR_NOOP`` here.
Locations are left out: they changed with every edit of a UI file and made the
shared catalogue conflict between branches.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from ktpe_desktop.paths import resource

UI_DIR = Path(__file__).resolve().parent
CONTEXT = "ktpe"


def lupdate_command() -> list[str] | None:
    """The command that runs Qt's ``lupdate`` (shipped in the PySide6 wheel), or None."""
    try:
        import PySide6

        base = Path(PySide6.__file__).resolve().parent
        for name in ("lupdate", "lupdate.exe"):
            if (base / name).exists():
                return [str(base / name)]
    except ImportError:  # pragma: no cover - PySide6 is a dependency of the UI
        pass
    found = shutil.which("pyside6-lupdate") or shutil.which("lupdate")
    return [found] if found else None


def regenerate(existing: Path, target: Path, sources: Path = UI_DIR) -> None:
    """Write to ``target`` the catalogue of ``sources``, keeping ``existing``'s English.

    Raises:
        RuntimeError: lupdate is missing or failed.
    """
    command = lupdate_command()
    if command is None:
        raise RuntimeError("lupdate not found (install PySide6)")
    with tempfile.TemporaryDirectory(prefix="ktpe-lupdate-") as tmp:
        work = Path(tmp) / "catalogue.ts"
        text = existing.read_text(encoding="utf-8") if existing.exists() else ""
        if text:
            work.write_text(
                text.replace(f"<name>{CONTEXT}</name>", "<name></name>"), encoding="utf-8"
            )
        result = subprocess.run(
            [
                *command,
                "-silent",
                "-extensions",
                "py",
                "-tr-function-alias",
                "QT_TR_NOOP+=noop",
                "-source-language",
                "id_ID",
                "-target-language",
                "en_US",
                "-no-obsolete",
                "-locations",
                "none",
                str(sources),
                "-ts",
                str(work),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not work.exists():
            raise RuntimeError(f"lupdate failed: {result.stderr.strip()}")
        out = work.read_text(encoding="utf-8").replace("<name></name>", f"<name>{CONTEXT}</name>")
    target.write_text(out, encoding="utf-8")


@dataclass(frozen=True)
class Message:
    source: str
    translated: bool
    numerus: bool


def read_messages(path: Path) -> dict[str, Message]:
    """The messages of the ``ktpe`` context of a ``.ts`` file, by source text."""
    out: dict[str, Message] = {}
    for context in ET.parse(path).getroot().iter("context"):
        if context.findtext("name") != CONTEXT:
            continue
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            translation = message.find("translation")
            numerus = message.get("numerus") == "yes"
            if translation is None or translation.get("type") in {
                "unfinished",
                "vanished",
                "obsolete",
            }:
                done = False
            elif numerus:
                forms = translation.findall("numerusform")
                done = bool(forms) and all(form.text for form in forms)
            else:
                done = bool(translation.text)
            out[source] = Message(source, done, numerus)
    return out


def read_ts(path: Path) -> dict[str, str]:
    """source -> English of the finished singular messages (the tests' lookup)."""
    out: dict[str, str] = {}
    for message in ET.parse(path).getroot().iter("message"):
        translation = message.find("translation")
        if translation is not None and translation.text and translation.get("type") is None:
            out[message.findtext("source") or ""] = translation.text
    return out


def main() -> int:
    target = resource("translations", "ktpe_en.ts")
    try:
        regenerate(target, target)
    except RuntimeError as exc:
        print(f"i18n_extract: {exc}", file=sys.stderr)
        return 1
    messages = read_messages(target)
    missing = [m.source for m in messages.values() if not m.translated]
    print(f"{target.name}: {len(messages)} sources, {len(missing)} without English")
    for source in missing:
        print(f"  {source!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
