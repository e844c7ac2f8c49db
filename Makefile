# Every target creates (once) and reuses .venv; everything is installed from pyproject.toml.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run test bench soak screenshots lint build wheel lock translations clean chromium xtools screenshots-office screenshots-reports

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,build]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

translations: $(STAMP)
	$(BIN)/python -m ktpe_desktop.ui.i18n_build

# On Linux, first the system libraries of Qt's X11 plugin: installed with apt-get
# when root, else the exact one-line command is printed and make stops.
run: $(STAMP) translations
	$(BIN)/python -m ktpe_desktop.qt_system_libs --install
	QT_QPA_PLATFORM= $(BIN)/ktpe-desktop --demo

test: $(STAMP) translations chromium xtools
	$(BIN)/python -m pytest -q tests

bench: $(STAMP) translations
	$(BIN)/python -m tests.bench.run_all $(BENCH)

# Long soaks stay out of `make test`: the reliability suite with 10x the kill
# cycles and state-machine examples (about 20 minutes on 2 cores), and every time
# limit of the suite raised (tests/timing.py).
SOAK_REPORT ?= /tmp/ktpe-soak-report.jsonl
soak: $(STAMP) translations
	rm -f $(SOAK_REPORT)
	KTPE_SOAK_FACTOR=10 KTPE_TIME_FACTOR=4 KTPE_SOAK_REPORT=$(SOAK_REPORT) \
		$(BIN)/python -m pytest -q tests/reliability; status=$$?; \
		$(BIN)/python -m tests.reliability.soak_report $(SOAK_REPORT); exit $$status

# The images of docs/ (screenshots, report pages) from the real app: the tests
# marked `screenshots` with KTPE_SCREENSHOTS=1 write them there (in `make test`
# they go to each test's own tmp folder: no test writes into the source tree).
screenshots: $(STAMP) translations
	KTPE_SCREENSHOTS=1 KTPE_SOURCE_GUARD=off $(BIN)/python -m pytest -q -m screenshots tests
	$(BIN)/python -m tests.docs_reports docs/reports

lint: $(STAMP)
	$(BIN)/ruff check ktpe_desktop ktpe_server tests setup.py release
	$(BIN)/ruff format --check ktpe_desktop ktpe_server tests setup.py release
	$(BIN)/mypy ktpe_desktop ktpe_server

# The app is built in its own venv made only from the hash-locked requirements
# (requirements/build-linux.txt; remade when the lock changes), then self-tested.
BUILD_LOCK := requirements/build-linux.txt
BUILD_VENV := .venv-build
BUILD_STAMP := $(BUILD_VENV)/.lock-$(shell cat $(BUILD_LOCK) | sha1sum | cut -c1-12)

$(BUILD_STAMP): $(BUILD_LOCK)
	rm -rf $(BUILD_VENV)
	$(PY) -m venv $(BUILD_VENV)
	$(BUILD_VENV)/bin/python -m pip install -q --require-hashes --no-deps -r $(BUILD_LOCK)
	touch $(BUILD_STAMP)

build: $(BUILD_STAMP)
	$(BUILD_VENV)/bin/python -m pip check
	$(BUILD_VENV)/bin/pyinstaller --noconfirm --clean build.spec
	dist/ktpe-desktop/ktpe-desktop --self-test

# Regenerate the lock files after a dependency changes in pyproject.toml (needs PyPI);
# the pins already there are kept where they fit: `make lock LOCK_ARGS=--upgrade`
# resolves them all afresh.
UV_VERSION := 0.13.9
lock: $(STAMP)
	$(BIN)/python -m pip install -q "uv==$(UV_VERSION)"
	$(BIN)/python release/lock.py $(LOCK_ARGS)

# The wheel (and sdist-free): built in the venv, which has Qt's lrelease for the .qm.
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --no-deps --no-build-isolation -w dist .

clean:
	rm -rf build dist .pytest_cache .mypy_cache $(BUILD_VENV)

# The office console's browser tests drive Debian's Chromium (Playwright's own browser
# download is not reachable): install it when missing; without it they are skipped.
chromium:
	@command -v chromium >/dev/null 2>&1 || \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
	   (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1) || \
	  echo "chromium could not be installed: the office browser tests will be skipped"

# The real-window test (tests/gui/test_real_window.py) drives the app on an X server
# of its own: Xvfb, xdotool and openbox, and Qt's X11 plugin libraries. Installed
# when missing and root; without them that test is skipped.
XTOOLS := xvfb xdotool openbox
xtools: $(STAMP)
	@(command -v Xvfb && command -v xdotool && command -v openbox) >/dev/null 2>&1 || \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(XTOOLS) >/dev/null 2>&1 || \
	   (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(XTOOLS)) >/dev/null 2>&1) || \
	  echo "$(XTOOLS) could not be installed: the real-window test will be skipped"
	@$(BIN)/python -m ktpe_desktop.qt_system_libs --install >/dev/null 2>&1 || \
	  echo "Qt's X11 libraries are missing (python -m ktpe_desktop.qt_system_libs): the real-window test will be skipped"

# Every page of every paper (Berita Acara, Daftar Hadir, recaps; A4 and F4; a
# 1,500-student and a small private school) into docs/reports (docs/reports.md).
screenshots-reports: $(STAMP) translations
	$(BIN)/python -m tests.docs_reports docs/reports

# Screenshots of every office console page (1366x768 and phone width) into docs/screenshots.
screenshots-office: $(STAMP) chromium
	KTPE_OFFICE_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -q \
	  tests/integration/office_browser -k screenshots
