"""No flaky tests: every week's reference solution passes every test cell (full marks) whatever
the state of the global random generators and the hash seed.

A learner's kernel is never in the state the author's was: cells re-run, in other orders, after
experiments that drew random numbers. So per notebook, in the session's shared execution of it
(``tests/notebooks/plugin.py``: a kernel started with another ``PYTHONHASHSEED``, the whole
notebook run top to bottom): for several seeds, reset Python's, numpy's and torch's global
generators and run every test cell again, last one first. A test cell that leans on global
random state or on an earlier test cell fails here.

(Grading the same submission twice through nbgrader is checked in test_robust_grading.py.)
"""

from __future__ import annotations

import nbformat
import pytest

from tests.nbharness import graded_test_cells
from tests.notebooks.plugin import HASH_SEED, notebook_params

SEEDS = (1, 7, 2024)

RESEED = """
import random as _r, numpy as _np
_r.seed({seed}); _np.random.seed({seed})
try:
    import torch as _t
    _t.manual_seed({seed})
except ImportError:
    pass
"""


@pytest.mark.parametrize("path", notebook_params())
def test_reference_full_marks_for_any_seed(path, solution_run):
    tests = graded_test_cells(nbformat.read(str(path), as_version=4))
    assert tests, f"{path}: no graded test cell"
    live = solution_run.require()
    hs = live.run("import os, sys; print(sys.flags.hash_randomization, os.environ['PYTHONHASHSEED'])")
    assert hs.output.split() == ["1", HASH_SEED], f"the kernel did not get the hash seed: {hs}"
    failures = []
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
    assert not failures, f"{path.parent.name}: the reference solution does not always score full marks:\n" + "\n".join(
        failures
    )
