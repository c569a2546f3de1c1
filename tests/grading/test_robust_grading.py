"""A class's worth of submissions graded in one ``grade.py autograde`` run, where some
submissions are broken on purpose: they loop forever, kill their kernel, raise at import, print
megabytes, hog memory, ignore interrupts, edit a locked test cell, delete or reorder cells, rename
the notebook, are not valid JSON, or are empty. Every good submission must get exactly its
score, every broken one a score or a clear report, no learner file may change, and the run must
finish in bounded time. Then the same submissions graded again give the same scores.

One week (Week 1) is enough: the robustness lives in the tooling, not in a week's notebook.
"""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tests.mutants import catalogue
from tests.nbharness import ROOT, answer_part, filled_in, graded_test_cells, make_course_copy, nbmeta

WEEK = "week01"
NB = "perceptron.ipynb"
CELL_TIMEOUT = 15  # s per cell in these tests (course default 120; importing matplotlib takes ~7 s on a loaded machine)
STUDENT_TIMEOUT = 150  # s per student: generous for a loaded machine, still bounded

# one worker grades the class once and every test here reads it: without a group, xdist spreads
# these tests over both workers and each builds the module-scoped class again (measured: 2 x ~160 s)
pytestmark = [pytest.mark.xdist_group("robust-class"), pytest.mark.cost(250)]  # the whole group, measured
GRADE = [sys.executable, str(ROOT / "tools" / "grade.py")]


def _index(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if nbmeta(c).get("grade_id") == grade_id)


def _insert_after(nb, grade_id: str, source: str):
    nb = copy.deepcopy(nb)
    nb.cells.insert(_index(nb, grade_id) + 1, nbformat.v4.new_code_cell(source))
    return nb


def _mutant(name: str):
    return next(m for m in catalogue(WEEK) if m.name == name)


def build_class(learner, solution) -> tuple[dict[str, object], dict[str, dict]]:
    """{student: notebook or raw text or (file name, content)}, {student: what must come out}."""
    ref = filled_in(learner, solution)
    points = graded_test_cells(solution)
    full = sum(points.values())
    lost = {g: f"{g} (0/{p:g})" for g, p in points.items()}
    every = list(lost.values())
    subs: dict[str, object] = {}
    expect: dict[str, dict] = {}

    def add(student, content, status="graded", score=None, notes=(), failed=None):
        subs[student] = content
        expect[student] = {"status": status, "score": score, "notes": list(notes), "failed": failed}

    add("good", ref, score=full, failed=[])
    m = _mutant("bias subtracted")
    add(
        "partly_wrong",
        filled_in(learner, solution, {m.exercise: m.source}),
        score=full - points["test_perceptron_predict"],
        failed=[lost["test_perceptron_predict"]],
    )
    add("untouched", learner, score=0.0, failed=every)
    # loops forever in a demonstration cell after every exercise: the cell is stopped, no point lost.
    # The endless loops here sleep: the time limits end a sleeping loop the way they end a busy one
    # (an interrupt, then a kill), and the other tests running beside this class keep the CPU.
    add(
        "loop_in_demo",
        _insert_after(ref, "test_perceptron_fit", "import time\nwhile True:\n    time.sleep(0.05)"),
        score=full,
        notes=["stopped by the per-cell time limit"],
        failed=[],
    )
    # hangs inside a graded function (sleeping, so the three cells that call it cost no CPU):
    # its test cell is stopped and fails
    fit = next(c.source for c in solution.cells if nbmeta(c).get("grade_id") == "perceptron_fit")
    looping_fit = answer_part(
        fit.replace(
            "### BEGIN SOLUTION", "### BEGIN SOLUTION\n    import time\n    while True:\n        time.sleep(0.05)", 1
        )
    )
    add(
        "loop_in_function",
        filled_in(learner, solution, {"perceptron_fit": looping_fit}),
        score=full - points["test_perceptron_fit"],
        notes=["(test_perceptron_fit) stopped by the per-cell time limit"],
        failed=[lost["test_perceptron_fit"]],
    )
    add(
        "kills_kernel",
        _insert_after(ref, "perceptron_predict", "import os\nos._exit(1)"),
        status="kernel-died",
        notes=["the kernel died"],
    )
    imports = _index(ref, "setup") + 1
    raising = copy.deepcopy(ref)
    raising.cells[imports].source = "import package_not_installed_on_the_grader\n" + raising.cells[imports].source
    add("raises_at_import", raising, score=0.0, failed=every)
    add(
        "prints_megabytes",
        _insert_after(ref, "test_make_xor", "print('x' * 3_000_000)\nfor i in range(200_000):\n    print(i)"),
        score=full,
        notes=["output truncated"],
        failed=[],
    )
    add(
        "hogs_memory",
        _insert_after(ref, "test_perceptron_fit", "hog = bytearray(6 * 2**30)"),
        score=full,
        failed=[],
        notes=["ran out of memory (MemoryError; limit 4 GB)"],
    )
    add(
        "ignores_interrupts",
        _insert_after(
            ref,
            "test_perceptron_fit",
            "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.05)",
        ),
        status="timed-out",
        notes=["did not stop when interrupted"],
    )
    # a hard-coded answer that passes the visible checks, and the test cell cut down to them
    hard = _mutant("hard-coded visible answer")
    edited = filled_in(learner, solution, {hard.exercise: hard.source})
    edited.cells[_index(edited, "test_perceptron_predict")].source = 'passed("perceptron_predict")'
    add(
        "edits_test_cell",
        edited,
        score=full - points["test_perceptron_predict"],
        failed=[lost["test_perceptron_predict"]],
        notes=["test cell test_perceptron_predict was edited"],
    )
    deleted = copy.deepcopy(ref)
    del deleted.cells[_index(deleted, "test_make_xor")]
    del deleted.cells[_index(deleted, "week01-intro")]
    add("deletes_cells", deleted, score=full, failed=[], notes=["cells deleted: week01-intro, test_make_xor"])
    reordered = copy.deepcopy(ref)
    i = _index(reordered, "perceptron_predict")
    reordered.cells[i], reordered.cells[i + 1] = reordered.cells[i + 1], reordered.cells[i]
    add(
        "reorders_cells",
        reordered,
        score=full - points["test_perceptron_predict"],
        failed=[lost["test_perceptron_predict"]],
        notes=["cells reordered"],
    )
    add(
        "renames_notebook",
        ("perceptron (1).ipynb", ref),
        score=full,
        failed=[],
        notes=["notebook renamed: perceptron (1).ipynb graded as perceptron.ipynb"],
    )
    add("not_json", '{"cells": [ this is not JSON', status="invalid", score=0.0, notes=["not valid JSON"])
    add("empty", "", status="invalid", score=0.0, notes=["empty file"])
    return subs, expect


def _write(course: Path, subs: dict[str, object]) -> None:
    for student, content in subs.items():
        d = course / "submitted" / student / WEEK
        d.mkdir(parents=True)
        (d / "timestamp.txt").write_text("2026-11-25 12:00:00.000000 UTC")
        name, content = content if isinstance(content, tuple) else (NB, content)
        (d / name).write_text(content if isinstance(content, str) else nbformat.writes(content))


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _grade(course: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [*GRADE, "--root", str(course), *args], cwd=course, env=env, capture_output=True, text=True, timeout=1800
    )
    assert proc.returncode == 0, f"grade.py {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    course = tmp_path_factory.mktemp("robust") / "course"
    env = make_course_copy(course, [WEEK])
    env["COURSE_CELL_TIMEOUT"] = str(CELL_TIMEOUT)
    roster = course.parent / "roster.csv"
    roster.write_text("id,first_name,last_name,email\nabsent,Ab,Sent,absent@example.org\n")
    _grade(course, env, "add-students", str(roster))
    _grade(course, env, "release", WEEK)
    learner = nbformat.read(str(course / "notebooks" / WEEK / NB), as_version=4)
    solution = nbformat.read(str(ROOT / "solutions" / WEEK / NB), as_version=4)
    subs, expect = build_class(learner, solution)
    expect["absent"] = {"status": "missing", "score": 0.0, "notes": ["no submission"], "failed": []}
    _write(course, subs)
    before = _digest(course / "submitted")
    t0 = time.monotonic()
    proc = _grade(
        course, env, "autograde", WEEK, "--jobs", "2", "--student-timeout", str(STUDENT_TIMEOUT), "--mem-limit", "4"
    )
    seconds = time.monotonic() - t0
    report = json.loads((course / ".grading" / "reports" / f"{WEEK}.json").read_text())["students"]
    return {
        "course": course,
        "env": env,
        "report": report,
        "expect": expect,
        "before": before,
        "seconds": seconds,
        "stdout": proc.stdout,
    }


@pytest.mark.notebook
def test_every_submission_graded_or_reported(graded_class):
    report, expect = graded_class["report"], graded_class["expect"]
    assert set(report) == set(expect), f"students lost or invented: {set(report) ^ set(expect)}"
    problems = []
    for s, want in expect.items():
        got = report[s]
        if got["status"] != want["status"]:
            problems.append(f"{s}: status {got['status']!r}, expected {want['status']!r}: {got['notes']}")
        if want["score"] is not None and got["score"] != want["score"]:
            problems.append(
                f"{s}: score {got['score']}, expected {want['score']} (notes: {got['notes']}, "
                f"lost: {got['failed_tests']})"
            )
        if want["failed"] is not None and got["failed_tests"] != want["failed"]:
            problems.append(f"{s}: lost points on {got['failed_tests']}, expected {want['failed']}")
        for n in want["notes"]:
            if not any(n in g for g in got["notes"]):
                problems.append(f"{s}: the report should say {n!r}; it says {got['notes']}")
    assert not problems, "\n".join(problems) + "\n\n" + graded_class["stdout"][-3000:]
    # the summary names every submission that was not graded
    text = (graded_class["course"] / ".grading" / "reports" / f"{WEEK}.txt").read_text()
    not_graded = [s for s, r in report.items() if r["status"] not in ("graded", "missing")]
    assert {"kills_kernel", "not_json", "empty", "ignores_interrupts"} <= set(not_graded)
    line = next(l for l in text.splitlines() if l.startswith("NOT GRADED"))
    assert all(s in line for s in not_graded), line


@pytest.mark.notebook
def test_nothing_lost_or_overwritten(graded_class):
    course = graded_class["course"]
    assert _digest(course / "submitted") == graded_class["before"], "a learner's submitted file changed"
    for s, r in graded_class["report"].items():
        graded = course / "autograded" / s / WEEK / NB
        assert graded.is_file() == (r["status"] == "graded"), (
            f"{s}: {r['status']} but graded notebook {graded.is_file()}"
        )
    # the huge output was cut: the graded notebook of the printer stays small
    size = (course / "autograded" / "prints_megabytes" / WEEK / NB).stat().st_size
    assert size < 1_000_000, f"graded notebook of prints_megabytes is {size} bytes"
    # the memory hog met the limit as a MemoryError in its own cell, not as a dead kernel
    hog = nbformat.read(str(course / "autograded" / "hogs_memory" / WEEK / NB), as_version=4)
    errors = [o.ename for c in hog.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert "MemoryError" in errors, errors
    # a learner's edit of a test cell is undone: the graded notebook has the hidden tests back
    edited = nbformat.read(str(course / "autograded" / "edits_test_cell" / WEEK / NB), as_version=4)
    src = next(c.source for c in edited.cells if nbmeta(c).get("grade_id") == "test_perceptron_predict")
    assert "### BEGIN HIDDEN TESTS" in src


@pytest.mark.notebook
def test_bounded_time(graded_class):
    report = graded_class["report"]
    worst = max(r["seconds"] for r in report.values())
    assert worst <= STUDENT_TIMEOUT + 15, f"a student took {worst:.0f} s (limit {STUDENT_TIMEOUT} s)"
    # 16 submissions, two at a time: far below the sum of the limits
    assert graded_class["seconds"] < 900, f"the class took {graded_class['seconds']:.0f} s"


@pytest.mark.notebook
def test_regrading_gives_the_same_scores(graded_class):
    """Grade some submissions again, with another hash seed: the same score in every cell."""
    from nbgrader.api import Gradebook

    course, env = graded_class["course"], dict(graded_class["env"])
    students = ["good", "partly_wrong", "edits_test_cell"]

    def cell_scores():
        with Gradebook(env["COURSE_GRADEBOOK"]) as gb:
            return {
                s: {g.name: g.score for nb in gb.find_submission(WEEK, s).notebooks for g in nb.grades}
                for s in students
            }

    first = cell_scores()
    env["PYTHONHASHSEED"] = "12345"
    args = ["autograde", WEEK, "--jobs", "2"]
    for s in students:
        args += ["--student", s]
    _grade(course, env, *args)
    again = cell_scores()
    assert again == first
    report = json.loads((course / ".grading" / "reports" / f"{WEEK}.json").read_text())["students"]
    assert {s: report[s]["score"] for s in students} == {s: graded_class["report"][s]["score"] for s in students}


@pytest.mark.notebook
def test_student_time_limit_ends_grading_and_kernel(graded_class):
    """A hang that the per-cell limit cannot end (here: that limit set above the student's) is
    ended by the student's wall-clock limit, kernel included."""
    import psutil

    course, env = graded_class["course"], graded_class["env"]
    t0 = time.monotonic()
    _grade(
        course,
        env,
        "autograde",
        WEEK,
        "--student",
        "ignores_interrupts",
        "--cell-timeout",
        "600",
        "--student-timeout",
        "25",
    )
    elapsed = time.monotonic() - t0
    rep = json.loads((course / ".grading" / "reports" / f"{WEEK}.json").read_text())["students"]["ignores_interrupts"]
    assert rep["status"] == "timed-out", rep
    assert any("student time limit" in n for n in rep["notes"]), rep["notes"]
    assert elapsed < 120, f"grading one student with a 25 s limit took {elapsed:.0f} s"
    where = str(course / "autograded" / "ignores_interrupts")
    left = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if "ipykernel" in " ".join(p.info["cmdline"] or []) and p.cwd().startswith(where):
                left.append(p.pid)
        except psutil.Error:
            pass
    assert not left, f"kernels left running after the student's time limit: {left}"
