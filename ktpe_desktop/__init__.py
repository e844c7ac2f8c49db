"""KTP-el Jemput Bola desktop app."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ktpe-jemput-bola")
except PackageNotFoundError:  # running from a source tree or a frozen build
    __version__ = "0.1.0"
