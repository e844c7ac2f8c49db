# Every target creates (once) and reuses .venv; everything is installed from pyproject.toml.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run test bench soak lint build wheel translations clean chromium screenshots-office

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,build]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

translations: $(STAMP)
	$(BIN)/python -m ktpe_desktop.ui.i18n_build

run: $(STAMP) translations
	QT_QPA_PLATFORM= $(BIN)/ktpe-desktop --demo

test: $(STAMP) translations chromium
	$(BIN)/python -m pytest -q tests

bench: $(STAMP) translations
	$(BIN)/python -m tests.bench.run_all $(BENCH)

# Long soaks stay out of `make test`: the reliability suite with 10x the kill
# cycles and state-machine examples (about 20 minutes on 2 cores).
soak: $(STAMP) translations
	KTPE_SOAK_FACTOR=10 $(BIN)/python -m pytest -q tests/reliability

lint: $(STAMP)
	$(BIN)/ruff check ktpe_desktop ktpe_server tests setup.py
	$(BIN)/ruff format --check ktpe_desktop ktpe_server tests setup.py
	$(BIN)/mypy ktpe_desktop ktpe_server

build: $(STAMP) translations
	$(BIN)/pyinstaller --noconfirm --clean build.spec

# The wheel (and sdist-free): built in the venv, which has Qt's lrelease for the .qm.
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --no-deps --no-build-isolation -w dist .

clean:
	rm -rf build dist .pytest_cache .mypy_cache

# The office console's browser tests drive Debian's Chromium (Playwright's own browser
# download is not reachable): install it when missing; without it they are skipped.
chromium:
	@command -v chromium >/dev/null 2>&1 || \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
	   (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1) || \
	  echo "chromium could not be installed: the office browser tests will be skipped"

# Screenshots of every office console page (1366x768 and phone width) into docs/screenshots.
screenshots-office: $(STAMP) chromium
	KTPE_OFFICE_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -q \
	  tests/integration/office_browser -k screenshots
