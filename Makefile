# llkit — two commands: `make demo` and `make test` (each sets everything up first).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO   := build/demo

.PHONY: help install demo test lint format bench lock clean seminar serve dist

help:
	@echo "make demo   - set up .venv, build and validate the sample municipality, write a report per institution"
	@echo "make test   - set up .venv, lint, run the test suite"
	@echo "make bench  - run the benchmarks in benchmarks/"
	@echo "make seminar - regenerate exercises/learner and exercises/solutions from exercises/src"
	@echo "make serve  - serve the dashboard and e-learning on the sample (token printed)"
	@echo "make dist   - build wheel and sdist into dist/ and check them installed outside the repository"
	@echo "make lock   - re-resolve the newest allowed versions into constraints.txt"
	@echo "make clean  - remove .venv and build/"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "llkit needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/llkit sample --sector dagtilbud --out $(DEMO)/dagtilbud --overwrite
	$(BIN)/llkit validate $(DEMO)/dagtilbud
	$(BIN)/llkit validate data/sample/skole
	$(BIN)/llkit info $(DEMO)/dagtilbud
	$(BIN)/llkit batch $(DEMO)/dagtilbud --out $(DEMO)/rapporter --quiet
	@echo ""
	@echo "Reports: $(CURDIR)/$(DEMO)/rapporter/index.html"

lint: $(STAMP)
	$(BIN)/ruff check llkit tests benchmarks

test: $(STAMP) lint
	$(BIN)/python -m pytest -q

format: $(STAMP)
	$(BIN)/ruff format llkit tests benchmarks

bench: $(STAMP)
	@for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

dist: $(STAMP)
	$(BIN)/python scripts/check_install.py --dist dist

seminar: $(STAMP)
	$(BIN)/python -m llkit.apps.seminar build

serve: $(STAMP)
	$(BIN)/llkit serve data/sample/dagtilbud --notebooks all

lock:
	rm -rf build/lock-venv && $(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/python -m pip install --quiet --upgrade "pip>=24"
	build/lock-venv/bin/python -m pip install --quiet '.[dev]'
	build/lock-venv/bin/python -m pip freeze --all --exclude-editable | grep -v -E '^(llkit|pip)==' > constraints.txt
	rm -rf build/lock-venv

clean:
	rm -rf $(VENV) build
