"""Week 5's learner notebook runs with only week 5's learner kit installed.

The kit (``make learner-kit UNTIL=week05``) is what a JupyterHub or Colab learner has: the given
helpers plus the reference answers of weeks 1-4. The notebook is run from a folder outside the
repository with the unpacked wheel first on ``PYTHONPATH``, so ``import helpers`` finds the kit,
not this checkout. Untouched, the only errors allowed are the learner's stubs
(``NotImplementedError``) and what follows from them (names an unfinished cell never defined);
filled in with the reference answers, as a learner who got everything right would hand it in,
every cell must run: nothing the notebook calls may need an answer the kit leaves out."""

from __future__ import annotations

import shutil
import zipfile

import nbformat
import pytest

from tests.nbharness import ROOT, LiveNotebook, filled_in, nbmeta
from tools.learner_kit import build

WEEK, NOTEBOOK = "week05", "char_rnn.ipynb"
PROBE = """
import importlib.util, importlib.metadata, helpers
print(helpers.__file__)
print(importlib.metadata.version("llm-course-helpers"))
print(importlib.util.find_spec("helpers.reference.rnn"))
print(importlib.util.find_spec("helpers.reference.numpy_nn") is not None)
"""


# one worker runs these tests, so each kit is built once
pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("learner-kit"), pytest.mark.cost(70)]


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    """``kit(week)``: that week's kit, built once and unpacked, as ``pip install`` puts it on a learner's path."""
    built = {}

    def unpacked(week: str):
        if week not in built:
            root = tmp_path_factory.mktemp(f"kit-{week}")
            zipfile.ZipFile(build(week, root / "dist", quiet=True)).extractall(root / "kit")
            built[week] = root / "kit"
        return built[week]

    return unpacked


def _kit_env(kit, tmp_path) -> dict:
    return {"PYTHONPATH": str(kit), "COURSE_DATA": str(ROOT / "data"), "COURSE_OUTPUT": str(tmp_path / "runs")}


def test_week05_learner_notebook_runs_with_only_its_kit(kit, tmp_path):
    work = tmp_path / "learner"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / WEEK / NOTEBOOK, work / NOTEBOOK)
    with LiveNotebook(work / NOTEBOOK, env=_kit_env(kit(WEEK), tmp_path)) as live:
        probe = live.run(PROBE)
        assert probe.ok, probe.error
        where, version, answer, earlier = probe.output.split("\n")[:4]
        assert where.startswith(str(kit(WEEK))), f"`import helpers` found {where}, not the kit in {kit(WEEK)}"
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


# The weeks whose notebooks call given code that imports a reference answer when called (not at
# import): helpers.training's default window sampler (week 5's get_batch) and the command-line tool
# (week 9's sampling). tests/unit/test_answers_by_week.py lists those imports; a new one needs its
# weeks here.
FILLED_IN = {"week05": "char_rnn.ipynb", "week09": "llm_practice.ipynb"}


@pytest.mark.parametrize("week", sorted(FILLED_IN))
def test_filled_in_notebook_runs_to_the_end_with_only_its_kit(week, kit, tmp_path):
    name = FILLED_IN[week]
    learner = nbformat.read(str(ROOT / "notebooks" / week / name), as_version=4)
    solution = nbformat.read(str(ROOT / "solutions" / week / name), as_version=4)
    work = tmp_path / "learner"
    work.mkdir()
    nbformat.write(filled_in(learner, solution), str(work / name))
    with LiveNotebook(work / name, env=_kit_env(kit(week), tmp_path)) as live:
        failed = [(c.index, c.error.strip().splitlines()[-1]) for c in live.cells if not c.ok]
    assert not failed, (
        f"{week}'s notebook, filled in with the right answers, fails with only its kit installed "
        f"(a cell needs a module the kit leaves out, such as this week's own reference?): {failed}"
    )
