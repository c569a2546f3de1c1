"""The static analysis that decides which test cells a mutant can change
(``tests/notebooks/dependencies.py``): it must keep every cell that can see the change (a skipped
one would hide a mutant that costs another exercise points) and may drop the others."""

import nbformat
import pytest

from tests.mutants import catalogue
from tests.nbharness import is_solution_cell, is_test_cell, nbmeta, solution_notebooks
from tests.notebooks.dependencies import cells_reaching

EXERCISE = "def f(x):\n    return x + 1\n"
MUTANT = "def f(x):\n    return x + 2\n"


def reached(candidates: dict[str, str], run_once: list[str] = (), own_test: str = "check(f(1) == 2)") -> set[str]:
    return cells_reaching([EXERCISE, MUTANT], [own_test], list(candidates.items()), list(run_once))


def test_direct_and_indirect_calls_are_kept():
    run_once = ["def g(x):\n    return f(x) * 2\n", "class M:\n    def forward(self, x):\n        return g(x)\n"]
    got = reached(
        {
            "direct": "check(f(0) == 1)",
            "through_g": "check(g(0) == 2)",
            "through_a_class": "check(M().forward(0) == 2)",
            "unrelated": "check(abs(-1) == 1)",
        },
        run_once,
    )
    assert got == {"direct", "through_g", "through_a_class"}


def test_objects_and_closures_made_before_the_change_are_kept():
    run_once = [
        "class M:\n    def forward(self, x):\n        return f(x)\n",
        "model = M()",
        "step = lambda x: f(x)",
        "table = {'fn': f}",
        "X = f(3)",  # a number: computed once, the change cannot reach it
    ]
    got = reached(
        {
            "model": "check(model.forward(0) == 1)",
            "closure": "check(step(0) == 1)",
            "stored": "check(table['fn'](0) == 1)",
            "value": "check(X == 4)",
        },
        run_once,
    )
    assert got == {"model", "closure", "stored"}


def test_names_the_cell_rebinds_itself_do_not_count():
    got = reached(
        {
            "rebinds_first": "f = abs\ncheck(f(-1) == 1)",
            "loop_variable": "for f in (abs, round):\n    check(f(1) == 1)",
            "reads_before_rebinding": "check(f(1) == 2)\nf = abs",
            "one_branch_only": "import random\nif random.random() < 0.5:\n    f = abs\ncheck(f(1) >= 1)",
        }
    )
    assert got == {"reads_before_rebinding", "one_branch_only"}


def test_values_a_rerun_test_cell_binds_are_changed_for_the_cells_after_it():
    got = reached({"rebinds": "y = f(1)", "reads": "check(y == 2)"}, own_test="check(f(1) == 2)")
    assert got == {"rebinds", "reads"}
    # ... and a test cell bound a global from the exercise: the later cells reading it are kept
    got = reached({"reads": "check(out == 2)"}, own_test="out = f(1)")
    assert got == {"reads"}


def test_a_lookup_by_string_keeps_the_cell():
    got = reached({"by_string": "check(globals()['f'](0) == 1)", "eval": "check(eval('f(0)') == 1)"})
    assert got == {"by_string", "eval"}
    everything = cells_reaching(["globals()['f'] = abs"], [], [("a", "check(True)"), ("b", "pass")], [])
    assert everything == {"a", "b"}


def test_module_calls_are_not_changes():
    # np.random.seed(0) in the exercise's test changes numpy's state, not a name of the notebook
    got = reached(
        {"uses_np": "import numpy as np\ncheck(np.ones(1)[0] == 1)"}, own_test="import numpy as np\nnp.random.seed(0)"
    )
    assert got == set()


@pytest.mark.parametrize("path", solution_notebooks(), ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_every_declared_dependency_of_the_catalogue_is_found(path):
    """The mutants that are known to fail another test cell (``also_fails``, each with a reason)
    are real dependencies: the analysis must see every one of them."""
    nb = nbformat.read(str(path), as_version=4)
    solutions = {nbmeta(c)["grade_id"]: c.source for c in nb.cells if is_solution_cell(c)}
    tests = {nbmeta(c)["grade_id"]: c.source for c in nb.cells if is_test_cell(c)}
    position = {nbmeta(c).get("grade_id"): i for i, c in enumerate(nb.cells) if nbmeta(c).get("grade_id")}
    run_once = [c.source for c in nb.cells if c.cell_type == "code" and nbmeta(c).get("grade_id") not in tests]
    missed = []
    for m in catalogue(path.parent.name):
        if m.exercise not in solutions or not m.also_fails:
            continue
        later = [(t, tests[t]) for t in tests if t != m.test_id and position[t] >= position[m.exercise]]
        got = cells_reaching([solutions[m.exercise], m.source], [tests[m.test_id]], later, run_once)
        missed += [f"{m.name!r} -> {t}" for t in m.also_fails if t not in got]
    assert not missed, f"dependencies the analysis does not see: {missed}"
