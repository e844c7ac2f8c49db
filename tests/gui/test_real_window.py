"""The recording day in a real window, driven as a person and a scanner drive it.

The app runs as its own process on an X server of its own (Xvfb at 1366x768 with the
openbox window manager), and ``xdotool`` types into whatever window has the focus:
a password and Enter, Enter on Hari ini, NISN bursts 5 ms apart ending in Enter (a
USB scanner), a name typed at a person's speed, Ctrl shortcuts from the search
field, a card scanned while the outcome or the history dialog is open, Ctrl+Q with
records not sent. Then the data folder is opened here and every outcome must sit on
the student whose card was scanned, none lost, none twice.

Unlike the offscreen GUI tests, this one goes through the window manager's focus
and X's key delivery, where the focus and timing bugs of issue 11 were found.
It needs ``Xvfb``, ``xdotool`` and ``openbox`` (``make test`` installs them when
run as root, as it does Chromium) and Qt's X11 plugin libraries
(``python -m ktpe_desktop.qt_system_libs``); without them it is skipped.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ktpe_desktop import qt_system_libs
from ktpe_desktop.core.events import Status
from ktpe_desktop.services.views import StudentItem
from ktpe_desktop.services.workspace import Workspace
from ktpe_desktop.ui.settings import LAST_USER, Settings
from tests import timing
from tests.gui.conftest import LEAD, PASSWORD

TOOLS = {name: shutil.which(name) for name in ("Xvfb", "xdotool", "openbox")}
SCANNER_DELAY_MS = 5  # xdotool's delay between keys: a USB scanner's speed
PERSON_DELAY_MS = 90
OUTCOMES = {Status.RECORDED, Status.NOT_ELIGIBLE}
XVFB_ARGS = ("-screen", "0", "1366x768x24", "-nolisten", "tcp", "-noreset")

pytestmark = [
    pytest.mark.skipif(
        not sys.platform.startswith("linux") or not all(TOOLS.values()),
        reason="needs Xvfb, xdotool and openbox: apt-get install -y xvfb xdotool openbox",
    ),
    pytest.mark.timeout(600),
]


class Display:
    """An X server of our own (Xvfb picks a free display number) with openbox on it."""

    def __init__(self, logs: Path) -> None:
        read, write = os.pipe()
        self.xvfb = subprocess.Popen(
            [TOOLS["Xvfb"] or "Xvfb", "-displayfd", str(write), *XVFB_ARGS],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=(logs / "xvfb.log").open("w"),
        )
        os.close(write)
        number = b""
        deadline = time.monotonic() + timing.seconds(30)
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([read], [], [], 0.5)
            if ready:
                chunk = os.read(read, 16)
                if not chunk:
                    break
                number += chunk
        os.close(read)
        assert number.strip().isdigit(), "Xvfb did not start"
        self.env = {**os.environ, "DISPLAY": f":{number.decode().strip()}"}
        self.env.pop("QT_QPA_PLATFORM", None)
        self.wm = subprocess.Popen(
            [TOOLS["openbox"] or "openbox"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=(logs / "openbox.log").open("w"),
        )
        self.until(lambda: self.xdo("get_desktop", check=False).returncode == 0, "openbox")

    def close(self) -> None:
        for proc in (self.wm, self.xvfb):
            proc.terminate()
            try:
                proc.wait(timeout=timing.seconds(10))
            except subprocess.TimeoutExpired:
                proc.kill()

    def xdo(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [TOOLS["xdotool"] or "xdotool", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timing.seconds(30),
            check=False,
        )
        if check:
            assert done.returncode == 0, f"xdotool {args}: {done.stderr}"
        return done

    def until(self, condition: Any, what: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + timing.seconds(seconds)
        while not condition():
            assert time.monotonic() < deadline, f"waited in vain for {what}"
            time.sleep(0.05)

    def titles(self) -> list[str]:
        """The names of the visible windows."""
        found = self.xdo("search", "--onlyvisible", "--name", ".", check=False).stdout.split()
        names = []
        for window in found:
            name = self.xdo("getwindowname", window, check=False).stdout.strip()
            if name:
                names.append(name)
        return names

    def wait_title(self, pattern: str, *, gone: bool = False) -> str:
        """Wait until a visible window's title matches ``pattern`` (or none does)."""
        found: list[str] = []

        def matches() -> bool:
            found[:] = [t for t in self.titles() if re.search(pattern, t)]
            return not found if gone else bool(found)

        self.until(matches, f"window {pattern!r} {'to close' if gone else ''}")
        return found[0] if found else ""

    def snapshot(self, path: Path) -> None:
        """The screen as a PNG (to look at when a step waited in vain)."""
        grab = (
            "import sys; from PySide6.QtGui import QGuiApplication as A; a = A(sys.argv[:1]); "
            "A.primaryScreen().grabWindow(0).save(sys.argv[1])"
        )
        env = {**self.env, "QT_QPA_PLATFORM": "xcb"}
        subprocess.run([sys.executable, "-c", grab, str(path)], env=env, timeout=60, check=False)

    def wait_active(self, pattern: str) -> None:
        """Wait until the window manager gave the keyboard to a window matching ``pattern``.

        Keys sent while a closed dialog's focus moves back to the main window reach no
        window at all (X sends them to the root): a person, or the next card, comes
        after the screen changed, so each step waits for it.
        """

        def active() -> bool:
            done = self.xdo("getactivewindow", "getwindowname", check=False)
            return done.returncode == 0 and re.search(pattern, done.stdout.strip()) is not None

        self.until(active, f"the keyboard on {pattern!r}")

    def type(self, text: str, delay_ms: int) -> None:
        self.xdo("type", "--delay", str(delay_ms), text)

    def key(self, *keys: str) -> None:
        self.xdo("key", "--delay", str(SCANNER_DELAY_MS), *keys)

    def scan(self, digits: str) -> None:
        """A USB scanner: the digits 5 ms apart, then Enter."""
        self.type(digits, SCANNER_DELAY_MS)
        self.key("Return")


@pytest.fixture
def display(tmp_path: Path) -> Iterator[Display]:
    found = qt_system_libs.missing()
    if found is None or any(found):
        pytest.skip("Qt's X11 plugin lacks system libraries: python -m ktpe_desktop.qt_system_libs")
    shown = Display(tmp_path)
    yield shown
    shown.close()


MAIN = r" KTP-el Jemput Bola$"


def outcome_title(student: StudentItem) -> str:
    return rf"^Catat hasil: {re.escape(student.name)}$"


def test_a_queue_at_scanner_speed_in_a_real_window(
    display: Display, demo_data: Path, tmp_path: Path
) -> None:
    ws = Workspace.open(demo_data, LEAD, PASSWORD)
    try:
        listed = ws.schools(None)  # Hari ini's order (no visit today: all schools)
        schools = {s.name: s.npsn for s in listed}
        roster = {
            name: [s for s in ws.search(npsn, "", limit=1000) if s.nisn]
            for name, npsn in schools.items()
        }
    finally:
        ws.close()
    Settings(demo_data).set(LAST_USER, LEAD)
    log = (tmp_path / "app.log").open("w")
    app = subprocess.Popen(
        [sys.executable, "-m", "ktpe_desktop", "--data-dir", str(demo_data), "--lang", "id"],
        env={**display.env, "KTPE_FAST_KDF": "1", "QT_QPA_PLATFORM": "xcb"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        display.wait_active(r"^KTP-el Jemput Bola$")
        display.type(PASSWORD, PERSON_DELAY_MS // 3)  # the password field has the focus
        display.key("Return")
        display.wait_title(r"^Hari ini .+ KTP-el Jemput Bola$")
        # Hari ini has the keyboard: ↓ to a big school, Enter opens it
        row = next(i for i, s in enumerate(listed) if len(roster[s.name]) >= 26)
        school = listed[row].name
        display.key(*["Down"] * row, "Return")
        display.wait_title(rf"^{re.escape(school)} .+ KTP-el Jemput Bola$")
        queue = [s for s in roster[school] if s.status == Status.PENDING]

        confirmed: list[StudentItem] = []
        left: list[StudentItem] = []
        # 22 cards in a row; every third arrives while the previous dialog is open
        students = iter(queue[:22])
        for n, student in enumerate(students):
            assert student.nisn
            display.scan(student.nisn)
            display.wait_active(outcome_title(student))
            if n % 3 == 1:
                interrupting = next(students, None)
                if interrupting is not None and interrupting.nisn:
                    display.scan(interrupting.nisn)  # never confirms the one on screen
                    display.wait_active(outcome_title(interrupting))
                    left.append(student)
                    student = interrupting
            display.key("Return")  # the operator's Enter: Terekam
            display.wait_title(r"^Catat hasil: ", gone=True)
            display.wait_active(MAIN)
            confirmed.append(student)

        # a name typed at a person's speed, then Enter, Enter
        by_name = next(
            s
            for s in queue[22:]
            if sum(1 for t in roster[school] if t.name.startswith(s.name)) == 1
        )
        display.type(by_name.name.lower(), PERSON_DELAY_MS)
        display.key("Return")
        display.wait_active(outcome_title(by_name))
        display.key("Return")
        display.wait_title(r"^Catat hasil: ", gone=True)
        display.wait_active(MAIN)
        confirmed.append(by_name)

        # Ctrl+H from the search field, and a card arriving while the history is open
        display.key("ctrl+h")
        display.wait_active(rf"^Riwayat: {re.escape(by_name.name)}$")
        after_history = next(s for s in queue[22:] if s is not by_name)
        assert after_history.nisn
        display.scan(after_history.nisn)
        display.wait_active(outcome_title(after_history))
        assert not [t for t in display.titles() if t.startswith("Riwayat")]
        display.key("Return")
        display.wait_title(r"^Catat hasil: ", gone=True)
        display.wait_active(MAIN)
        confirmed.append(after_history)

        # Ctrl+E (Koreksi data) from the search field, left with Esc
        display.key("ctrl+e")
        display.wait_active(r"^Koreksi data siswa$")
        display.key("Escape")
        display.wait_title(r"^Koreksi data siswa$", gone=True)
        display.wait_active(MAIN)

        # Ctrl+Q with records not sent: reminded; Esc stays. The window manager's close
        # (Alt+F4 in openbox) reminds too; Keluar saja (Alt+K) quits.
        display.key("ctrl+q")
        display.wait_active(r"^Keluar$")
        display.key("Escape")
        display.wait_active(MAIN)
        display.key("alt+F4")
        display.wait_active(r"^Keluar$")
        display.key("alt+k")
        assert app.wait(timeout=timing.seconds(60)) == 0
    except AssertionError:
        display.snapshot(tmp_path / "screen.png")
        print(f"the screen when it failed: {tmp_path / 'screen.png'}; windows: {display.titles()}")
        raise
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        log.close()

    ws = Workspace.open(demo_data, LEAD, PASSWORD)
    try:
        for student in confirmed:  # Enter saves Terekam, or Belum Cukup Umur when under age
            kinds = [h.kind for h in ws.history(student.id)]
            assert kinds in (["recorded"], ["not_eligible"]), (student.name, kinds)
            assert ws.student(student.id).status in OUTCOMES, student.name
        for student in left:
            assert ws.student(student.id).status == Status.PENDING, student.name
            assert ws.history(student.id) == []
        recorded = [s for s in ws.search(schools[school], "", limit=1000)]
        assert {s.id for s in recorded if s.status != Status.PENDING} == {s.id for s in confirmed}
    finally:
        ws.close()


def test_the_demo_keeps_a_password_and_enter_typed_while_it_prepares(
    display: Display, tmp_path: Path
) -> None:
    """First start of the demo: the password typed and Enter pressed while "Menyiapkan
    demo…" shows are kept, and the login happens once the demo is ready."""
    from ktpe_desktop.services.demo_mode import DEMO_PASSWORD

    log = (tmp_path / "app.log").open("w")
    app = subprocess.Popen(
        [sys.executable, "-m", "ktpe_desktop", "--demo", "--data-dir", str(tmp_path / "demo")],
        env={**display.env, "KTPE_FAST_KDF": "1", "QT_QPA_PLATFORM": "xcb"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        display.wait_active(r"^KTP-el Jemput Bola$")
        display.type(DEMO_PASSWORD, PERSON_DELAY_MS // 3)
        display.key("Return")
        display.wait_title(r"^Hari ini .+ KTP-el Jemput Bola$")
    except AssertionError:
        display.snapshot(tmp_path / "screen.png")
        print(f"the screen when it failed: {tmp_path / 'screen.png'}")
        raise
    finally:
        app.terminate()
        try:
            app.wait(timeout=timing.seconds(60))
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
        log.close()
