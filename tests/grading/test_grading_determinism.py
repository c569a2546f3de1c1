"""No flaky tests: every week's reference solution passes every test cell (full marks) whatever
the state of the global random generators and the hash seed.

A learner's kernel is never in the state the author's was: cells re-run, in other orders, after
experiments that drew random numbers. So per notebook, in one live kernel started with another
``PYTHONHASHSEED``: define everything, then for several seeds reset Python's, numpy's and torch's
global generators and run every test cell again, last one first. A test cell that leans on
global random state or on an earlier test cell fails here.

To stay cheap, the kernel runs only what the test cells may use: every code cell up to the first
exercise (imports, data), then the exercises and their test cells; demonstrations and training
after that are skipped (AUTHORING.md: a test cell uses only the imports and the exercise's own
definitions). Should a notebook need a skipped cell after all (a NameError), it is run in full.

(Grading the same submission twice through nbgrader is checked in test_robust_grading.py.)
"""

from __future__ import annotations

import nbformat
import pytest

from tests.nbharness import LiveNotebook, graded_test_cells, nbmeta, solution_notebooks

SEEDS = (1, 7, 2024)
HASH_SEED = "4242"

RESEED = """
import random as _r, numpy as _np
_r.seed({seed}); _np.random.seed({seed})
try:
    import torch as _t
    _t.manual_seed({seed})
except ImportError:
    pass
"""


def lean_skip(nb):
    """skip(index, cell): plain code cells after the first exercise."""
    first = next(
        (i for i, c in enumerate(nb.cells) if nbmeta(c).get("solution") or nbmeta(c).get("grade")), len(nb.cells)
    )
    return lambda i, cell: i > first and not nbmeta(cell).get("grade_id")


def check_seeds(path, skip) -> list[str]:
    tests = graded_test_cells(nbformat.read(str(path), as_version=4))
    failures = []
    with LiveNotebook(path, env={"PYTHONHASHSEED": HASH_SEED}, skip=skip) as live:
        hs = live.run("import os, sys; print(sys.flags.hash_randomization, os.environ['PYTHONHASHSEED'])")
        assert hs.output.split() == ["1", HASH_SEED], f"the kernel did not get the hash seed: {hs}"
        for gid in tests:
            r = live.results.get(gid)
            if r is None or not r.ok:
                failures.append(f"first run: {gid}: {r.error[:300] if r else 'not run'}")
        for seed in SEEDS:
            assert live.run(RESEED.format(seed=seed)).ok
            for gid in reversed(list(tests)):
                r = live.run_test(gid)
                if not r.ok:
                    failures.append(f"global seed {seed}: {gid}: {r.error[:300]}")
    return failures


@pytest.mark.notebook
@pytest.mark.parametrize("path", [pytest.param(p, id=f"{p.parent.name}-{p.stem}") for p in solution_notebooks()])
def test_reference_full_marks_for_any_seed(path):
    nb = nbformat.read(str(path), as_version=4)
    assert graded_test_cells(nb), f"{path}: no graded test cell"
    failures = check_seeds(path, lean_skip(nb))
    if any("NameError" in f for f in failures):  # a test needs a skipped cell: run everything
        failures = check_seeds(path, None)
    assert not failures, f"{path.parent.name}: the reference solution does not always score full marks:\n" + "\n".join(
        failures
    )
