"""User settings, declared once (Picard's ``Option``, Electrum's ``ConfigVar``).

Each :class:`Option` has a name, a type, a default and a translatable title.
Values live in ``<data_dir>/settings.ini`` (QSettings, INI format) under the
``settings/`` group, with a schema version in ``meta/version`` so a later app can
migrate them. Window geometry and splitter state are kept apart, in
``<data_dir>/window-state.ini``: throwing them away never loses a setting.
No personal data is ever stored here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

from ktpe_desktop.ui.i18n import noop

SETTINGS_VERSION = 1
T = TypeVar("T", str, int, bool)


@dataclass(frozen=True)
class Option(Generic[T]):
    """One user setting.

    Attributes:
        name: key under ``settings/``.
        type: ``str``, ``int`` or ``bool``.
        default: the value when nothing is stored (or the stored value is unusable).
        title: the label shown in the settings dialog (Bahasa Indonesia, translatable).
        choices: allowed values (for ``str``), shown in a combo box.
        minimum / maximum: bounds for ``int``.
    """

    name: str
    type: type[T]
    default: T
    title: str
    choices: tuple[str, ...] = ()
    minimum: int = 0
    maximum: int = 1_000_000

    def coerce(self, raw: Any) -> T:
        try:
            if self.type is bool:
                if isinstance(raw, str):
                    value: Any = raw.strip().lower() in ("1", "true", "yes", "on")
                else:
                    value = bool(raw)
            elif self.type is int:
                value = int(raw)
                if not self.minimum <= value <= self.maximum:
                    return self.default
            else:
                value = str(raw)
                if self.choices and value not in self.choices:
                    return self.default
        except (TypeError, ValueError):
            return self.default
        return value  # type: ignore[no-any-return]


LANGUAGE = Option("language", str, "id", noop("Bahasa tampilan"), choices=("id", "en"))
IDLE_LOCK_MINUTES = Option(
    "idle_lock_minutes", int, 5, noop("Kunci otomatis setelah diam (menit)"), minimum=1, maximum=120
)
PAPER_SIZE = Option("paper_size", str, "A4", noop("Ukuran kertas"), choices=("A4", "F4", "Letter"))
LAST_SCHOOL = Option("last_school", str, "", noop("Sekolah terakhir"))
LAST_USER = Option("last_user", str, "", noop("Pengguna terakhir"))
LAST_SAVE_DIR = Option("last_save_dir", str, "", noop("Folder simpan terakhir"))
SYNC_INTERVAL_MINUTES = Option(
    "sync_interval_minutes", int, 5, noop("Sinkron otomatis setiap (menit)"), minimum=1, maximum=240
)

OPTIONS: tuple[Option[Any], ...] = (
    LANGUAGE,
    IDLE_LOCK_MINUTES,
    PAPER_SIZE,
    LAST_SCHOOL,
    LAST_USER,
    SYNC_INTERVAL_MINUTES,
)
#: The options a user edits in the settings dialog (the rest are remembered for them).
EDITABLE: tuple[Option[Any], ...] = (
    LANGUAGE,
    IDLE_LOCK_MINUTES,
    PAPER_SIZE,
    SYNC_INTERVAL_MINUTES,
)


class Settings:
    """Typed access to the options, stored under one data folder."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "settings.ini"
        self._qs = QSettings(str(self.path), QSettings.Format.IniFormat)
        self._state = QSettings(str(data_dir / "window-state.ini"), QSettings.Format.IniFormat)
        self._migrate()

    def _migrate(self) -> None:
        stored = self._qs.value("meta/version")
        version = int(stored) if stored is not None and str(stored).isdigit() else 0
        if version > SETTINGS_VERSION:
            return  # written by a newer app: read what we know, write nothing back
        # Version 0 -> 1: nothing to convert (first version), only stamp it.
        if version < SETTINGS_VERSION:
            self._qs.setValue("meta/version", SETTINGS_VERSION)
            self._qs.sync()

    @property
    def version(self) -> int:
        return int(str(self._qs.value("meta/version", 0)))

    def get(self, option: Option[T]) -> T:
        raw = self._qs.value(f"settings/{option.name}")
        if raw is None:
            return option.default
        return option.coerce(raw)

    def set(self, option: Option[T], value: T) -> None:
        key, coerced = f"settings/{option.name}", option.coerce(value)
        if self._qs.contains(key) and self.get(option) == coerced:
            return  # unchanged (the login sets the user and school it just read): no write
        self._qs.setValue(key, coerced)
        self._qs.sync()

    def reset(self, option: Option[Any]) -> None:
        self._qs.remove(f"settings/{option.name}")
        self._qs.sync()

    # window state, kept apart from the settings
    def window_state(self, key: str) -> QByteArray | None:
        value = self._state.value(key)
        return value if isinstance(value, QByteArray) else None

    def set_window_state(self, key: str, value: QByteArray) -> None:
        self._state.setValue(key, value)
        self._state.sync()
