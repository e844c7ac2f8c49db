"""KTP-el Jemput Bola desktop app."""

from ktpe_desktop.__about__ import __version__

__all__ = ["__version__"]
