"""The nbgrader round trip of every week, through the instructor's own path: ``grade.py release``
and ``grade.py autograde`` (what ``make assign`` and ``make autograde`` run), so every kernel runs
in the sandbox and every test cell behind the tamper guard, in a temporary copy of the course
with its own gradebook. Per week, one class of three:

- ``reference``: the reference solution. Every autograded point, no flag, nothing to review.
- ``untouched``: the learner notebook as released. 0 everywhere, graded without crashing or hanging.
- ``honest_one_wrong``: every exercise answered by the week's honest alternative
  (``tests/mutants/weekNN.py``: ``HONEST``, written differently from the reference) except one,
  answered by the week's first catalogued mistake. Every point but that exercise's, no flag.

It also checks that the committed learner notebooks are exactly what the release generates.
Issue 24's case is held here: week 2's first ``torch.optim`` step (in a test cell) makes
``torch._dynamo`` rebind ``torch.manual_seed``, which an earlier guard took for tampering."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import nbformat
import pytest

from tests.mutants import catalogue, honest
from tests.nbharness import ROOT, filled_in, graded_test_cells, make_course_copy, stale_learner_files, weeks
from tools.grading.sandbox import check_available

GRADE = [sys.executable, str(ROOT / "tools" / "grade.py")]


def _grade(course, env, *args):
    proc = subprocess.run(
        [*GRADE, "--root", str(course), *args], cwd=course, env=env, capture_output=True, text=True, timeout=1200
    )
    assert proc.returncode == 0, f"grade.py {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _cell_scores(env: dict, week: str) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(env["COURSE_GRADEBOOK"]) as gb:
        return {
            sub.student.id: {g.name: g.score for nb in sub.notebooks for g in nb.grades}
            for sub in gb.assignment_submissions(week)
        }


@pytest.mark.notebook
@pytest.mark.skipif(not check_available()[0], reason=f"no sandbox here: {check_available()[1]}")
@pytest.mark.parametrize("week", weeks())
def test_round_trip_through_make_autograde(week, tmp_path):
    course = tmp_path / "course"
    env = make_course_copy(course, [week])
    env["TMPDIR"] = str(tmp_path)
    _grade(course, env, "release", week)
    stale = stale_learner_files(course, week)
    assert not stale, (
        f"notebooks/{week} is not a fresh release of solutions/{week} (run `make release` and commit): {stale}"
    )
    solutions = {
        p.name: nbformat.read(str(p), as_version=4) for p in sorted((ROOT / "solutions" / week).glob("*.ipynb"))
    }
    learner = {n: nbformat.read(str(course / "notebooks" / week / n), as_version=4) for n in solutions}
    mutant = catalogue(week)[0]
    alternatives = honest(week)
    answers = {**alternatives, mutant.exercise: mutant.source}
    subs = {
        "reference": {n: filled_in(learner[n], solutions[n]) for n in learner},
        "untouched": dict(learner),
        "honest_one_wrong": {
            n: filled_in(learner[n], solutions[n], {g: s for g, s in answers.items() if _has(solutions[n], g)})
            for n in learner
        },
    }
    for student, files in subs.items():
        d = course / "submitted" / student / week
        d.mkdir(parents=True)
        (d / "timestamp.txt").write_text("2026-11-25 12:00:00.000000 UTC")
        for name, nb in files.items():
            (d / name).write_text(nbformat.writes(nb))
    graded = _grade(course, env, "autograde", week, "--jobs", "2")
    cap = int(env.get("OMP_NUM_THREADS") or 2)  # the test runner's share of the cores, when it set one
    threads = max(1, min(cap, (os.cpu_count() or 1) // 2))  # two kernels side by side share the cores
    assert f"{threads} torch thread(s) per kernel" in graded.stdout, graded.stdout[-2000:]
    report = json.loads((course / ".grading" / "reports" / f"{week}.json").read_text())
    assert report["sandboxed"] is True
    students = report["students"]
    scores = _cell_scores(env, week)
    points: dict[str, float] = {}
    for nb in solutions.values():
        points.update(graded_test_cells(nb))
    for s in subs:
        rep = students[s]
        assert rep["status"] == "graded", f"{week}: {s} was not graded: {rep}"
        missing = sorted(set(points) - set(scores.get(s, {})))
        assert not missing, f"{week}: no grade for {missing} of {s!r} in the gradebook"
        assert not rep["flags"] and not rep.get("reviews"), (
            f"{week}: {s} is flagged or sent to review by the tamper guard: {rep['flags']} {rep.get('reviews')}"
        )
    ref = {g: scores["reference"][g] for g in points}
    assert ref == points, f"{week}: the reference solution lost points through make autograde: {ref}"
    assert all(scores["untouched"][g] == 0 for g in points), f"untouched notebook scored: {scores['untouched']}"
    got = {g: scores["honest_one_wrong"][g] for g in points}
    expected = points | {mutant.test_id: 0.0}
    assert got == expected, (
        f"{week}: honest alternatives everywhere and mistake {mutant.name!r} in {mutant.exercise} should lose "
        f"exactly {mutant.test_id}; lost {sorted(g for g in points if got[g] < points[g])}"
    )


def _has(nb, gid: str) -> bool:
    return any(c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid for c in nb.cells)
