"""Week 5's learner notebook runs with only week 5's learner kit installed.

The kit (``make learner-kit UNTIL=week05``) is what a JupyterHub or Colab learner has: the given
helpers plus the reference answers of weeks 1-4. The notebook is run from a folder outside the
repository with the unpacked wheel first on ``PYTHONPATH``, so ``import helpers`` finds the kit,
not this checkout. Every cell must import what it needs; the only errors allowed are the
learner's stubs (``NotImplementedError``) and what follows from them (names an unfinished cell
never defined)."""

from __future__ import annotations

import shutil
import zipfile

import pytest

from tests.nbharness import ROOT, LiveNotebook, nbmeta
from tools.learner_kit import build

WEEK, NOTEBOOK = "week05", "char_rnn.ipynb"
PROBE = """
import importlib.util, importlib.metadata, helpers
print(helpers.__file__)
print(importlib.metadata.version("llm-course-helpers"))
print(importlib.util.find_spec("helpers.reference.rnn"))
print(importlib.util.find_spec("helpers.reference.numpy_nn") is not None)
"""


@pytest.mark.notebook
@pytest.mark.cost(40)
def test_week05_learner_notebook_runs_with_only_its_kit(tmp_path):
    wheel = build(WEEK, tmp_path / "dist", quiet=True)
    kit = tmp_path / "kit"
    zipfile.ZipFile(wheel).extractall(kit)
    work = tmp_path / "learner"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / WEEK / NOTEBOOK, work / NOTEBOOK)
    env = {"PYTHONPATH": str(kit), "COURSE_DATA": str(ROOT / "data"), "COURSE_OUTPUT": str(tmp_path / "runs")}
    with LiveNotebook(work / NOTEBOOK, env=env) as live:
        probe = live.run(PROBE)
        assert probe.ok, probe.error
        where, version, answer, earlier = probe.output.split("\n")[:4]
        assert where.startswith(str(kit)), f"`import helpers` found {where}, not the kit in {kit}"
        assert version == "0.2.0+week05", f"the kit's version should be 0.2.0+week05, got {version}"
        assert answer == "None", f"week 5's answers are importable from the kit: {answer}"
        assert earlier == "True", "the kit should hold week 3's reference (helpers.reference.numpy_nn)"
        setup = live.cells[0]
        assert setup.ok and "course helpers 0.2.0+week05 installed" in setup.output, setup.output
        errors = [(c.index, c.error.strip().splitlines()[-1] if c.error else "") for c in live.cells if not c.ok]
    assert errors, "the learner notebook ran without a single NotImplementedError: are the stubs in place?"
    first_index, first = errors[0]
    cell = live.nb.cells[first_index]
    assert "NotImplementedError" in first, f"the first error (cell {first_index}) should be a stub's: {first}"
    assert nbmeta(cell).get("grade") or nbmeta(cell).get("solution"), (
        f"cell {first_index} is neither an exercise nor a test"
    )
    bad = [(i, e) for i, e in errors if not ("NotImplementedError" in e or "NameError" in e)]
    assert not bad, f"cells fail for another reason than an unfinished exercise (a missing kit module?): {bad}"
