"""Exception text that may go to a log file or a crash report: no personal data.

The rule is that no code puts a personal value (name, NIK, NISN, No. KK) into an
exception message. These functions are the defence in depth for the messages
that break the rule anyway — a database error quoting the row it failed on, a
``KeyError`` of a name, a third-party library echoing its input:

* :func:`scrub` removes SQLAlchemy's ``[parameters: …]`` line, every quoted
  value (``'…'``) and every run of 10+ digits (NISN 10, NIK / No. KK 16);
* :func:`safe_message` is what of an exception's message may be kept: a
  :class:`KnownError` is reduced to its code (its words are for the screen), a
  database error to the driver's own message (SQLite's messages name tables and
  columns, never values), an ``OSError`` to its errno text (no file name), and
  any other message is kept only if, once scrubbed, it reads like a developer's
  message — lower-case words, CamelCase identifiers, known acronyms. Anything
  else (a name in capitals or title case) is replaced by its length;
* :func:`format_exception` is a traceback built from those pieces: file (from the
  package on), line, function and source line of each frame — never locals.
"""

from __future__ import annotations

import re
import traceback

from ktpe_desktop.core.errors import KnownError

REDACTED = "[redacted]"
_DIGITS = re.compile(r"\d{10,}")
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
_PARAMETERS = re.compile(r"^\[parameters: .*$\n?", re.MULTILINE)
_WORD = re.compile(r"[^\W\d_]+")
_CAMEL = re.compile(r"[A-Z]?[a-z]+(?:[A-Z][a-z0-9]*)+")
_ACRONYMS = frozenset(
    {"SQL", "HTTP", "HTTPS", "JSON", "TLS", "SSL", "URL", "UUID", "ID", "IDS", "NIK", "NISN"}
    | {"NPSN", "KK", "NIP", "IKD", "HLC", "CSV", "XLSX", "PDF", "UTF", "API", "OS", "IO", "DB"}
    | {"WAL", "GCM", "AES", "KDF", "BOM", "XML", "EOF", "GIL", "UI", "QT", "CA", "PEM"}
)


def redact_digits(text: str, replacement: str = REDACTED) -> str:
    """``text`` with every run of 10+ digits replaced."""
    return _DIGITS.sub(replacement, text)


def scrub(text: str, replacement: str = REDACTED) -> str:
    """``text`` without SQL parameters, quoted values and 10+-digit numbers."""
    text = _PARAMETERS.sub("", text)
    return redact_digits(_QUOTED.sub("'…'", text), replacement)


def _reads_technical(text: str) -> bool:
    for index, match in enumerate(_WORD.finditer(text)):
        word = match.group()
        if word.isascii() and word.islower():
            continue
        if index == 0 and word.isascii() and word[1:].islower():
            continue  # "Expecting value", "Invalid header"
        if word.isascii() and (_CAMEL.fullmatch(word) or word in _ACRONYMS):
            continue
        return False
    return True


def _db_error_text(exc: BaseException) -> str | None:
    """The driver's message of a SQLAlchemy DBAPI error (no statement, no parameters)."""
    if not type(exc).__module__.startswith("sqlalchemy"):
        return None
    orig = getattr(exc, "orig", None)
    if not isinstance(orig, BaseException):
        return None
    first = str(orig).splitlines()[0] if str(orig) else ""
    return f"({type(orig).__module__}.{type(orig).__qualname__}) {first}"


def safe_message(exc: BaseException, replacement: str = REDACTED) -> str:
    """What of ``exc``'s message may go to a log or a crash report."""
    if isinstance(exc, KnownError):
        return f"[{exc.code}]"
    db = _db_error_text(exc)
    if db is not None:
        return scrub(db, replacement)
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"[Errno {exc.errno}] {exc.strerror or ''}".strip()
    text = scrub(str(exc), replacement)
    if _reads_technical(text):
        return text
    return f"[message hidden: {len(text)} characters]"


def short_path(path: str) -> str:
    """Only the part from the package on: a home folder may carry the user's name."""
    for marker in ("ktpe_desktop", "ktpe_server", "site-packages", "lib"):
        idx = path.rfind(marker)
        if idx >= 0:
            return path[idx:]
    return path.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]


def exception_chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and its causes / contexts, the first raised first."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    return list(reversed(chain))


def frame_lines(exc: BaseException) -> list[str]:
    lines = []
    for frame in traceback.extract_tb(exc.__traceback__):
        lines.append(f'  File "{short_path(frame.filename)}", line {frame.lineno}, in {frame.name}')
        if frame.line:
            lines.append(f"    {frame.line.strip()}")
    return lines


def format_exception(exc: BaseException, replacement: str = REDACTED) -> str:
    """A traceback of ``exc`` (with its chain) that holds no personal data."""
    lines: list[str] = []
    for index, item in enumerate(exception_chain(exc)):
        if index:
            lines += ["", "The above exception led to the following exception:", ""]
        lines.append("Traceback (most recent call last):")
        lines += frame_lines(item)
        name = f"{type(item).__module__}.{type(item).__qualname__}"
        lines.append(f"{name}: {safe_message(item, replacement)}")
    return redact_digits("\n".join(lines), replacement)


__all__ = [
    "REDACTED",
    "exception_chain",
    "format_exception",
    "frame_lines",
    "redact_digits",
    "safe_message",
    "scrub",
    "short_path",
]
