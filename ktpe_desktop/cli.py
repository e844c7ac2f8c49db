"""The headless commands (``ktpe-desktop …``), on the same services as the UI.

Each area registers its subcommands from ``ktpe_desktop/commands/<area>.py``
(a ``register(subparsers)`` function), so that areas do not share one file.
Without a subcommand, the desktop app starts (``--demo`` runs the built-in
demo campaign against an embedded server).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence

from ktpe_desktop.core.errors import KnownError

# Modules under ktpe_desktop/commands that provide register(subparsers).
COMMAND_MODULES = (
    "db",
    "demo",
    "sync",
    "reports",
    "imports",
    "papers",
)


# The app's own options that take a value (``--data-dir X``): not a command word.
_VALUE_OPTIONS = ("--data-dir", "--lang")


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    """The parser; ``commands=False`` leaves the subcommands out (and their imports).

    Starting the window needs none of them, and importing every area's command
    module (reports with openpyxl, the hub, imports …) cost about a fifth of the
    start-up's import time (docs/performance.md).
    """
    from ktpe_desktop import __version__

    parser = argparse.ArgumentParser(
        prog="ktpe-desktop",
        description="KTP-el Jemput Bola — perekaman KTP-el pemilih pemula di sekolah.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--demo", action="store_true", help="run the built-in demo campaign")
    parser.add_argument("--data-dir", dest="app_data_dir", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--lang", choices=("id", "en"), default=None, help="UI language")
    parser.add_argument("--self-test", action="store_true", help="check the installed app and exit")
    # tests/bench/bench_startup.py: log in with $KTPE_PASSWORD, time the roster, quit
    parser.add_argument("--bench-startup", action="store_true", help=argparse.SUPPRESS)
    if not commands:
        parser.set_defaults(command=None)
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"ktpe_desktop.commands.{name}")
        module.register(sub)
    return parser


def names_a_command(argv: Sequence[str]) -> bool:
    """Whether ``argv`` holds a word that is not an option (a command) or asks for help."""
    takes_value = False
    for arg in argv:
        if takes_value:
            takes_value = False
        elif arg in ("-h", "--help"):
            return True
        elif arg in _VALUE_OPTIONS:
            takes_value = True
        elif not arg.startswith("-"):
            return True
    return False


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--scan-worker"]:
        # The import's helper process (D48): before anything else is imported.
        from ktpe_desktop.imports.scan_worker import serve

        return serve()
    if "--self-test" in argv:
        # Before anything else (even the subcommand modules): the self-test must be
        # able to report on an installation in which one of them fails to import.
        from ktpe_desktop.selftest import run_self_test

        return run_self_test()
    parser = build_parser(commands=names_a_command(argv))
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            return _start_gui(args)
        result: int = args.func(args)
        return result
    except KnownError as exc:
        print(f"Kesalahan: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _start_gui(args: argparse.Namespace) -> int:
    # The imports below create a few hundred thousand objects, none of them garbage:
    # without the collector they take about a tenth less CPU, and frozen afterwards
    # (gc.freeze) the collections while the operator types no longer walk them.
    # ui.app imports only what the login page needs; the rest is imported by
    # ui.preload while the page is shown, and the collector comes back after it.
    gc.disable()
    try:
        from ktpe_desktop.ui.app import run_app
    except ImportError:  # the UI has not landed yet: show what the demo holds
        gc.enable()
        from ktpe_desktop.commands.demo import run_demo_preview

        return run_demo_preview(args)
    gc.freeze()
    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
