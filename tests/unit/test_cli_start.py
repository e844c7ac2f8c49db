"""Starting the window does not import the headless commands (start-up time)."""

from __future__ import annotations

import os
import subprocess
import sys

from ktpe_desktop.cli import build_parser, names_a_command


def test_only_a_command_word_or_help_needs_the_commands() -> None:
    assert not names_a_command([])
    assert not names_a_command(["--data-dir", "/tmp/x", "--lang", "id", "--demo"])
    assert not names_a_command(["--data-dir=/tmp/db", "--bench-startup"])
    assert names_a_command(["db", "init"])
    assert names_a_command(["--lang", "en", "report", "school"])
    assert names_a_command(["--help"])


def test_the_window_parser_reads_the_same_options_without_commands() -> None:
    args = build_parser(commands=False).parse_args(["--data-dir", "d", "--lang", "en"])
    assert (args.command, args.app_data_dir, args.lang) == (None, "d", "en")
    assert build_parser().parse_args(["db", "init", "--user", "u"]).command == "db"


def test_the_window_path_imports_no_command_module() -> None:
    code = (
        "import sys\n"
        "from ktpe_desktop import cli\n"
        "cli.build_parser(commands=cli.names_a_command(['--lang', 'id']))\n"
        "print(sorted(m for m in sys.modules if m.startswith('ktpe_desktop.commands.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"


def test_the_login_page_imports_no_database_code() -> None:
    # ui.app shows the login page; SQLAlchemy, requests, the store and the work pages
    # are imported by ui.preload while the password is typed (docs/performance.md).
    heavy = (
        "sqlalchemy",
        "requests",
        "urllib3",
        "openpyxl",
        "ktpe_desktop.services.workspace",
        # the event model, the services' views and the identifier checks: the login
        # page takes its labels' codes, its user list and its password rules from
        # small modules of their own (core.codes, services.users, core.passwords)
        "ktpe_desktop.core.events",
        "ktpe_desktop.services.views",
        "ktpe_desktop.core.checks",
        "ktpe_desktop.core.identifiers",
        "ktpe_desktop.storage.store",
        "ktpe_desktop.ui.roster_page",
        "ktpe_desktop.sync.qt",  # the sync status, built on the main thread after Return
    )
    code = (
        "import sys\n"
        "import ktpe_desktop.ui.app\n"
        f"heavy = {heavy!r}\n"
        "print(sorted(h for h in heavy if h in sys.modules))\n"
        "from ktpe_desktop.ui import preload\n"
        "preload.start(); assert preload.wait(120)\n"
        "print(sorted(h for h in heavy[:3] + heavy[4:] if h not in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert out.stdout.split("\n")[:2] == ["[]", "[]"], out.stdout + out.stderr
