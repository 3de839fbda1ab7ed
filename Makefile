# The README's quick start is `make run` and `make test`; everything else hangs off `install`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
LOCK   := requirements.lock
# a new lock or a new pyproject.toml means a new stamp, so `make install` installs again
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | cksum | cut -d' ' -f1)
PO     := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)

.PHONY: install lock lock-upgrade run test lint format bench bench-lighthouse translations extract-messages clean

install: $(STAMP) $(MO)

# Exactly the lock's releases, each checked against its hash (pip and setuptools included);
# then the project itself, built with the lock's setuptools, adding nothing.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*
	touch $@

# Pin every runtime and `test` dependency of pyproject.toml, with hashes, into the lock.
# Keeps the pins it can; `make lock-upgrade` (or UPGRADE=1) takes the newest allowed releases.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --extra test --extra clickhouse --strip-extras \
		--no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade) \
		-o $(LOCK) pyproject.toml

lock-upgrade:
	$(MAKE) lock UPGRADE=1

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

translations: $(MO)

run: install
	$(BIN)/winlas migrate
	$(BIN)/winlas demo-data
	@echo
	@echo "  WinLas is at http://127.0.0.1:$(PORT)/"
	@echo "  Demo marketer: marknad@winlas.se, password: $${WINLAS_DEMO_PASSWORD:-demo-lösenord-2026}"
	@echo
	@# the analytics writer stores what the site spools (ANALYTICS_WRITE_MODE=process): started
	@# beside the server and stopped with it, however the server ends (Ctrl-C too)
	$(BIN)/winlas analytics writer & writer=$$!; \
	trap 'kill -TERM $$writer 2>/dev/null; wait $$writer' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/winlas run --host 127.0.0.1 --port $(PORT)

# style, then the one-way layers ([tool.importlinter]), then types ([tool.mypy]);
# import cycles and imports inside functions are tests/unit/test_import_graph.py
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -n auto --dist loadfile --ignore=tests/e2e
	$(BIN)/pytest tests/e2e

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# wrk, not a Python load generator that competes with the servers for the cores (Debian: wrk)
bench: install
	command -v wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/bots.py
	$(BIN)/python bench/dashboard.py
	$(BIN)/python bench/hll.py
	$(BIN)/python bench/clickhouse.py
	$(MAKE) --no-print-directory bench-lighthouse

# Lighthouse from npm, pinned in bench/lighthouse/package-lock.json (npm rewrites the hidden lock
# in node_modules on every install, so a changed lock installs again)
LIGHTHOUSE := bench/lighthouse/node_modules/.package-lock.json

$(LIGHTHOUSE): bench/lighthouse/package.json bench/lighthouse/package-lock.json
	npm ci --prefix bench/lighthouse --no-audit --no-fund
	touch $@

# every public page type and the dashboard, mobile and desktop, first visit, with Debian's
# Chromium (issue 17): fails below 95; its summary shows the targets (100 public, 98 dashboard)
bench-lighthouse: install $(LIGHTHOUSE)
	command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	$(BIN)/python bench/lighthouse.py

# regenerate the catalogue after changing UI text; a test fails while it is out of date.
extract-messages: install
	$(BIN)/pybabel extract --omit-header --no-location --sort-output -F babel.cfg -k _l -o translations/messages.pot .
	$(BIN)/pybabel update --no-wrap --ignore-obsolete -i translations/messages.pot -d translations -l en

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .import_linter_cache $(MO) bench/lighthouse/node_modules
