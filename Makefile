# Two commands set everything up on a fresh machine (see README):
#   make demo   installs into .venv and runs the analyzer on the lupus trials that ship in tests/fixtures
#   make test   installs into .venv (if needed) and runs the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= out

.PHONY: install demo test typecheck clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --constraint constraints.txt --editable ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	mkdir -p $(OUT)
	$(BIN)/criteria-nlp annotate tests/fixtures/seeds --output $(OUT)/lupus_trials.jsonl --overwrite
	$(BIN)/criteria-nlp compare tests/fixtures/seeds --output $(OUT)/lupus_compare.csv
	$(BIN)/criteria-nlp lint tests/fixtures/seeds > $(OUT)/lupus_lint.txt
	$(BIN)/criteria-nlp match --patient tests/fixtures/patients/lupus_candidate.json tests/fixtures/seeds --json > $(OUT)/lupus_match.jsonl
	$(BIN)/criteria-nlp report tests/fixtures/seeds --output $(OUT)/lupus_report.html

test: $(STAMP)
	$(BIN)/python -m pytest

typecheck: $(STAMP)
	$(BIN)/python -m mypy

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache
