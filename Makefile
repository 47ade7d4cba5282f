# Two commands do everything (see README.md):
#   make book   build the HTML book into _build/html
#   make test   run the test suite (builds the book too)
#   make lab    open the chapters in JupyterLab (students, reviewers)
# Both create the virtual environment .venv from requirements.lock if needed.

PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
# The checkout's own nhsbook package wins over any other copy on the path.
export PYTHONPATH := $(CURDIR)

.PHONY: book test lab figures bench lock lint clean venv

book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	$(BIN)/python -m nhsbook.pdf

# Two pytest-xdist workers, one a core; each test file runs in one of them, in the order
# tests/conftest.py gives, and the first to need the book builds it. TEST_WORKERS=0: serial.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# Served from the repository root, so URLs match Binder's (lab/tree/chapters/goals.md);
# lab/overrides.json makes JupyterLab open MyST Markdown chapters as notebooks.
lab: $(STAMP)
	install -D -m 644 lab/overrides.json "$$($(BIN)/jupyter lab path | awk -F': *' '/Application directory/ {print $$2}')/settings/overrides.json"
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/chapters $(LAB_ARGS)

figures: book
	$(BIN)/python -m nhsbook.snapshots --update

# Budgets as ratios within one call; also compares execution mechanisms and times
# `make test` in a fresh clone of HEAD (long: about 15 minutes on 2 idle cores).
BENCH_ARGS ?= --compare --test
bench: book
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/pageweight.py

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (got %d.%d); set PYTHON=python3.11" % sys.version_info[:2])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Re-pin after editing requirements.in; rewrites requirements.lock and environment.yml.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras -o requirements.lock requirements.in
	$(BIN)/python -m nhsbook.lockfile requirements.lock > environment.yml

clean:
	rm -rf _build
