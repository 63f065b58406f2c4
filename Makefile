# `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test bench fuzz docs package lint typecheck pytest system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

# make demo DEMO_ARGS="--store redis://127.0.0.1:6379/0"  (or sqlite:///demo.db, memory:)
demo: $(STAMP)
	$(BIN)/python -m examples.demo $(DEMO_ARGS)

# Benchmarks against the peers, in one interleaved run: writes benchmarks/RESULTS.md.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.chart

# The documentation site, built strictly into ./site (the test suite builds it too).
docs: $(STAMP)
	bash scripts/build-docs.sh

# Build the sdist and wheel and install the wheel in a fresh venv (tests/packaging runs it too).
package: $(STAMP)
	bash scripts/check-package.sh

# System packages the tests need (Go and gorilla for the interop tests).
system-deps:
	bash scripts/install-system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests examples scripts benchmarks fuzz
	$(BIN)/ruff format --check src tests examples scripts benchmarks fuzz

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Each fuzz target under atheris (libFuzzer) for FUZZ_SECONDS (default 15).
fuzz: $(STAMP)
	PYTHON=$(BIN)/python bash scripts/run-fuzz.sh

test: lint typecheck pytest fuzz

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache tests/interop/_build
