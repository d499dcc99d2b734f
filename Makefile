# Everything a fresh machine needs: Python 3.11+ and make. `make demo` / `make test` install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## The main job: render and check, lint when available, then deploy the example `dev`
## environment to a local AWS emulator (moto on 127.0.0.1) and show status and outputs.
demo: install
	$(BIN)/python scripts/demo.py

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/infragen render --check

bench: install
	$(BIN)/python bench/render.py
	$(BIN)/python bench/deploy.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .infragen-cache bench/work bench/.venv-*
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
