# Kortisto — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-full i18n browser bench-tools clean-data help

help:
	@echo "make run    - embedded servers, demo tenants, web + worker + scheduler on :8000"
	@echo "make test   - lint, import rules and the whole test suite (browser tests included)"
	@echo "make bench  - benchmarks; figures go to bench/RESULTS.md"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pybabel compile -d web/locale -f --statistics >/dev/null
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kortisto run

# Debian's chromium drives the browser tests; Playwright's own download cannot work here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium (browser tests)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: run 'sudo apt-get install chromium'"; exit 1; fi; }

# wrk drives the page benchmarks (Kortisto vs baseline under load).
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing wrk (page benchmarks)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk is missing: run 'sudo apt-get install wrk'"; exit 1; fi; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: $(STAMP) browser lint
	$(BIN)/pybabel compile -d web/locale -f >/dev/null
	$(BIN)/pytest -p no:cacheprovider

bench: $(STAMP) bench-tools
	$(BIN)/python -m bench

bench-full: $(STAMP) bench-tools
	KORTISTO_BENCH_FULL=1 $(BIN)/python -m bench

i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -k N_ -o web/locale/messages.pot .
	$(BIN)/pybabel update -i web/locale/messages.pot -d web/locale --no-fuzzy-matching

clean-data:
	-$(BIN)/kortisto stack down
	rm -rf .kortisto
