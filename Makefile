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

## The main job: render every environment, then check nothing is stale.
demo: install
	$(BIN)/infragen render
	$(BIN)/infragen render --check
	$(BIN)/infragen list --env prod

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/infragen render --check

bench: install
	$(BIN)/python bench/render.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .infragen-cache bench/work bench/.venv-*
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
