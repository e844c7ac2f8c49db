"""The Qt desktop UI (PySide6 widgets). Talks to ``ktpe_desktop.services`` only.

Importing this package applies :func:`protect_none` (see there): PySide6 6.12.0 on
CPython 3.11 drops one reference to ``None`` on every call of a wrapped C++
method that returns ``void`` (``setText``, ``show``, ``processEvents`` …). On
3.12+ ``None`` is immortal and nothing happens; on 3.11 the interpreter aborts
with "Fatal Python error: none_dealloc" after a few thousand such calls.
"""

from __future__ import annotations

import ctypes
import platform
import sys

# Far more than a laptop can call in years (a few million void calls per day).
_NONE_RESERVE = 1 << 40


def protect_none() -> None:
    """Make ``None``'s reference count effectively immortal on CPython < 3.12.

    ``ob_refcnt`` is the first field of every CPython object, so adding a large
    reserve to it is exactly what CPython 3.12 does for immortal objects. No-op on
    other versions and implementations.
    """
    if sys.version_info >= (3, 12) or platform.python_implementation() != "CPython":
        return
    try:
        from PySide6 import __version_info__ as pyside
    except ImportError:
        return
    if tuple(pyside[:2]) < (6, 12):
        return  # 6.11 and older count None correctly
    refcnt = ctypes.c_ssize_t.from_address(id(None))
    if refcnt.value < _NONE_RESERVE:
        refcnt.value += _NONE_RESERVE


protect_none()
