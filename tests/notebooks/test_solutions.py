"""Every solution notebook runs clean, and every catalogued wrong implementation loses the points
of its exercise, and only those.

Each notebook executes once (``solution_run``, see ``tests/notebooks/plugin.py``): the clean
check reads that execution, then the mutant catalogue runs in the same live kernel. For each
mutant: define it, re-run its test cell (visible part and full), re-run the other test cells
below the exercise (the ones nbgrader would run after it) that can reach what the mutant
changed (``tests/notebooks/dependencies.py``; ``COURSE_MUTANTS_RERUN_ALL=1``: all of them),
restore the solution.

    pytest tests/notebooks/test_solutions.py -k week05      # one week: clean run and mutants
    pytest --nbval-lax solutions/week05                     # the same notebook cell by cell, with nbval
"""

from __future__ import annotations

import os

import nbformat
import pytest

from tests.mutants import catalogue, honest
from tests.nbharness import answer_part, graded_test_cells, is_solution_cell, is_test_cell, nbmeta
from tests.notebooks.dependencies import cells_reaching
from tests.notebooks.plugin import notebook_params
from tools.notebook_markers import SOL_BEGIN, SOL_END, region_lines


def _solutions(nb) -> dict[str, str]:
    return {nbmeta(c)["grade_id"]: c.source for c in nb.cells if is_solution_cell(c)}


LEARNER_MISTAKES = 3  # per graded exercise, all caught by the visible checks
NAMED = 2  # of which the visible message names at least this many


def _distinct_lines(src: str, region_only: bool) -> set[str]:
    """Lines a reader would recognise (12+ characters, not comments): of the solution region only,
    or of the whole answer (markers dropped)."""
    lines = region_lines(src, SOL_BEGIN, SOL_END) if region_only else answer_part(src).splitlines()
    return {l.strip() for l in lines if len(l.strip()) >= 12 and not l.strip().startswith("#")}


@pytest.mark.parametrize("path", notebook_params())
def test_catalogue_is_complete(path):
    """Without running anything: the week's catalogue names real exercises; each graded exercise of
    this notebook has at least three learner-style mistakes, all caught by its visible checks and
    at least two named, a mistake only the hidden tests catch, and an honest alternative answer
    written differently from the reference."""
    week = path.parent.name
    nb = nbformat.read(str(path), as_version=4)
    solutions = _solutions(nb)
    tests = graded_test_cells(nb)
    # a week may have several notebooks: each runs the mutants of its own exercises
    in_week = {gid for p in path.parent.glob("*.ipynb") for gid in _solutions(nbformat.read(str(p), as_version=4))}
    unknown = [m.name for m in catalogue(week) if m.exercise not in in_week]
    assert not unknown, f"{week}: mutants name exercises that no notebook of the week has: {unknown}"
    mutants = [m for m in catalogue(week) if m.exercise in solutions]
    assert mutants, f"{week}: no mutant in tests/mutants/{week}.py for the exercises of {path.name}"
    bad_tests = [f"{m.name!r} -> {m.test_id}" for m in mutants if m.test_id not in tests]
    assert not bad_tests, f"{week}: mutants name test cells that {path.name} does not have: {bad_tests}"
    graded_exercises = {gid for gid in solutions if f"test_{gid}" in tests}
    problems = []
    hidden_only = {m.exercise for m in mutants if not m.visible}
    missing = sorted(graded_exercises - hidden_only)
    if missing:
        problems.append(f"exercises without a mistake that only the hidden tests catch: {missing}")
    for ex in sorted(graded_exercises):
        learner = [m for m in mutants if m.exercise == ex and m.learner]
        unseen = [m.name for m in learner if not m.visible]
        named = [m for m in learner if m.visible and m.names_it]
        if len(learner) < LEARNER_MISTAKES or unseen or len(named) < NAMED:
            problems.append(
                f"{ex}: {len(learner)} learner mistakes (need {LEARNER_MISTAKES}, all caught visibly: "
                f"not caught {unseen}), {len(named)} named (need {NAMED})"
            )
    alternatives = honest(week)
    for ex in sorted(graded_exercises):
        if ex not in alternatives:
            problems.append(f"{ex}: no honest alternative answer in HONEST")
            continue
        ref = _distinct_lines(solutions[ex], region_only=True)
        same = ref & _distinct_lines(alternatives[ex], region_only=False)
        if ref and len(same) > len(ref) / 2:
            problems.append(
                f"{ex}: the honest alternative repeats {len(same)} of the reference's {len(ref)} lines: "
                "write it the way another learner would"
            )
    assert not problems, f"{week}/{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", notebook_params())
def test_honest_alternatives_pass(path, solution_run):
    """Each honest alternative answer passes its exercise's whole test cell (hidden tests too),
    in the notebook's live kernel; the round trip then grades them through `make autograde`."""
    week = path.parent.name
    live = solution_run.require()
    solutions = _solutions(live.nb)
    tests = graded_test_cells(live.nb)
    problems = []
    for ex, src in honest(week).items():
        if ex not in solutions or f"test_{ex}" not in tests:
            continue
        defined = live.run(src)
        result = live.run_test(f"test_{ex}") if defined.ok else defined
        if not result.ok:
            problems.append(f"{ex}: the honest alternative fails: {result.error[:300]}")
        restored = live.run(solutions[ex])
        assert restored.ok, f"{week}: restoring {ex} failed: {restored.error}"
    assert not problems, f"{week}/{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", notebook_params())
def test_runs_clean(path, solution_run):
    """Fast mode, top to bottom in one kernel: no cell raises, every graded test cell passes and
    writes nothing on stderr (nbgrader scores such a cell 0)."""
    live = solution_run.require()
    problems = []
    for res in live.cells:
        cell = live.nb.cells[res.index]
        where = f"cell {res.index}" + (f" ({nbmeta(cell)['grade_id']})" if nbmeta(cell).get("grade_id") else "")
        if not res.ok:
            problems.append(f"{where}: {res.error[:500]}")
        elif is_test_cell(cell) and res.stderr.strip():
            problems.append(f"{where}: writes on stderr (scores 0 in nbgrader): {res.stderr.strip()[:300]}")
    not_run = sorted(set(graded_test_cells(live.nb)) - set(live.results))
    if not_run:
        problems.append(f"graded test cells not run: {not_run}")
    assert not problems, f"{path.parent.name}/{path.name} ({solution_run.seconds:.0f} s):\n" + "\n".join(problems)


@pytest.mark.parametrize("path", notebook_params())
def test_mutants(path, solution_run):
    week = path.parent.name
    live = solution_run.require()
    nb = nbformat.read(str(path), as_version=4)
    solutions = _solutions(nb)
    tests = graded_test_cells(nb)
    mutants = [m for m in catalogue(week) if m.exercise in solutions and m.test_id in tests]
    assert mutants, f"{week}: no mutant to run for {path.name} (see test_catalogue_is_complete)"
    broken = {gid: r.error for gid, r in live.results.items() if gid in tests and not r.ok}
    assert not broken, f"{week}: the reference solution fails its own tests: {broken}"
    # nbgrader runs a notebook top to bottom, so a wrong exercise can only change the test cells
    # below its definition: those are the ones re-run for "and only those points"
    position = {nbmeta(c).get("grade_id"): i for i, c in enumerate(nb.cells) if nbmeta(c).get("grade_id")}
    # ... and of those, the ones whose code can reach a name the exercise binds, in the order they
    # run (the others cannot change; tests/notebooks/dependencies.py).
    # COURSE_MUTANTS_RERUN_ALL=1 re-runs every one, to audit the analysis.
    test_sources = {gid: live.tests[gid] for gid in tests}
    run_once = [c.source for c in nb.cells if c.cell_type == "code" and nbmeta(c).get("grade_id") not in tests]
    rerun_all = os.environ.get("COURSE_MUTANTS_RERUN_ALL") == "1"
    problems = []
    for m in mutants:
        defined = live.run(m.source)
        assert defined.ok, f"{week}: mutant {m.name!r} does not even define: {defined.error}"
        visible = live.run_test(m.test_id, visible_only=True)
        # the visible checks are the start of the full cell: when they fail, so does the full cell
        full = visible if not visible.ok else live.run_test(m.test_id)
        if m.names_it and not visible.ok and m.names_it.lower() not in visible.error.lower():
            problems.append(
                f"{m.exercise}: mutant {m.name!r}: the visible message should name the mistake "
                f"({m.names_it!r}) but says: {visible.error[:300]}"
            )
        if full.ok:
            problems.append(f"{m.exercise}: mutant {m.name!r} passes all tests of {m.test_id}")
        if visible.ok == m.visible:
            said = "catch" if m.visible else "let through"
            problems.append(
                f"{m.exercise}: mutant {m.name!r}: visible checks were expected to {said} it "
                f"but {'passed' if visible.ok else 'failed: ' + visible.error}"
            )
        later = [
            (t, test_sources[t])
            for t in tests
            if t != m.test_id and t not in m.also_fails and position[t] >= position[m.exercise]
        ]
        reaching = (
            {t for t, _ in later}
            if rerun_all
            else cells_reaching([solutions[m.exercise], m.source], [test_sources[m.test_id]], later, run_once)
        )
        for other, _ in later:
            if other not in reaching:
                continue
            r = live.run_test(other)
            if not r.ok:
                problems.append(f"{m.exercise}: mutant {m.name!r} also fails {other}: {r.error[:200]}")
        restored = live.run(solutions[m.exercise])
        assert restored.ok, f"{week}: restoring {m.exercise} failed: {restored.error}"
    assert not problems, f"{week}:\n" + "\n".join(problems)
