"""Learners get full mode: a kernel started from ``make lab``'s server runs without COURSE_FAST
and with the machine's default threads; grading still runs its kernels in fast mode."""

from __future__ import annotations

import json
import os

import pytest

from tests.nbharness import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lab"), pytest.mark.cost(80)]  # the lab group, measured

PROBE = (
    "import json, os, helpers.runtime as r\n"
    "print(json.dumps({'COURSE_FAST': os.environ.get('COURSE_FAST'), "
    "'OMP_NUM_THREADS': os.environ.get('OMP_NUM_THREADS'), 'fast': r.is_fast(), 'describe': r.describe()}))"
)


def test_make_lab_says_which_notebook_to_open_first(lab):
    assert "Open notebooks/week01/perceptron.ipynb first" in lab.output()
    listing = lab.api("/api/contents/notebooks/week01")
    assert "perceptron.ipynb" in [c["name"] for c in listing["content"]]
    assert "nbgrader.server_extensions.formgrader | extension was successfully loaded" in lab.output(), (
        "the lab should load nbgrader's extensions (and so nbgrader_config.py), as a learner's does"
    )


def test_a_kernel_started_from_make_lab_runs_in_full_mode(lab):
    kernel = lab.api("/api/kernels", method="POST", body={"name": "python3"})
    try:
        seen = json.loads(lab.execute(kernel["id"], PROBE).strip().splitlines()[-1])
    finally:
        lab.api(f"/api/kernels/{kernel['id']}", method="DELETE")
    assert seen["COURSE_FAST"] is None and not seen["fast"], (
        f"a learner's kernel must run in full mode, but it has COURSE_FAST={seen['COURSE_FAST']!r}"
    )
    assert seen["OMP_NUM_THREADS"] is None, (
        f"the lab must not choose the kernel's threads, but it set OMP_NUM_THREADS={seen['OMP_NUM_THREADS']!r}"
    )
    assert seen["describe"].startswith("mode: full"), seen["describe"]


def test_loading_nbgrader_config_changes_no_environment():
    """What the formgrader extension does inside every lab: load the course's nbgrader_config.py."""
    from traitlets.config import Config

    before = dict(os.environ)
    ns = {"get_config": lambda: Config(), "__file__": str(ROOT / "nbgrader_config.py")}
    exec(compile((ROOT / "nbgrader_config.py").read_text(), "nbgrader_config.py", "exec"), ns)
    assert dict(os.environ) == before, (
        f"nbgrader_config.py changed the environment: {set(os.environ.items()) ^ set(before.items())}"
    )


def test_the_grading_environment_is_fast_mode():
    from tools.nbgrader_env import grading_env

    env = grading_env(base={"PATH": "/usr/bin"})
    assert env["COURSE_FAST"] == "1" and env["OMP_NUM_THREADS"] == "2"


def test_make_autograde_still_grades_in_fast_mode(tmp_path):
    """The converse, end to end: the instructor's grading command (``make autograde`` runs
    ``tools/grade.py autograde``) started from a shell without COURSE_FAST grades in fast mode."""
    import subprocess
    import sys

    import nbformat

    from tests.lab.conftest import learner_env
    from tools import nbcells as nc

    course = tmp_path / "course"
    (course / "solutions" / "week00").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text())
    probe = nc.notebook(
        [
            nc.solution(
                "def mode():\n    ### BEGIN SOLUTION\n    import os\n    return os.environ.get('COURSE_FAST')\n"
                "    ### END SOLUTION",
                "mode",
            ),
            nc.tests("from helpers.runtime import is_fast\nassert is_fast() and mode() == '1', mode()", "test_mode", 1),
        ]
    )
    nc.write(probe, course / "solutions" / "week00" / "probe.ipynb")
    (tmp_path / "roster.csv").write_text("id,first_name,last_name,email\ns1,Ada,L,ada@example.org\n")
    env = learner_env()
    env.update(
        COURSE_GRADEBOOK=f"sqlite:///{course / 'gradebook.db'}",
        COURSE_EXCHANGE=str(tmp_path / "exchange"),
        COURSE_EXCHANGE_CACHE=str(tmp_path / "cache"),
    )
    grade = [sys.executable, str(ROOT / "tools" / "grade.py"), "--root", str(course)]

    def run(*args):
        proc = subprocess.run([*grade, *args], env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"grade.py {' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"

    run("add-students", str(tmp_path / "roster.csv"))
    run("release", "week00")
    sub = course / "submitted" / "s1" / "week00"
    sub.mkdir(parents=True)
    learner = nbformat.read(str(course / "notebooks" / "week00" / "probe.ipynb"), as_version=4)
    for cell in learner.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "mode":
            cell.source = "def mode():\n    import os\n    return os.environ.get('COURSE_FAST')"
    nbformat.write(learner, str(sub / "probe.ipynb"))
    (sub / "timestamp.txt").write_text("2026-12-01 12:00:00.000000 UTC")
    run("autograde", "week00")
    from nbgrader.api import Gradebook

    with Gradebook(env["COURSE_GRADEBOOK"]) as gb:
        grades = {g.name: g.score for nb in gb.find_submission("week00", "s1").notebooks for g in nb.grades}
    assert grades.get("test_mode") == 1, f"the grading kernel was not in fast mode: {grades}"
