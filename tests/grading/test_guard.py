"""The tamper guard tells a library's own lazy initialisation from a learner's tampering (issue 24).

One grading kernel (the guard's startup code, as ``make autograde`` starts it, without the
sandbox), one notebook of test cells run through the guard's two preprocessors:

- the first ``step()`` of a ``torch.optim`` optimizer imports ``torch._dynamo``, which rebinds
  ``torch.manual_seed`` (week 2's reference lost 12 points and was reported as cheating for it):
  the next test cell passes untouched, with no flag and nothing to review;
- a notebook line that replaces ``torch.allclose``, or patches ``numpy`` through ``unittest.mock``,
  fails the next test cell, and the message names the cell and the line;
- a change no notebook line made (a write into a module's ``__dict__`` the guard cannot see) does
  not zero the test: it passes with a review note, unless the static scan finds learner code that
  touches the grading machinery (then it scores 0 with that evidence).
"""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tests.nbharness import ROOT, kernel_env
from tools.grading import tamper
from tools.grading.kernel import GradingKernelManager
from tools.notebook_markers import grade_id

pytestmark = pytest.mark.slow


def _test_cell(gid: str, src: str = "check(True, 'ok')\nprint('ran', flush=True)"):
    meta = {
        "nbgrader": {
            "grade": True,
            "grade_id": gid,
            "locked": True,
            "points": 1,
            "schema_version": 3,
            "solution": False,
            "task": False,
        }
    }
    return nbformat.v4.new_code_cell(src, metadata=meta)


def _run(cells, released=None):
    nb = nbformat.v4.new_notebook(cells=cells)
    guard, verify = tamper.guard_preprocessors()
    resources = {"nbgrader": {"assignment": "none", "notebook": "none"}}
    nb, resources = guard().preprocess(nb, resources)
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", allow_errors=True, kernel_manager_class=GradingKernelManager
    )
    client.execute(env=kernel_env(), cwd=str(ROOT))
    nb, _ = verify().preprocess(nb, resources)
    out = {}
    for i, c in enumerate(nb.cells):
        errors = [o.evalue for o in c.outputs if o.output_type == "error"]
        text = "".join(o.get("text", "") for o in c.outputs if o.output_type == "stream")
        out[grade_id(c) or i] = (errors[0] if errors else "", text)
    return out


def test_library_initialisation_passes_and_tampering_is_named():
    setup = nbformat.v4.new_code_cell("import numpy as np\nimport torch\nfrom helpers.checks import check")
    step = nbformat.v4.new_code_cell(
        "p = torch.nn.Parameter(torch.zeros(3))\n"
        "opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)\n"
        "p.sum().backward()\n"
        "opt.step()\n"
        "import torch.random\n"
        "print('manual_seed rebound by the library:', torch.manual_seed is not torch.random.manual_seed)"
    )
    patch = nbformat.v4.new_code_cell("x = 1\ntorch.allclose = lambda *a, **k: True")
    out = _run([setup, _test_cell("t_before"), step, _test_cell("t_after_step"), patch, _test_cell("t_after_patch")])
    assert out["t_before"] == ("", "ran\n")
    assert "manual_seed rebound by the library: True" in out[2][1], f"the library did not rebind it here: {out[2]}"
    assert out["t_after_step"][0] == "", f"the library's own rebinding failed the test: {out['t_after_step']}"
    assert "ran" in out["t_after_step"][1] and tamper.REVIEW_NOTE not in out["t_after_step"][1]
    err = out["t_after_patch"][0]
    assert tamper.INTEGRITY_ERROR in err and "torch.allclose" in err, err
    assert "line 2: `torch.allclose = lambda *a, **k: True`" in err, f"the message should name the line: {err}"


def test_the_library_patched_through_mock_is_still_the_learner():
    setup = nbformat.v4.new_code_cell("import numpy as np\nimport torch\nfrom helpers.checks import check")
    patch = nbformat.v4.new_code_cell(
        "import unittest.mock\nunittest.mock.patch('numpy.array_equal', lambda *a, **k: True).start()"
    )
    out = _run([setup, patch, _test_cell("t")])
    assert tamper.INTEGRITY_ERROR in out["t"][0] and "numpy.array_equal" in out["t"][0], out
    assert "line 2: `unittest.mock.patch" in out["t"][0], out


def test_an_unattributed_change_is_reviewed_not_zeroed():
    setup = nbformat.v4.new_code_cell("import numpy as np\nimport torch\nfrom helpers.checks import check")
    # a write the guard cannot see (a module's __dict__ directly), as C code or a library would make it
    hidden = nbformat.v4.new_code_cell("np.__dict__.update(isclose=lambda *a, **k: True)")
    out = _run([setup, hidden, _test_cell("t")])
    err, text = out["t"]
    # the static scan sees no assignment to numpy here, so the test's own result stands, with a note
    assert err == "", out
    assert "ran" in text and tamper.REVIEW_NOTE in text and "numpy.isclose" in text, text
    # the same change written as an assignment the static scan reads is evidence: 0 points
    written = nbformat.v4.new_code_cell("np.__dict__['isclose'] = lambda *a, **k: True")
    out = _run([setup, written, _test_cell("t")])
    assert tamper.INTEGRITY_ERROR in out["t"][0] and "assigns np.__dict__" in out["t"][0], out
