# Everything a newcomer needs: `make run` and `make test` set up the venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCALES := kk ru en
PO_FILES := $(foreach l,$(LOCALES),locales/$(l)/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
SOURCES := bot handlers db

.PHONY: install run test lint locales bench clean

install: $(STAMP) $(MO_FILES)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --domain messages --input-file $< --output-file $@ --locale $*

run: install
	$(BIN)/python -m bot $(ARGS)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(BIN)/ruff check $(SOURCES) tests bench
	$(BIN)/ruff format --check $(SOURCES) tests bench
	$(BIN)/mypy

lint: install
	$(BIN)/ruff check $(SOURCES) tests bench
	$(BIN)/ruff format --check $(SOURCES) tests bench
	$(BIN)/mypy

# Extract the template from the sources, merge it into each catalog, compile.
# New entries arrive untranslated: translate them in all three .po files
# (tests/test_locales.py fails until you do).
locales: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-by-file --project Seriktes --add-comments=TRANSLATORS: \
		--keywords '_ __ ngettext:1,2 lazy_ngettext:1,2' \
		--output-file locales/messages.pot $(SOURCES)
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --domain messages \
		--width 100 --input-file locales/messages.pot --output-dir locales
	$(MAKE) $(MO_FILES)

bench: install
	$(BIN)/python bench/middleware_cost.py

clean:
	rm -rf $(VENV) $(MO_FILES) .pytest_cache .mypy_cache .ruff_cache
