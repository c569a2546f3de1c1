# The two commands a new user needs: `make lab` and `make test`. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORPUS := data/shakespeare.txt
# Tests run notebooks in parallel kernels. On 2 cores, 3 workers beat 2: a quarter of a 2-worker
# run waits (kernel start-up, time limits, the browser) with a core idle. Measured on 2 quiet
# cores, same code: 3 workers 494 s, 4 workers 594 s (too much contention); 2 workers took 585 s
# before the robust class's loops slept instead of spinning (about 65 s of CPU).
WORKERS ?= 3
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help install data lab test test-fast lint release learner-kit learner-kits check bench clean hub-deps

help:
	@echo "make lab      install everything (first time), fetch the corpus, start JupyterLab"
	@echo "make test     install everything (first time), then run the whole test suite"
	@echo "make test-fast  the unit tests only (under a minute)"
	@echo "make lint     ruff check and ruff format --check"
	@echo "make release  regenerate notebooks/ (learner versions) from solutions/ with nbgrader"
	@echo "make learner-kit UNTIL=week05  the learner's package up to that week (dist/*.whl)"
	@echo "make learner-kits  every week's kit, for the tagged release Colab installs from"
	@echo "make check    check the solution notebooks' nbgrader metadata"
	@echo "make bench    run every solution notebook in full mode; write benchmarks/results.{json,md}"
	@echo "make clean    remove the virtual environment and caches (keeps data/)"

# The virtual environment is rebuilt only when the pins change.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile --no-deps -e .
	@# The bytecode pip would write one file at a time, on every core at once (~30 s instead of ~65 s).
	@# Grading kernels need it on disk: they run sandboxed, read-only, and would recompile torch on every
	@# start. The one file left out is a torch test written in Python 3.12 syntax (pip skips it too).
	$(BIN)/python -m compileall -qq -j 0 -x '/torch/testing/_internal/py312_' $(VENV)/lib
	@touch $@

install: $(STAMP)

# Downloads and checks the corpus once; afterwards only verifies its hash (under a second).
data: $(STAMP)
	$(BIN)/python -m helpers.data

# Jupyter refuses to run as root unless told; containers and CI often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

# Learners run full mode: nothing here (or in nbgrader_config.py) sets COURSE_FAST.
# LAB_ARGS adds server options (tests use it for a port and a token).
FIRST_NOTEBOOK := notebooks/week01/perceptron.ipynb
lab: data
	@echo "Starting JupyterLab on the course. Open $(FIRST_NOTEBOOK) first (the address with its token follows)."
	$(BIN)/jupyter lab --notebook-dir=$(CURDIR) --ServerApp.default_url=/lab/tree/$(FIRST_NOTEBOOK) $(ROOT_FLAG) $(LAB_ARGS)

# Each solution notebook executes once; its tests share that run on one worker (xdist_group),
# heaviest work first (tests/notebooks/plugin.py). `pytest --nbval-lax solutions/weekNN` still
# checks one notebook cell by cell.
test: data
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup --no-loadscope-reorder tests

# Unit tests of helpers/ and tools/ only: no notebook, no server (under a minute).
test-fast: data
	$(BIN)/python -m pytest -n $(WORKERS) -m "not slow and not notebook" tests/unit

# JupyterHub and its proxy for the test of a real hub (tests/hub/): pinned in requirements-hub.txt and
# tests/hub/proxy/package-lock.json, installed into .hub/ (never .venv: learners do not need them).
HUB_STAMP := .hub/.installed
$(HUB_STAMP): $(STAMP) requirements-hub.txt tests/hub/proxy/package-lock.json tests/hub/deps.py
	$(BIN)/python -m tests.hub.deps
	@touch $@

hub-deps: $(HUB_STAMP)

# Lint and format check of the Python files and the solution notebooks (settings in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

release: $(STAMP)
	$(BIN)/python tools/release.py

# The package a learner gets up to week UNTIL (JupyterHub, or the tagged release for Colab):
# the given helpers and the reference answers of earlier weeks only (docs/ARCHITECTURE.md).
learner-kit: $(STAMP)
	@test -n "$(UNTIL)" || { echo "say which week: make learner-kit UNTIL=week05"; exit 2; }
	$(BIN)/python tools/learner_kit.py --until $(UNTIL)

# Every week's kit: the files to attach to the tagged release vVERSION that Colab installs from.
learner-kits: $(STAMP)
	$(BIN)/python tools/learner_kit.py --all

check: $(STAMP)
	$(BIN)/python tools/check_notebooks.py

bench: data
	$(BIN)/python tools/bench.py

clean:
	rm -rf $(VENV) .pytest_cache *.egg-info runs
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# The instructor's grading workflow (INSTRUCTORS.md).
-include grading.mk
