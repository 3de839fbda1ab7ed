# The README's quick start is `make run` and `make test`; everything else hangs off `install`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PO     := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)

.PHONY: install run test lint format bench translations extract-messages clean

install: $(STAMP) $(MO)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

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
	$(BIN)/winlas run --host 127.0.0.1 --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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

# regenerate the catalogue after changing UI text; a test fails while it is out of date.
extract-messages: install
	$(BIN)/pybabel extract --omit-header --no-location --sort-output -F babel.cfg -k _l -o translations/messages.pot .
	$(BIN)/pybabel update --no-wrap --ignore-obsolete -i translations/messages.pot -d translations -l en

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(MO)
