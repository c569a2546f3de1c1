"""The instructor's workflow end to end, with real nbgrader and a real SQLite gradebook, in a
temporary copy of the course with a temporary exchange directory:

roster -> release -> learners fetch, work and submit through the exchange (as their own users)
-> collect; and a zip of notebooks from an LMS -> zip_collect; then one autograde run for all,
a manual grade of the written answer set through the gradebook API (as formgrader does),
feedback (hidden tests must not show), feedback returned to and fetched by a learner, and the
exported CSV checked score by score. Every instructor step goes through ``tools/grade.py``
exactly as INSTRUCTORS.md writes it.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from tests.mutants import catalogue
from tests.nbharness import ROOT, filled_in, graded_test_cells, make_course_copy, nbmeta
from tools.grading import Course, hidden_test_lines, html_text

WEEK = "week01"
COURSE_ID = "llm-crash-course"
GRADE = [sys.executable, str(ROOT / "tools" / "grade.py")]
LEARNERS = [sys.executable, str(ROOT / "tests" / "grading" / "fixtures" / "learners.py")]

ANSWER_GOOD = (
    "XOR puts (+1,+1) and (-1,-1) in one class and (+1,-1), (-1,+1) in the other; any line "
    "that puts both points of one class on its positive side puts a point of the other there "
    "too, so no w, b separates them and the perceptron keeps making mistakes."
)
ANSWER_WEAK = "The perceptron is too simple for XOR."


def mutant(name: str):
    return next(m for m in catalogue(WEEK) if m.name == name)


def with_answer(nb, text: str):
    nb = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    for c in nb.cells:
        if nbmeta(c).get("grade_id") == "explain_xor":
            c.source = text
    return nb


def grade(course: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [*GRADE, "--root", str(course), *args], cwd=course, env=env, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, f"grade.py {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


def learners(course: Path, env: dict, plan: list[dict], tmp: Path) -> None:
    plan_file = tmp / f"plan-{len(list(tmp.glob('plan-*')))}.json"
    plan_file.write_text(json.dumps(plan))
    proc = subprocess.run(
        [
            *LEARNERS,
            "--exchange",
            env["COURSE_EXCHANGE"],
            "--homes",
            str(tmp / "home"),
            "--course",
            COURSE_ID,
            str(plan_file),
        ],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"learners failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


@pytest.mark.notebook
@pytest.mark.cost(150)  # measured: about 146 s on 2 cores; scheduled among the first
def test_instructor_workflow_end_to_end(tmp_path):
    course = tmp_path / "course"
    env = make_course_copy(course, [WEEK], new_gradebook=True)
    solution = nbformat.read(str(ROOT / "solutions" / WEEK / "perceptron.ipynb"), as_version=4)
    points = graded_test_cells(solution)
    auto_max = sum(points.values())
    pp, fp = points["test_perceptron_predict"], points["test_perceptron_fit"]

    # 1. roster, release -------------------------------------------------------------------
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "id,first_name,last_name,email\n"
        "s01,Ada,Lovelace,ada@example.org\n"
        "s02,Alan,Turing,alan@example.org\n"
        "s03,Grace,Hopper,grace@example.org\n"
        "z01,Claude,Shannon,claude@example.org\n"
        "z02,Edsger,Dijkstra,edsger@example.org\n"
        "m01,Never,Submitted,never@example.org\n"
    )
    out = grade(course, env, "add-students", str(roster)).stdout
    assert "6 students" in out
    grade(course, env, "release", WEEK)
    released = course / "notebooks" / WEEK / "perceptron.ipynb"
    outbound = Path(env["COURSE_EXCHANGE"]) / COURSE_ID / "outbound" / WEEK / "perceptron.ipynb"
    assert outbound.is_file(), "release did not reach the exchange"
    learner_nb = nbformat.read(str(released), as_version=4)
    assert "### BEGIN HIDDEN TESTS" not in nbformat.writes(learner_nb)

    # 2a. learners on the shared machine: fetch, work, submit ---------------------------------
    work = tmp_path / "work"
    work.mkdir()
    right = with_answer(filled_in(learner_nb, solution), ANSWER_GOOD)
    m_predict = mutant("bias subtracted")
    partly = with_answer(filled_in(learner_nb, solution, {m_predict.exercise: m_predict.source}), ANSWER_WEAK)
    nbformat.write(right, str(work / "s01.ipynb"))
    nbformat.write(partly, str(work / "s02.ipynb"))
    learners(
        course,
        env,
        [
            {
                "student": "s01",
                "action": "submit",
                "week": WEEK,
                "files": {"perceptron.ipynb": str(work / "s01.ipynb")},
            },
            {
                "student": "s02",
                "action": "submit",
                "week": WEEK,
                "files": {"perceptron.ipynb": str(work / "s02.ipynb")},
            },
            {"student": "s03", "action": "submit", "week": WEEK},  # untouched
        ],
        tmp_path,
    )
    inbound = sorted(p.name.split("+")[0] for p in (Path(env["COURSE_EXCHANGE"]) / COURSE_ID / "inbound").iterdir())
    assert inbound == ["s01", "s02", "s03"], inbound
    grade(course, env, "collect", WEEK)
    for s in ("s01", "s02", "s03"):
        assert (course / "submitted" / s / WEEK / "perceptron.ipynb").is_file(), f"{s} not collected"
        assert (course / "submitted" / s / WEEK / "timestamp.txt").is_file()

    # 2b. the LMS route: a zip of notebooks named by the LMS ----------------------------------
    m_fit = mutant("never stops early")
    wrong_fit = with_answer(filled_in(learner_nb, solution, {m_fit.exercise: m_fit.source}), ANSWER_WEAK)
    downloads = tmp_path / "downloads.zip"
    with zipfile.ZipFile(downloads, "w") as z:
        # Canvas names: <login>_[late_]<ids>_<file>; the LMS renamed a re-upload to perceptron-1
        z.writestr(
            "submissions/z01_late_1234_5678_perceptron-1.ipynb", nbformat.writes(with_answer(right, ANSWER_GOOD))
        )
        z.writestr("submissions/z02_2345_6789_perceptron.ipynb", nbformat.writes(wrong_fit))
        z.writestr("submissions/index.html", "<html>LMS index</html>")
    out = grade(course, env, "zip-collect", WEEK, str(downloads)).stdout
    assert "2 students collected" in out, out
    assert (course / "submitted" / "z01" / WEEK / "perceptron-1.ipynb").is_file()
    assert (course / "submitted" / "z02" / WEEK / "perceptron.ipynb").is_file()
    assert (course / "submitted" / "z02" / WEEK / "timestamp.txt").is_file()

    # 3. autograde: one run for the whole class ----------------------------------------------
    grade(course, env, "autograde", WEEK, "--jobs", "2")
    report = json.loads((course / ".grading" / "reports" / f"{WEEK}.json").read_text())["students"]
    expected_auto = {"s01": auto_max, "s02": auto_max - pp, "s03": 0.0, "z01": auto_max, "z02": auto_max - fp}
    for s, auto in expected_auto.items():
        assert report[s]["status"] == "graded", report[s]
        assert report[s]["score"] == auto, f"{s}: {report[s]}"
        assert report[s]["max_score"] == auto_max + 2
    assert report["m01"]["status"] == "missing"
    assert any("renamed: perceptron-1.ipynb graded as perceptron.ipynb" in n for n in report["z01"]["notes"])
    assert report["s02"]["failed_tests"] == [f"test_perceptron_predict (0/{pp:g})"]
    assert report["z02"]["failed_tests"] == [f"test_perceptron_fit (0/{fp:g})"]
    assert not any(r.get("flags") for r in report.values()), "honest submissions flagged"
    for s in ("s01", "s02", "z01", "z02"):
        assert report[s]["needs_manual"] == ["perceptron/explain_xor"], report[s]
    assert report["s03"]["needs_manual"] == [], "an untouched answer needs no manual grade (it scores 0)"
    assert (course / "autograded" / "z01" / WEEK / "perceptron.ipynb").is_file()

    # 3b. manual grading, as formgrader does it: a manual score on the written answer ---------
    from nbgrader.api import Gradebook

    manual = {"s01": 2.0, "s02": 1.0, "z01": 2.0, "z02": 0.0}
    with Gradebook(env["COURSE_GRADEBOOK"]) as gb:
        for s, score in manual.items():
            g = gb.find_grade("explain_xor", "perceptron", WEEK, s)
            assert g.needs_manual_grade and g.max_score == 2
            g.manual_score = score
            c = gb.find_comment("explain_xor", "perceptron", WEEK, s)
            c.manual_comment = "Full argument." if score == 2 else "Say why no line works."
        gb.db.commit()

    # grading a learner again keeps the manual grade (nbgrader flags it for another look)
    grade(course, env, "autograde", WEEK, "--student", "s02")
    with Gradebook(env["COURSE_GRADEBOOK"]) as gb:
        assert gb.find_grade("explain_xor", "perceptron", WEEK, "s02").manual_score == 1.0
        assert gb.find_submission(WEEK, "s02").score == auto_max - pp + 1

    # 3c. feedback: generated, no hidden test in it, returned and fetched ---------------------
    grade(course, env, "feedback", WEEK)
    hidden = hidden_test_lines(Course(course), WEEK)
    assert len(hidden) >= 5, "the solution should have hidden tests to hide"
    visible_line = next(
        l.strip()
        for l in learner_nb.cells[
            [nbmeta(c).get("grade_id") for c in learner_nb.cells].index("test_perceptron_fit")
        ].source.splitlines()
        if l.strip().startswith("check")
    )
    for s in ("s01", "s02", "s03", "z01", "z02"):
        page = html_text((course / "feedback" / s / WEEK / "perceptron.html").read_text())
        shown = {l.strip() for l in page.splitlines()}
        leaked = [h for h in hidden if h in shown]
        assert not leaked, f"hidden tests leak into {s}'s feedback: {leaked[:3]}"
        assert visible_line in shown, (
            "the visible checks should be in the feedback (else the leak check proves nothing)"
        )
    assert "Say why no line works." in (course / "feedback" / "s02" / WEEK / "perceptron.html").read_text()
    grade(course, env, "return-feedback", WEEK)
    learners(course, env, [{"student": "s02", "action": "fetch_feedback", "week": WEEK}], tmp_path)
    fetched = list((tmp_path / "home" / "s02" / COURSE_ID / WEEK / "feedback").glob("*/perceptron.html"))
    assert len(fetched) == 1, "s02 did not receive the feedback"

    # 3d. export: exact scores ---------------------------------------------------------------
    grade(course, env, "export", str(tmp_path / "grades.csv"))
    with open(tmp_path / "grades.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f) if r["assignment"] == WEEK}
    expected = {
        "s01": auto_max + 2,
        "s02": auto_max - pp + 1,
        "s03": 0.0,
        "z01": auto_max + 2,
        "z02": auto_max - fp,
        "m01": 0.0,
    }
    assert {s: float(r["score"]) for s, r in rows.items()} == expected
    assert {float(r["max_score"]) for r in rows.values()} == {auto_max + 2}
    assert rows["s01"]["last_name"] == "Lovelace" and rows["z02"]["email"] == "edsger@example.org"
