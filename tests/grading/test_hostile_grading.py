"""Cheating and hostile submissions, graded in one ``grade.py autograde`` run with the sandbox
and the tamper guard (issue 16), next to an honest one.

(a) rebinds the check names in an exercise cell, (b) patches ``helpers.checks`` attributes,
(c) patches ``numpy.allclose`` / ``torch.allclose`` — each with every exercise wrong: no points,
flagged in the report, naming the cell. (d) reads ``solutions/`` and prints it, (i) reads another
student's submission: nothing of either appears in any output. (e) opens the gradebook and changes
a score: the gradebook holds only what grading wrote. (f) writes outside its folder: nothing
appears outside the scratch folders. (g) connects to a port this test listens on: refused, no
connection arrives. (h) forks without limit: stopped by the process limit, graded, nothing left
running. The honest submission scores every autograded point, as without the guard.
"""

from __future__ import annotations

import copy
import json
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest

from tests.mutants import catalogue
from tests.nbharness import ROOT, filled_in, graded_test_cells, make_course_copy, nbmeta
from tools.grading.sandbox import KERNEL_UID_BASE, check_available
from tools.notebook_markers import HID_BEGIN, HID_END, SOL_BEGIN, SOL_END, region_lines, split_regions

WEEK = "week01"
NB = "perceptron.ipynb"
CELL_TIMEOUT = 20
GRADE = [sys.executable, str(ROOT / "tools" / "grade.py")]
HONEST_MARK = "HONEST-STUDENT-PRIVATE-" + uuid.uuid4().hex[:8]
NPROC = 64

pytestmark = [
    pytest.mark.notebook,
    # one worker grades the class once: without a group, xdist spreads these tests over both
    # workers and each of them builds the module-scoped class again (measured: twice ~100 s)
    pytest.mark.xdist_group("hostile-class"),
    pytest.mark.cost(110),  # the whole group, measured
    pytest.mark.skipif(not check_available()[0], reason=f"no sandbox here: {check_available()[1]}"),
]


def _index(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if nbmeta(c).get("grade_id") == grade_id)


def _insert_after(nb, grade_id: str, source: str):
    nb = copy.deepcopy(nb)
    nb.cells.insert(_index(nb, grade_id) + 1, nbformat.v4.new_code_cell(source))
    return nb


def _all_wrong(learner, solution, first_line: str = ""):
    """Every exercise answered by its first catalogued mistake; ``first_line`` starts the first one."""
    wrong: dict[str, str] = {}
    for m in catalogue(WEEK):
        wrong.setdefault(m.exercise, m.source)
    first = next(nbmeta(c)["grade_id"] for c in learner.cells if nbmeta(c).get("solution") and c.cell_type == "code")
    if first_line:
        wrong[first] = wrong[first] + "\n\n" + first_line
    return filled_in(learner, solution, wrong)


REBIND = (
    "check = check_equal = check_close = check_shape = check_dtype = check_unchanged = check_raises = "
    "passed = (lambda *a, **k: None)"
)
PATCH_CHECKS = """import helpers.checks as _hc
for _n in ("check", "check_equal", "check_close", "check_shape", "check_dtype", "check_unchanged", "check_raises"):
    setattr(_hc, _n, lambda *a, **k: None)
_hc.fail = lambda *a, **k: None
from helpers.checks import *"""
PATCH_ALLCLOSE = """import numpy
numpy.allclose = lambda *a, **k: True
numpy.array_equal = lambda *a, **k: True
numpy.isclose = lambda *a, **k: True
try:
    import torch
    torch.allclose = lambda *a, **k: True
    torch.equal = lambda *a, **k: True
except ImportError:
    pass"""


def snoop(course: Path) -> str:
    """(d) and (i): walk up from the working folder and look where the course keeps its secrets."""
    return f"""import os, glob, helpers
places = set()
d = os.getcwd()
for _ in range(8):
    places.add(d)
    d = os.path.dirname(d)
places |= {{{str(course)!r}, {str(ROOT)!r}, os.path.dirname(os.path.dirname(helpers.__file__))}}
found = []
for p in sorted(places):
    for pattern in ("solutions/*/*.ipynb", "source/*/*.ipynb", "submitted/*/*/*.ipynb", "autograded/*/*/*.ipynb",
                    "../*/*/*.ipynb", ".grading/staging/*/*/*.ipynb", "*.db"):
        for f in glob.glob(os.path.join(p, pattern)):
            if "snoops" in f:
                continue
            try:
                print("READ", f)
                print(open(f, errors="replace").read())
                found.append(f)
            except OSError as e:
                print("DENIED", f, e)
print("snooped files:", len(found))"""


def vandal(course: Path, outside: list[Path]) -> str:
    """(e) and (f): change every score in the gradebook, plant files outside the folder."""
    return f"""import os, sqlite3
for db in ({str(course / "gradebook.db")!r}, os.path.join(os.getcwd(), "../../../gradebook.db")):
    try:
        con = sqlite3.connect(db)
        con.execute("create table if not exists pwned (x)")
        con.execute("update grade set manual_score = 99, auto_score = 99")
        con.commit()
        print("GRADEBOOK CHANGED", db)
    except Exception as e:
        print("gradebook refused:", type(e).__name__, e)
for f in {[str(p) for p in outside]!r}:
    try:
        os.makedirs(os.path.dirname(f), exist_ok=True)
        with open(f, "w") as fh:
            fh.write("pwned")
        print("WROTE", f)
    except OSError as e:
        print("write refused:", type(e).__name__)"""


def connect(port: int) -> str:
    return f"""import socket
for host in ("127.0.0.1", "localhost"):
    try:
        s = socket.create_connection((host, {port}), timeout=3)
        s.sendall(b"hello from a submission")
        print("CONNECTED", host)
    except OSError as e:
        print("connection refused:", host, type(e).__name__, e)"""


FORK_BOMB = """import os, time
n = 0
try:
    for _ in range(100000):
        pid = os.fork()
        if pid == 0:
            time.sleep(120)
            os._exit(0)
        n += 1
except OSError as e:
    print("fork stopped after", n, "children:", type(e).__name__)
print("kernel argv:", open("/proc/self/cmdline").read().replace(chr(0), " "))"""


class Listener:
    """A TCP server on the host's loopback that records every connection."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.connections: list = []
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop:
            try:
                conn, addr = self.sock.accept()
                self.connections.append(addr)
                conn.close()
            except OSError:
                pass

    def close(self):
        self._stop = True
        self.thread.join(timeout=5)
        self.sock.close()


def _grade(course: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [*GRADE, "--root", str(course), *args], cwd=course, env=env, capture_output=True, text=True, timeout=1500
    )
    assert proc.returncode == 0, f"grade.py {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


def _outputs(nb) -> str:
    out = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            if o.output_type == "stream":
                out.append(o.text)
            elif o.output_type == "error":
                out.append(f"{o.ename}: {o.evalue}")
            else:
                out += [v for k, v in o.get("data", {}).items() if k.startswith("text/")]
    return "\n".join(out)


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    course = base / "course"
    env = make_course_copy(course, [WEEK])
    env["COURSE_CELL_TIMEOUT"] = str(CELL_TIMEOUT)
    # this class's scratch folders in a temporary folder of its own, so the checks below see only
    # them (another worker may be grading another class at the same time)
    (base / "tmp").mkdir()
    env["TMPDIR"] = str(base / "tmp")
    _grade(course, env, "release", WEEK)
    learner = nbformat.read(str(course / "notebooks" / WEEK / NB), as_version=4)
    solution = nbformat.read(str(ROOT / "solutions" / WEEK / NB), as_version=4)
    ref = filled_in(learner, solution)
    last_test = [nbmeta(c)["grade_id"] for c in ref.cells if nbmeta(c).get("grade") and c.cell_type == "code"][-1]
    tag = uuid.uuid4().hex[:10]
    outside = [
        course / f"pwned-{tag}.txt",
        ROOT / f"pwned-{tag}.txt",
        Path("/tmp") / f"pwned-{tag}.txt",
        course / "autograded" / "honest" / WEEK / f"pwned-{tag}.txt",
        course / "submitted" / "honest" / WEEK / f"pwned-{tag}.txt",
        Path.home() / f"pwned-{tag}.txt",
    ]
    listener = Listener()
    honest = copy.deepcopy(ref)
    honest.cells.append(nbformat.v4.new_markdown_cell(f"My notes: {HONEST_MARK}"))
    subs = {
        "honest": honest,
        "rebinds": _all_wrong(learner, solution, REBIND),
        "patches_checks": _all_wrong(learner, solution, PATCH_CHECKS),
        "patches_allclose": _all_wrong(learner, solution, PATCH_ALLCLOSE),
        "snoops": _insert_after(ref, last_test, snoop(course)),
        "vandal": _insert_after(ref, last_test, vandal(course, outside)),
        "network": _insert_after(ref, last_test, connect(listener.port)),
        "forks": _insert_after(ref, last_test, FORK_BOMB),
    }
    for student, nb in subs.items():
        d = course / "submitted" / student / WEEK
        d.mkdir(parents=True)
        (d / "timestamp.txt").write_text("2026-11-25 12:00:00.000000 UTC")
        (d / NB).write_text(nbformat.writes(nb))
    t0 = time.monotonic()
    try:
        proc = _grade(
            course, env, "autograde", WEEK, "--jobs", "2", "--student-timeout", "240", "--nproc-limit", str(NPROC)
        )
    finally:
        listener.close()
    seconds = time.monotonic() - t0
    report = json.loads((course / ".grading" / "reports" / f"{WEEK}.json").read_text())
    graded = {
        s: nbformat.read(str(course / "autograded" / s / WEEK / NB), as_version=4)
        for s in subs
        if (course / "autograded" / s / WEEK / NB).is_file()
    }
    return {
        "tmpdir": base / "tmp",
        "course": course,
        "env": env,
        "report": report,
        "graded": graded,
        "stdout": proc.stdout,
        "points": graded_test_cells(solution),
        "listener": listener,
        "outside": outside,
        "seconds": seconds,
        "solution": solution,
    }


def _cell_scores(env: dict) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(env["COURSE_GRADEBOOK"]) as gb:
        return {
            sub.student.id: {g.name: g.score for nb in sub.notebooks for g in nb.grades}
            for sub in gb.assignment_submissions(WEEK)
        }


def test_honest_submission_scores_full_and_unflagged(hostile_class):
    points, rep = hostile_class["points"], hostile_class["report"]["students"]["honest"]
    scores = _cell_scores(hostile_class["env"])["honest"]
    missing = sorted(set(points) - set(scores))
    assert not missing, f"no grade row for {missing}"
    assert {g: scores[g] for g in points} == points, (scores, rep["notes"], rep["flags"])
    assert rep["status"] == "graded" and not rep["flags"], rep
    assert hostile_class["report"]["sandboxed"] is True


@pytest.mark.parametrize("student", ["rebinds", "patches_checks", "patches_allclose"])
def test_tampering_gets_no_points_and_is_flagged(hostile_class, student):
    points = hostile_class["points"]
    scores = _cell_scores(hostile_class["env"])[student]
    missing = sorted(set(points) - set(scores))
    assert not missing, f"{student}: no grade row for {missing}"
    assert all(scores[g] == 0 for g in points), f"{student} scored with wrong answers: {scores}"
    rep = hostile_class["report"]["students"][student]
    assert rep["flags"], f"{student} is not flagged: {rep}"
    first = next(
        nbmeta(c)["grade_id"]
        for c in hostile_class["solution"].cells
        if nbmeta(c).get("solution") and c.cell_type == "code"
    )
    assert any(f"({first})" in f for f in rep["flags"]), f"the flag should name cell {first}: {rep['flags']}"
    # a flag is evidence: it names the learner's cell and line
    assert any(re.search(rf"cell \d+ \({first}\) line \d+", f) for f in rep["flags"]), rep["flags"]
    assert any("test scored 0" in f for f in rep["flags"]), rep["flags"]
    text = (hostile_class["course"] / ".grading" / "reports" / f"{WEEK}.txt").read_text()
    line = next(l for l in text.splitlines() if l.startswith("FLAGGED for tampering"))
    assert student in line and "honest" not in line


def test_no_solution_or_other_student_in_any_output(hostile_class):
    out = _outputs(hostile_class["graded"]["snoops"])
    assert "snooped files: 0" in out, out[-3000:]
    secret = set()
    for c in hostile_class["solution"].cells:
        for begin, end in ((SOL_BEGIN, SOL_END), (HID_BEGIN, HID_END)):
            inside, outside = split_regions(c.source, begin, end)
            secret |= {l for l in region_lines(c.source, begin, end) if len(l) >= 12} - set(outside)
    shown = {l.strip() for l in out.splitlines()}
    assert not (secret & shown), sorted(secret & shown)[:5]
    for s, nb in hostile_class["graded"].items():
        if s != "honest":
            assert HONEST_MARK not in _outputs(nb), f"{s} shows the honest student's notebook"
    assert hostile_class["report"]["students"]["snoops"]["status"] == "graded"


def test_gradebook_holds_only_what_grading_wrote(hostile_class):
    import sqlite3

    out = _outputs(hostile_class["graded"]["vandal"])
    assert "GRADEBOOK CHANGED" not in out, out[-2000:]
    db = hostile_class["env"]["COURSE_GRADEBOOK"][len("sqlite:///") :]
    con = sqlite3.connect(db)
    tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
    assert "pwned" not in tables
    assert not con.execute("select count(*) from grade where manual_score is not null").fetchone()[0]
    assert not con.execute("select count(*) from grade where auto_score > 3").fetchone()[0]
    points = hostile_class["points"]
    scores = _cell_scores(hostile_class["env"])["vandal"]
    assert {g: scores[g] for g in points} == points


def test_nothing_written_outside_the_scratch_folders(hostile_class):
    out = _outputs(hostile_class["graded"]["vandal"])
    planted = [str(p) for p in hostile_class["outside"] if p.exists()]
    assert not planted, f"files written outside the sandbox: {planted}\n{out[-2000:]}"
    course = hostile_class["course"]
    stray = [str(p) for p in course.rglob("pwned*")]
    assert not stray, stray
    assert not list(hostile_class["tmpdir"].glob("course-grading-*/s*")), "scratch folders left behind"


def test_network_is_refused(hostile_class):
    out = _outputs(hostile_class["graded"]["network"])
    assert "CONNECTED" not in out and "connection refused" in out, out[-2000:]
    assert hostile_class["listener"].connections == [], hostile_class["listener"].connections
    points = hostile_class["points"]
    scores = _cell_scores(hostile_class["env"])["network"]
    assert {g: scores[g] for g in points} == points


def test_fork_bomb_is_stopped(hostile_class):
    rep = hostile_class["report"]["students"]["forks"]
    out = _outputs(hostile_class["graded"]["forks"])
    assert "fork stopped after" in out, out[-2000:]
    n = int(out.split("fork stopped after", 1)[1].split()[0])
    assert n < NPROC, n
    assert rep["status"] == "graded" and rep["score"] == hostile_class["report"]["students"]["honest"]["score"]
    mine = str(hostile_class["tmpdir"])  # this class's kernels name their scratch folder on the command line
    argv = out.split("kernel argv:", 1)[1].split("\n", 1)[0]
    assert mine in argv, f"the kernel's command line does not name {mine}, so the check below could not see it: {argv}"
    left = [
        p.pid
        for p in psutil.process_iter(["uids", "cmdline"])
        if p.info["uids"]
        and KERNEL_UID_BASE <= p.info["uids"].real < KERNEL_UID_BASE + 1000
        and mine in " ".join(p.info["cmdline"] or [])
    ]
    assert not left, f"sandboxed processes still running: {left}"
