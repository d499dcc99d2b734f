# Everything a fresh machine needs: Python 3.11+ and make. `make demo` / `make test` install first.
# `install` builds only the main venv (infragen, its test tools and the AWS emulator);
# checkov's venv is built by `make test` alone, so `make demo` never waits for it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# checkov pins clash with cfn-lint's, so it lives in its own venv (tests/lint/test_checkov.py).
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV    := .venv-checkov
CHECKOV_STAMP   := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

.PHONY: install checkov demo test lint bench clean

install: $(STAMP)

checkov: $(CHECKOV_STAMP)

$(CHECKOV_STAMP):
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet 'checkov==$(CHECKOV_VERSION)'
	touch $(CHECKOV_STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,emulator]'
	touch $(STAMP)

## The main job: render and check, lint, then deploy the example `dev` environment to
## infragen's local AWS emulator (127.0.0.1) with change sets, redeploy it (a no-op), show
## status and outputs, delete it, and time each step.
demo: install
	$(BIN)/python scripts/demo.py

test: install checkov
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/infragen render --check
	$(BIN)/infragen lint

bench: install
	$(BIN)/python bench/render.py
	$(BIN)/python bench/lint.py
	$(BIN)/python bench/deploy.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache .ruff_cache .infragen-cache bench/work bench/.venv-*
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
