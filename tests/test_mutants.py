"""Every catalogued wrong implementation loses the points of its exercise, and only those.

One live kernel per week: the solution notebook runs once, then each mutant is defined in the
same kernel, the test cells are re-run (visible part and full), and the original is restored.
"""

import pytest

from tests.mutants import catalogue
from tests.nbharness import LiveNotebook, is_solution_cell, nbmeta, solution_notebooks, graded_test_cells
import nbformat


def _params():
    return [pytest.param(p, id=p.parent.name) for p in solution_notebooks()]


@pytest.mark.notebook
@pytest.mark.parametrize("path", _params())
def test_mutants_lose_exactly_their_points(path):
    week = path.parent.name
    nb = nbformat.read(str(path), as_version=4)
    solutions = {nbmeta(c)["grade_id"]: c.source for c in nb.cells if is_solution_cell(c)}
    # a week may have several notebooks: each runs the mutants of its own exercises
    in_week = {nbmeta(c)["grade_id"] for p in path.parent.glob("*.ipynb")
               for c in nbformat.read(str(p), as_version=4).cells if is_solution_cell(c)}
    unknown = [m.name for m in catalogue(week) if m.exercise not in in_week]
    assert not unknown, f"{week}: mutants name exercises that no notebook of the week has: {unknown}"
    mutants = [m for m in catalogue(week) if m.exercise in solutions]
    tests = graded_test_cells(nb)
    graded_exercises = {gid for gid in solutions if f"test_{gid}" in tests}
    assert mutants, f"{week}: no mutant catalogue in tests/mutants/{week}.py"
    hidden_only = {m.exercise for m in mutants if not m.visible}
    missing = sorted(graded_exercises - hidden_only)
    assert not missing, f"{week}: exercises without a mistake that only the hidden tests catch: {missing}"
    named = {m.exercise for m in mutants if m.names_it and m.visible}
    unnamed = sorted(graded_exercises - named)
    assert not unnamed, (f"{week}: exercises whose visible checks name no common mistake "
                         f"(give one visible mutant a names_it): {unnamed}")
    problems = []
    with LiveNotebook(path) as live:
        broken = {gid: r.error for gid, r in live.results.items() if gid in tests and not r.ok}
        assert not broken, f"{week}: the reference solution fails its own tests: {broken}"
        for m in mutants:
            assert m.exercise in solutions, f"{week}: mutant {m.name!r} names unknown exercise {m.exercise!r}"
            assert m.test_id in tests, f"{week}: mutant {m.name!r} names unknown test cell {m.test_id!r}"
            defined = live.run(m.source)
            assert defined.ok, f"{week}: mutant {m.name!r} does not even define: {defined.error}"
            full = live.run_test(m.test_id)
            visible = live.run_test(m.test_id, visible_only=True)
            if m.names_it and not visible.ok and m.names_it.lower() not in visible.error.lower():
                problems.append(f"{m.exercise}: mutant {m.name!r}: the visible message should name the mistake "
                                f"({m.names_it!r}) but says: {visible.error[:300]}")
            if full.ok:
                problems.append(f"{m.exercise}: mutant {m.name!r} passes all tests of {m.test_id}")
            if visible.ok == m.visible:
                said = "catch" if m.visible else "let through"
                problems.append(f"{m.exercise}: mutant {m.name!r}: visible checks were expected to {said} it "
                                f"but {'passed' if visible.ok else 'failed: ' + visible.error}")
            for other in tests:
                if other == m.test_id or other in m.also_fails:
                    continue
                r = live.run_test(other)
                if not r.ok:
                    problems.append(f"{m.exercise}: mutant {m.name!r} also fails {other}: {r.error[:200]}")
            restored = live.run(solutions[m.exercise])
            assert restored.ok, f"{week}: restoring {m.exercise} failed: {restored.error}"
    assert not problems, f"{week}:\n" + "\n".join(problems)
