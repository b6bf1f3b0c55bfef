# The two commands: `make serve` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve test build install catalogs messages clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed catalogs

catalogs: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d src/deflect/translations

# After adding or changing words of the service: new msgids into every language's .po (then translate them).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o src/deflect/translations/messages.pot .
	$(BIN)/pybabel update -i src/deflect/translations/messages.pot -d src/deflect/translations --no-fuzzy-matching --ignore-obsolete

build: install
	$(BIN)/deflect build

serve: build
	$(BIN)/deflect serve --host $(HOST) --port $(PORT)

# One pytest worker per core (pytest-xdist, at most 4), a whole test file per worker: each worker
# builds its own site and index once, and a file's tests share their module fixtures.
# TEST_WORKERS=0 runs everything in one process (a debugger, print()s); PYTEST_ARGS adds options.
TEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile $(PYTEST_ARGS)

clean:
	rm -rf site var
