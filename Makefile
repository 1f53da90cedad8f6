# landcon — two commands: `make run` (set up + demo job) and `make test` (set up + whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_FEATURES ?= 20000
export LANDCON_DATA_DIR ?= $(CURDIR)/landcon-data

.PHONY: run test setup lint typecheck layers pytest bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/landcon data synth --county 530124 --features $(DEMO_FEATURES) --seed 1 --format gpkg \
		--out $(LANDCON_DATA_DIR)/sources/demo-530124.gpkg --overwrite
	$(BIN)/landcon data validate $(LANDCON_DATA_DIR)/sources/demo-530124.gpkg
	$(BIN)/landcon data import $(LANDCON_DATA_DIR)/sources/demo-530124.gpkg --name demo --replace
	$(BIN)/landcon data info demo

lint: $(STAMP)
	$(BIN)/ruff check landcon tests bench
	$(BIN)/ruff format --check landcon tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck layers pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_import.py

clean:
	rm -rf $(VENV) landcon-data .pytest_cache .mypy_cache .ruff_cache
