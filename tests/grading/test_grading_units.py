"""Fast checks of the grading modules (no kernel): the markers parser, the static tamper scan,
the supervisor's retries, the sandbox's command line and what happens where it cannot run."""

from __future__ import annotations

import os
import sys

import nbformat
import pytest

from tools import notebook_markers as mk
from tools.grading import sandbox, tamper
from tools.grading.coursedir import ROOT, Course
from tools.grading.supervisor import Call, run_calls

SOLUTIONS = sorted((ROOT / "solutions").glob("week*/*.ipynb"))


def test_markers_regions():
    src = "a = 1\n### BEGIN SOLUTION\nb = 2\n### END SOLUTION\n  ### BEGIN HIDDEN TESTS\ncheck(b == 2, 'x')\n### END HIDDEN TESTS\n"
    assert mk.count_markers(src, *mk.SOLUTION) == (1, 1)
    assert mk.region_lines(src, *mk.HIDDEN) == ["check(b == 2, 'x')"]
    assert mk.visible_part(src).splitlines() == ["a = 1", "### BEGIN SOLUTION", "b = 2", "### END SOLUTION"]
    assert mk.answer_part(src).splitlines()[:2] == ["a = 1", "b = 2"]
    assert mk.public_part(src).splitlines() == ["a = 1"]
    inside, outside = mk.split_regions(src, *mk.SOLUTION)
    assert inside == ["b = 2"] and "a = 1" in outside
    cell = nbformat.v4.new_code_cell(
        src, metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 2, "locked": True}}
    )
    assert mk.is_test_cell(cell) and not mk.is_solution_cell(cell) and mk.grade_id(cell) == "t"
    assert mk.points(cell) == 2.0 and mk.is_locked(cell)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_reference_solutions_are_not_flagged(path):
    """The static scan never flags what an honest learner writes (here: the reference solutions)."""
    nb = nbformat.read(str(path), as_version=4)
    flags = tamper.scan_notebook(nb)
    assert not flags, flags


@pytest.mark.parametrize(
    "src,flag",
    [
        ("check = check_close = (lambda *a, **k: None)", "rebinds check"),
        ("def check_equal(*a, **k):\n    pass", "defines check_equal"),
        ("import helpers.checks as h\nh.check_close = print", "assigns h.check_close"),
        ("import numpy as np\nnp.allclose = lambda *a, **k: True", "assigns np.allclose"),
        ("import torch\ntorch.allclose = lambda *a, **k: True", "assigns torch.allclose"),
        ("import sys\nsys.modules['numpy'] = object()", "sys.modules"),
        ("import builtins\nbuiltins.print = None", "imports builtins"),
        ("setattr(__import__('numpy'), 'allclose', None)", "calls setattr"),
        ("get_ipython().input_transformers_cleanup.append(lambda l: [])", "input_transformers_cleanup"),
        ("import sys\nsys.settrace(None)", "calls sys.settrace"),
        ("import gc\nx = gc.get_objects()", "imports gc"),
        ("f = __course_guard__.__closure__", "__closure__"),
        ("from helpers.data import check", "rebinds check (from helpers.data)"),
        ("import math as np", "imports math as np"),
    ],
)
def test_scan_flags_tampering(src, flag):
    found = tamper.scan_source(src)
    assert any(flag in f for f in found), found


def test_scan_leaves_honest_code_alone():
    src = "import numpy as np\nfrom helpers.checks import check, check_close\nx = np.zeros(3)\ny = x.copy()\ny[0] = 1\n%timeit x.sum()"
    assert tamper.scan_source(src) == []


def test_imported_modules_are_preloaded():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import numpy as np\nimport torch.nn.functional as F\nfrom helpers.reference import gpt\nimport os"
            )
        ]
    )
    assert tamper.imported_modules(nb) == ["numpy", "helpers.checks", "torch.nn.functional", "helpers.reference"]


def test_retry_is_queued_by_the_scheduler(tmp_path):
    """on_done asks for a second attempt; the scheduler runs it (no nested run_calls)."""
    call = Call(argv=["--version"], cwd=tmp_path, log=tmp_path / "v.log", env=dict(os.environ), key="k")
    seen = []

    def done(c):
        seen.append((c.attempts, c.rc))
        return c.attempts == 1

    run_calls([call], on_done=done)
    assert [a for a, _ in seen] == [1, 2] and all(rc == 0 for _, rc in seen), seen


def test_without_bubblewrap_autograde_stops_and_says_how(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    ok, why = sandbox.check_available()
    assert not ok and "not installed" in why
    import importlib

    ag = importlib.import_module("tools.grading.autograde")
    monkeypatch.setattr(Course, "released", lambda self, week: {"x.ipynb": nbformat.v4.new_notebook()})
    with pytest.raises(SystemExit) as e:
        ag.autograde(Course(tmp_path), "week01")
    msg = str(e.value)
    assert "apt-get install bubblewrap" in msg and "--unsafe-no-sandbox" in msg


def test_sandbox_command_hides_the_secrets(tmp_path):
    course = Course(tmp_path / "course")
    # the roster and an exported grade sheet an instructor keeps beside the course: names, emails, grades
    course.root.mkdir(parents=True)
    for name in ("roster.csv", "grades.csv"):
        (course.root / name).write_text("id,first_name,last_name,email\n")
    spec = {
        "scratch": str(tmp_path / "scratch"),
        "ipc": str(tmp_path / "scratch" / "ipc"),
        "hide": [str(p) for p in course.secret_paths()],
        "keep": [str(ROOT)],
    }
    for p in (course.root / "solutions", course.root / "autograded", ROOT / "solutions"):
        p.mkdir(parents=True, exist_ok=True)
    cwd = str(course.root / "autograded" / "s1" / "week01")
    argv = sandbox.bwrap_argv(spec, cwd, str(tmp_path / "scratch" / "work"), [sys.executable, "-V"])
    text = " ".join(argv)
    assert "--unshare-net" in argv and "--unshare-pid" in argv and "--die-with-parent" in argv
    assert "--ro-bind / /" in text
    for secret in (course.root / "solutions", ROOT / "solutions"):
        i = argv.index(str(secret))
        assert argv[i - 1] == "--tmpfs", argv[i - 2 : i + 1]
    for secret in (course.root / "roster.csv", course.root / "grades.csv"):
        i = argv.index(str(secret))
        assert argv[i - 2 : i] == ["--ro-bind", "/dev/null"], argv[i - 2 : i + 1]
    assert argv[argv.index("--chdir") + 1] == cwd
    assert argv[argv.index(cwd) - 2] == "--bind"  # the scratch copy is mounted where the kernel works
    assert "JPY_PARENT_PID" in argv
