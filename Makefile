# tvcolumn: `make run` serves the demo, `make test` runs every check.
# Both create .venv and install on first use (and again when pyproject.toml changes);
# `make test` also installs the node packages of the feed interop tests (package-lock.json) and,
# as root, the Debian packages of the browser and deployment tests (chromium, fonts-noto-cjk,
# nginx-light, openssl, systemd for systemd-analyze, xmltv-util for tv_validate_file).
# Under CI (CI=true) a skipped test fails.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# The feeds' HTTP benchmark compares our server with nginx under load from wrk (Debian packages).
BENCH_TOOLS := nginx:nginx-light wrk:wrk

.PHONY: install install-node install-system run test lint typecheck pytest bench clean translations

install: $(STAMP)

# Mozilla's ical.js, one of the four parsers tests/calendars/test_interop.py runs on every feed.
install-node: $(NODE_STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        echo "make: installing node and npm (apt-get)"; \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
	    else \
	        echo "make: node and npm are needed by the feed interop tests (ical.js):" \
	            "install Node.js 18.19 or later with npm (Debian: apt-get install nodejs npm)" >&2; \
	        exit 1; \
	    fi; \
	fi
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# What the browser and deployment tests need from Debian: Chromium and a CJK font (Playwright
# drives /usr/bin/chromium, its own browser download does not work here; without a CJK font
# every Chinese character is drawn as an empty box), nginx and openssl (tests/web/test_deploy.py
# serves deploy/ for real), systemd-analyze (it verifies deploy/'s units) and the XMLTV
# project's validator tv_validate_file (xmltv-util: every XMLTV guide export is checked by it).
# Checked on every run and installed with apt-get when missing, as root; otherwise the tests that need them
# skip, and under CI (CI=true) make stops here (and pytest would fail those tests anyway).
install-system:
	@export PATH="$$PATH:/usr/sbin:/sbin"; missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	command -v fc-list >/dev/null || missing="$$missing fontconfig"; \
	fc-list :lang=zh 2>/dev/null | grep -q . || missing="$$missing fonts-noto-cjk"; \
	command -v nginx >/dev/null || missing="$$missing nginx-light"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
	command -v tv_validate_file >/dev/null || missing="$$missing xmltv-util"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "make: installing$$missing (apt-get)"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; } \
	        || exit 1; \
	elif [ "$$CI" = true ]; then \
	    echo "make: the browser and deployment tests need$$missing:" \
	        "run make as root, or apt-get install$$missing" >&2; \
	    exit 1; \
	else \
	    echo "make: missing$$missing (as root: apt-get install$$missing);" \
	        "the browser and deployment tests that need them will skip" >&2; \
	fi

# The scheduler service runs beside the development server and stops with it; `serve` has
# no reloader, so nothing starts twice (docs/decisions/0001).
run: install
	$(BIN)/tvcolumn db upgrade
	$(BIN)/tvcolumn demo load
	$(BIN)/tvcolumn scheduler run & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/tvcolumn serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

# The suite runs on $(PYTEST_WORKERS) pytest-xdist workers, a test file per worker at a time,
# each worker on a PostgreSQL database of its own (tests/conftest.py); then the tests marked
# serial (one restarts PostgreSQL) run alone. Both runs always run; make fails if either fails.
# The slowest fifteen are listed at the end: where to look when the suite grows.
PYTEST_WORKERS ?= 2
pytest: install install-node install-system
	status=0; \
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not serial" --durations=15 || status=$$?; \
	$(BIN)/pytest -m serial || status=$$?; \
	exit $$status

test: lint typecheck pytest

bench: install
	@export PATH="$$PATH:/usr/sbin:/sbin"; \
	for pair in $(BENCH_TOOLS); do \
	    tool=$${pair%%:*}; package=$${pair#*:}; \
	    command -v $$tool >/dev/null && continue; \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        echo "make: installing $$package (apt-get)"; \
	        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$package; } \
	            || exit 1; \
	    else \
	        echo "make: $$tool is missing: the feeds' HTTP benchmark needs it" \
	            "(Debian: apt-get install $$package)" >&2; \
	        exit 1; \
	    fi; \
	done
	$(BIN)/python -m bench

# Extract the interface's Chinese strings, merge them into the English catalog (fill in its
# new msgstr lines) and compile it; the compiled catalog is committed with the .po.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d web/translations

clean:
	rm -rf $(VENV) node_modules test-output .pytest_cache .mypy_cache .ruff_cache .hypothesis
