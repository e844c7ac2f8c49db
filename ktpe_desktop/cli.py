"""The headless commands (``ktpe-desktop …``), on the same services as the UI.

Each area registers its subcommands from ``ktpe_desktop/commands/<area>.py``
(a ``register(subparsers)`` function), so that areas do not share one file.
Without a subcommand, the desktop app starts (``--demo`` runs the built-in
demo campaign against an embedded server).
"""

from __future__ import annotations

import argparse
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


def build_parser() -> argparse.ArgumentParser:
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"ktpe_desktop.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--self-test" in argv:
        # Before anything else (even the subcommand modules): the self-test must be
        # able to report on an installation in which one of them fails to import.
        from ktpe_desktop.selftest import run_self_test

        return run_self_test()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            return _start_gui(args)
        result: int = args.func(args)
        return result
    except KnownError as exc:
        print(f"Galat: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _start_gui(args: argparse.Namespace) -> int:
    try:
        from ktpe_desktop.ui.app import run_app
    except ImportError:  # the UI has not landed yet: show what the demo holds
        from ktpe_desktop.commands.demo import run_demo_preview

        return run_demo_preview(args)
    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
