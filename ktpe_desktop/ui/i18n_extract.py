"""Update ``ktpe_desktop/resources/translations/ktpe_en.ts`` from the UI sources (a dev tool).

``python -m ktpe_desktop.ui.i18n_extract`` collects every literal passed to
``tr(...)``, ``noop(...)`` or ``QT_TRANSLATE_NOOP("ktpe", ...)`` under
``ktpe_desktop/ui`` (one context, ``ktpe``), keeps the English translations
already in the ``.ts`` file, adds new sources as ``unfinished`` and marks sources
no longer used as ``vanished`` — what ``pyside6-lupdate`` does, for our ``tr``
helper that lupdate's Python parser does not know. Edit the English in Qt
Linguist (``pyside6-linguist``) or by hand.
"""

from __future__ import annotations

import ast
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from ktpe_desktop.paths import resource

UI_DIR = Path(__file__).resolve().parent
FUNCTIONS = {"tr", "noop"}
SKIP = {"i18n_extract.py"}


def collect(directory: Path = UI_DIR) -> dict[str, tuple[str, int]]:
    """source text -> (file, line) of its first use."""
    found: dict[str, tuple[str, int]] = {}
    for path in sorted(directory.rglob("*.py")):
        if path.name in SKIP:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = (
                node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            )
            args = node.args
            if name == "QT_TRANSLATE_NOOP" and len(args) == 2:
                args = args[1:]
            elif name not in FUNCTIONS:
                continue
            if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
                found.setdefault(
                    args[0].value, (path.relative_to(directory).as_posix(), node.lineno)
                )
    return found


def read_ts(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    out: dict[str, str] = {}
    for message in ET.parse(path).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        if translation is not None and translation.text and translation.get("type") is None:
            out[source] = translation.text
    return out


def write_ts(path: Path, sources: dict[str, tuple[str, int]], english: dict[str, str]) -> int:
    root = ET.Element("TS", version="2.1", language="en_US", sourcelanguage="id_ID")
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = "ktpe"
    missing = 0
    for source, (filename, line) in sorted(sources.items(), key=lambda kv: (kv[1], kv[0])):
        message = ET.SubElement(context, "message")
        ET.SubElement(
            message, "location", filename=f"../../ktpe_desktop/ui/{filename}", line=str(line)
        )
        ET.SubElement(message, "source").text = source
        translation = ET.SubElement(message, "translation")
        if source in english:
            translation.text = english[source]
        else:
            translation.set("type", "unfinished")
            missing += 1
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8"
    )
    return missing


def main() -> int:
    target = resource("translations", "ktpe_en.ts")
    sources = collect()
    missing = write_ts(target, sources, read_ts(target))
    print(f"{target.name}: {len(sources)} sources, {missing} without English")
    return 0


if __name__ == "__main__":
    sys.exit(main())
