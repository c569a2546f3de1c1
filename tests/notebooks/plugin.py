"""pytest plugin (registered by the root ``conftest.py``): each solution notebook executes once
per test session, and every test that needs the executed notebook shares that execution.

A test asks for it with the ``solution_run`` fixture and a ``path`` parameter (a solution
notebook), best made with ``notebook_params()``:

    @pytest.mark.parametrize("path", notebook_params())
    def test_something(path, solution_run):
        live = solution_run.live          # a LiveNotebook, executed, kernel still running

The first test of a notebook executes it (``tests.nbharness.LiveNotebook``, fast mode); the
kernel stays up for the next tests of the same notebook and is shut down after the last one.
If the execution fails (the kernel died or restarted, a cell hung past its limit and the kernel
could not be stopped), every test of that notebook fails with the same one-line reason instead
of a cascade of NameErrors.

Scheduling (``make test`` runs ``pytest -n 3 --dist loadgroup --no-loadscope-reorder``):

- every test that uses ``solution_run`` gets ``xdist_group(<notebook id>)``, so a notebook's
  tests run on one worker, one after the other, and share its kernel; different notebooks
  spread over the workers;
- the collection is sorted heaviest work unit first (longest-processing-time-first keeps the
  workers busy to the end). A unit's cost is its duration in the last run (kept in
  ``.pytest_cache``), else the estimate below, else 0 (cheap tests keep their order).
"""

from __future__ import annotations

import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.nbharness import ROOT, LiveNotebook, solution_notebooks

# Estimated seconds of a notebook's work unit (fast-mode execution and its mutant catalogue) on
# one core of a loaded 2-core machine; used until a run has measured them (see CACHE_KEY). The
# other notebook-heavy tests (nbgrader round trips per week) are estimated as EXECUTIONS times
# the execution estimate of their week.
NOTEBOOK_COST = {
    "week01": 20,
    "week02": 25,
    "week03": 40,
    "week04": 50,
    "week05": 70,
    "week06": 70,
    "week07": 60,
    "week08": 110,
    "week09": 90,
    "week10": 100,
    "week11": 120,
}
UNKNOWN_NOTEBOOK_COST = 60
EXECUTIONS = 3.5  # measured: week 1 round trip 170 s vs 48 s for its shared run and mutants (load 8-11)
SLOW_COST = 15
CACHE_KEY = "course/durations"
# The shared kernels run with a fixed hash seed other than an author's usual one, so the
# determinism test (tests/grading/test_grading_determinism.py) can use them.
HASH_SEED = "4242"


def notebook_id(path: Path) -> str:
    """``week05-char_rnn``: the test id and xdist group of a solution notebook."""
    return f"{path.parent.name}-{path.stem}"


def notebook_params() -> list:
    """One ``path`` parameter per solution notebook, with its id (tests that also ask for
    ``solution_run`` are marked ``notebook`` and grouped by the plugin)."""
    return [pytest.param(p, id=notebook_id(p)) for p in solution_notebooks()]


# ----------------------------------------------------------------------------- the shared runs


@dataclass
class SolutionRun:
    path: Path
    live: LiveNotebook | None = None
    failure: str = ""
    seconds: float = 0.0

    def require(self) -> LiveNotebook:
        """The live notebook, or fail the calling test with why there is none."""
        if self.live is None:
            pytest.fail(self.failure, pytrace=False)
        return self.live


class _Runs:
    def __init__(self) -> None:
        self.runs: dict[Path, SolutionRun] = {}
        self.executions: dict[Path, int] = {}

    def get(self, path: Path) -> SolutionRun:
        path = Path(path).resolve()
        if path not in self.runs:
            run = SolutionRun(path)
            start = time.perf_counter()
            self.executions[path] = self.executions.get(path, 0) + 1
            if self.executions[path] > 1:  # its tests did not run one after the other
                warnings.warn(
                    f"{notebook_id(path)} executed {self.executions[path]} times in this session", stacklevel=2
                )
            try:
                run.live = LiveNotebook(path, env={"PYTHONHASHSEED": HASH_SEED}).__enter__()
            except Exception as e:  # noqa: BLE001 - every test of the notebook reports it
                run.failure = f"{path.relative_to(ROOT)}: the shared execution failed: {type(e).__name__}: {e}"
            run.seconds = time.perf_counter() - start
            self.runs[path] = run
        return self.runs[path]

    def close(self, path: Path) -> None:
        run = self.runs.pop(Path(path).resolve(), None)
        if run is not None and run.live is not None:
            run.live.close()

    def close_all(self) -> None:
        for path in list(self.runs):
            self.close(path)


RUNS = _Runs()


@pytest.fixture
def solution_run(path) -> SolutionRun:
    """The session's execution of the solution notebook ``path`` (see the module docstring)."""
    return RUNS.get(path)


def _notebook_of(item) -> Path | None:
    if "solution_run" not in getattr(item, "fixturenames", ()):
        return None
    callspec = getattr(item, "callspec", None)
    path = callspec.params.get("path") if callspec else None
    return Path(path).resolve() if path is not None else None


def pytest_runtest_teardown(item, nextitem) -> None:
    """Shut a notebook's kernel down after the last of its tests (the next one is another's)."""
    path = _notebook_of(item)
    if path is not None and (nextitem is None or _notebook_of(nextitem) != path):
        RUNS.close(path)


def pytest_sessionfinish(session) -> None:
    RUNS.close_all()
    _save_durations(session.config)


# ----------------------------------------------------------------------------- scheduling


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:
    """Group the tests of each notebook (before xdist reads the groups)."""
    for item in items:
        path = _notebook_of(item)
        if path is not None:
            item.add_marker(pytest.mark.notebook)
            if not any(True for _ in item.iter_markers("xdist_group")):
                item.add_marker(pytest.mark.xdist_group(notebook_id(path)))
    if getattr(config.option, "loadgroup", False) and items and hasattr(items[0], "_id"):
        for item in items:
            _apply_group(item)


def _apply_group(item) -> None:
    """What xdist 3.8 does to a grouped item's node id (``<nodeid>@<group>``, the group is how the
    controller schedules it), done so that pytest 9 sees it: its node ids live in ``_id``, and
    xdist's ``item._nodeid = ...`` has no effect any more, which silently ungroups every test."""
    from _pytest.nodeid import NodeId

    groups = sorted({_group_name(m) for m in item.iter_markers("xdist_group")})
    if groups and "@" not in item.nodeid.rpartition("]")[2]:
        item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


def _group_name(mark) -> str:
    return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))


def _unit(item) -> str:
    """The work unit xdist's loadgroup schedules the item in: its group, else the test itself."""
    groups = sorted({_group_name(m) for m in item.iter_markers("xdist_group")})
    return "_".join(groups) if groups else item.nodeid.split("@")[0]


def _estimate(unit: str, item) -> float:
    """Seconds, before any run has measured them: ``@pytest.mark.cost(s)`` if the test says,
    a notebook's estimate for its shared execution, EXECUTIONS times its week's for other
    notebook tests (round trips), SLOW_COST for other slow tests, else 0."""
    declared = item.get_closest_marker("cost")
    if declared is not None:
        return float(declared.args[0])
    week = re.search(r"week\d\d", unit)
    per_week = NOTEBOOK_COST.get(week.group(0), UNKNOWN_NOTEBOOK_COST) if week else UNKNOWN_NOTEBOOK_COST
    if _notebook_of(item) is not None:
        return per_week
    if item.get_closest_marker("notebook"):
        return EXECUTIONS * per_week if week else SLOW_COST
    if item.get_closest_marker("slow"):
        return SLOW_COST
    return 0.0


def sort_heaviest_first(config, items) -> None:
    measured = config.cache.get(CACHE_KEY, {}) if getattr(config, "cache", None) else {}
    first: dict[str, int] = {}
    cost: dict[str, float] = {}
    for i, item in enumerate(items):
        unit = _unit(item)
        first.setdefault(unit, i)
        if unit not in cost:
            cost[unit] = float(measured.get(unit, _estimate(unit, item)))
    order = {id(item): (-cost[_unit(item)], first[_unit(item)], i) for i, item in enumerate(items)}
    items.sort(key=lambda item: order[id(item)])


class _Sorter:
    """Sorts after every other plugin has reordered (pytest's own fixture reordering included)."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items) -> None:
        sort_heaviest_first(config, items)


_CONFIG: pytest.Config | None = None


def pytest_configure(config) -> None:
    global _CONFIG
    _CONFIG = config
    config.pluginmanager.register(_Sorter(), "course-heaviest-first")
    # durations are kept by the xdist controller of a loadgroup run, whose work units they are
    if config.getoption("dist", "no") == "loadgroup" and not hasattr(config, "workerinput"):
        config._course_durations = {}


# ----------------------------------------------------------------------------- measured durations


def pytest_runtest_logreport(report) -> None:
    """On the controller: add up each work unit's time (setup, call and teardown of its tests)."""
    durations = getattr(_CONFIG, "_course_durations", None)
    if durations is None:
        return
    nodeid = report.nodeid
    unit = nodeid.split("@")[-1] if nodeid.rfind("@") > nodeid.rfind("]") else nodeid
    durations[unit] = durations.get(unit, 0.0) + report.duration


def _save_durations(config) -> None:
    durations = getattr(config, "_course_durations", None)
    if not durations or hasattr(config, "workerinput") or getattr(config, "cache", None) is None:
        return
    merged = dict(config.cache.get(CACHE_KEY, {}))
    merged.update({unit: round(s, 1) for unit, s in durations.items() if s >= 1.0})
    config.cache.set(CACHE_KEY, merged)
