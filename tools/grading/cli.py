"""The instructor's grading workflow: a small CLI over real nbgrader and its SQLite gradebook.

    python -m tools.grading add-students roster.csv         # CSV: id,first_name,last_name,email
    python -m tools.grading release week01                  # generate + release to the exchange
    python -m tools.grading collect week01                  # collect submissions from the exchange
    python -m tools.grading zip-collect week01 downloads.zip [--regex R]   # or: a zip from the LMS
    python -m tools.grading autograde week01 [--student ID] [--jobs N]    # robust, sandboxed, per student
    python -m tools.grading feedback week01                 # HTML feedback (checked: no hidden tests)
    python -m tools.grading return-feedback week01          # feedback to the exchange
    python -m tools.grading export grades.csv               # every student, every week

Every step runs nbgrader itself (its apps, in a child process per call), in the course
directory ``--root`` (default: this repository) with that directory's ``nbgrader_config.py``.
The gradebook is ``$COURSE_GRADEBOOK`` or ``gradebook.db`` there; the exchange is
``$COURSE_EXCHANGE`` or ``.exchange/`` there.

``autograde`` is what makes a class's worth of submissions safe to grade in one run:

- each student is graded by a separate nbgrader process with its own wall-clock limit
  (``--student-timeout``), on top of nbgrader's per-cell limit (``Execute.timeout``,
  ``--cell-timeout``), with resource limits on that process and the kernel it starts
  (address space, CPU seconds, file size, no core dumps) and a cap on the output kept per cell;
- submissions are read from a staging copy (``.grading/staging``): learners' files are never
  changed; a notebook that is not valid JSON, is empty or is not a notebook is reported and
  scores 0 as missing; a renamed notebook (e.g. ``perceptron-Copy1.ipynb``) is graded under
  its released name; deleted test cells are put back (``OverwriteCells.add_missing_cells``);
- the report (printed, and saved in ``.grading/reports/WEEK.txt`` and ``.json``) names per
  student: the score, failed test cells, edited locked cells (nbgrader restored them),
  deleted/reordered cells, cells stopped by the time limit, kernel deaths, truncated output,
  and submissions that were not graded and why;
- every kernel runs in a bubblewrap sandbox (sandbox.py) and every test cell behind the tamper
  guard (tamper.py); without bubblewrap ``autograde`` stops, unless ``--unsafe-no-sandbox``. Exit status 0 means every submission was
  graded or reported (``--strict``: 1 if any submission could not be graded).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path

from tools.grading.analysis import leaked_hidden_tests
from tools.grading.autograde import DEFAULT_OUTPUT_LIMIT_KB, autograde
from tools.grading.coursedir import ROOT, Course
from tools.grading.supervisor import (
    DEFAULT_FILE_LIMIT_MB,
    DEFAULT_MEM_LIMIT_GB,
    DEFAULT_NPROC,
    DEFAULT_STUDENT_TIMEOUT,
    Call,
    Limits,
    nbgrader,
    run_calls,
    trim_log,
)
from tools.nbgrader_env import BIN

# Canvas-style names: <student>_[late_][<digits>_...]<notebook>.ipynb, e.g.
# "s01_perceptron.ipynb", "smithj_late_1234_5678_perceptron-1.ipynb".
DEFAULT_ZIP_REGEX = r"(?P<student_id>[^_/]+)_(?:late_)?(?:\d+_)*(?P<file_id>[^/]+\.ipynb)"


def cmd_add_students(course: Course, roster: Path) -> int:
    with open(roster, newline="") as f:
        rows = list(csv.DictReader(f))
    need = {"id", "first_name", "last_name", "email"}
    if not rows or not need <= set(rows[0]):
        raise SystemExit(f"{roster}: expected a CSV with the columns {','.join(sorted(need))}")
    ids = [r["id"].strip() for r in rows]
    bad = [i for i in ids if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@-]*", i)]
    if bad or len(set(ids)) != len(ids):
        raise SystemExit(f"{roster}: student ids must be unique and contain no spaces, '/', '*' or '+': {bad or ids}")
    nbgrader(course, ["db", "student", "import", str(Path(roster).resolve())])
    print(f"{len(rows)} students in the gradebook {course.gradebook_url()}")
    return 0


def cmd_release(course: Course, week: str, duedate: str | None) -> int:
    if duedate:
        nbgrader(course, ["db", "assignment", "add", week, f"--duedate={duedate}"])
    nbgrader(course, ["generate_assignment", week, "--force"])
    ex = course.exchange()
    if not ex.exists():
        # learners must be able to write their submissions into it (nbgrader's docs: ugo+rw)
        ex.mkdir(parents=True)
        ex.chmod(0o777)
    nbgrader(course, ["release_assignment", week, "--force"])
    print(f"{week} released to the exchange {ex}")
    return 0


def _account(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _waiting(course: Course, week: str) -> list[tuple[Path, str, str]]:
    """The submissions of ``week`` in the exchange: (folder, the student it names, the account that made it)."""
    from traitlets.config.loader import PyFileConfigLoader

    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()
    inbound = course.exchange()
    if cfg.Exchange.get("path_includes_course", False):
        inbound = inbound / cfg.CourseDirectory.course_id
    inbound = inbound / "inbound"
    if not inbound.is_dir():
        return []
    # nbgrader names them <student>+<assignment>+<timestamp>+<random>
    return [(p, p.name.rsplit("+", 3)[0], _account(p.stat().st_uid)) for p in sorted(inbound.glob(f"*+{week}+*"))]


def cmd_collect(course: Course, week: str, owner_check: bool | None) -> int:
    argv = ["collect", week, "--update"]
    waiting = _waiting(course, week)
    me = _account(os.geteuid())
    if owner_check is None:
        # One account that plays every learner (the tests, a laptop) made every submission itself: the
        # check would turn them all away. On a hub the learners made them: on, as root too.
        owner_check = not waiting or any(owner != me for _, _, owner in waiting)
    if owner_check:
        # nbgrader's own check (ExchangeCollect.check_owner) only warns, then collects a submission made
        # by another account under the name it claims, replacing that student's own work
        for folder, student, owner in waiting:
            if student == owner:
                continue
            dest = course.work / "rejected" / week / folder.name
            try:
                shutil.copytree(folder, dest, dirs_exist_ok=True)
                shutil.rmtree(folder)
            except OSError as e:
                raise SystemExit(
                    f"{folder} says it is {student}'s submission but {owner} made it, and it could not be "
                    f"moved out of the exchange ({e}): remove it, then collect again"
                ) from None
            print(
                f"REJECTED: {folder.name} says it is {student}'s submission but {owner} made it: not collected (moved to {dest})"
            )
    else:
        argv.append("--ExchangeCollect.check_owner=False")
        print(
            f"every submission of {week} in the exchange was made by {me}, who collects (one account plays every "
            "learner): the check that each was made by its student is off (--owner-check turns it on)"
        )
    nbgrader(course, argv)
    subs = sorted(p.parent.name for p in (course.root / "submitted").glob(f"*/{week}"))
    print(f"{len(subs)} submissions of {week} in submitted/: {', '.join(subs)}")
    return 0


def cmd_zip_collect(course: Course, week: str, archive: Path, regex: str, force: bool) -> int:
    archive = Path(archive).resolve()
    if not zipfile.is_zipfile(archive):
        raise SystemExit(f"{archive}: not a zip file")
    # nbgrader matches the regex at the start of the extracted file's path: allow any folders before
    named = f"^(?:.*/)?{regex.lstrip('^')}"
    pattern = re.compile(named)
    # what the regex makes of each file, before nbgrader copies anything
    mapping: dict[str, list[str]] = {}
    with zipfile.ZipFile(archive) as z:
        entries = [i for i in z.infolist() if not i.is_dir()]
    for info in entries:
        base = info.filename.rsplit("/", 1)[-1]
        if not base.endswith(".ipynb"):
            continue
        m = pattern.match("/" + info.filename)
        if m:
            mapping.setdefault(m.group("student_id"), []).append(f"{base} -> {m.group('file_id')}")
        else:
            print(f"WARNING: {info.filename}: the file name does not match --regex; skipped")
    clash = [s for s in mapping if any((course.root / "submitted" / s / week).glob("*"))]
    if clash and not force:
        raise SystemExit(
            f"submissions of {week} already exist for {', '.join(sorted(clash))}; "
            "pass --force to replace them with the ones in the zip"
        )
    dl = course.root / "downloaded" / week
    for sub in ("archive", "extracted"):
        if (dl / sub).exists():
            shutil.rmtree(dl / sub)
    (dl / "archive").mkdir(parents=True)
    shutil.copy2(archive, dl / "archive" / archive.name)
    argv = ["zip_collect", week, f"--FileNameCollectorPlugin.named_regexp={named}"]
    if force:
        argv.append("--force")
    nbgrader(course, argv)
    stamp = dt.datetime.fromtimestamp(archive.stat().st_mtime, tz=dt.timezone.utc)
    for student, files in sorted(mapping.items()):
        d = course.root / "submitted" / student / week
        if d.is_dir() and not (d / "timestamp.txt").exists():
            # nbgrader's release_feedback needs one (nbgrader-notes trap 8): the zip's time
            (d / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
        print(f"{student}: {'; '.join(files)}")
    print(f"{len(mapping)} students collected from {archive.name}")
    return 0


def cmd_autograde(
    course: Course,
    week: str,
    students: list[str] | None,
    jobs: int,
    student_timeout: float,
    cell_timeout: int | None,
    limits: Limits,
    output_kb: int,
    strict: bool,
    unsafe_no_sandbox: bool = False,
) -> int:
    reports = autograde(
        course,
        week,
        students,
        jobs=jobs,
        student_timeout=student_timeout,
        cell_timeout=cell_timeout,
        limits=limits,
        output_kb=output_kb,
        unsafe_no_sandbox=unsafe_no_sandbox,
    )
    not_graded = [s for s, r in reports.items() if not r.graded and r.status != "missing"]
    return 1 if strict and not_graded else 0


def cmd_feedback(course: Course, week: str) -> int:
    nbgrader(course, ["generate_feedback", week, "--force"])
    files = sorted((course.root / "feedback").glob(f"*/{week}/*.html"))
    leaks = leaked_hidden_tests(course, week)
    if leaks:
        for f, found in leaks.items():
            print(f"HIDDEN TESTS LEAK into {f}: {found[:3]}")
        raise SystemExit(
            "feedback shows hidden tests: do not return it (check GenerateFeedback.preprocessors "
            "and Execute.extra_arguments in nbgrader_config.py)"
        )
    print(f"{len(files)} feedback files in feedback/*/{week}/ (checked: no hidden test in them)")
    return 0


def cmd_return_feedback(course: Course, week: str) -> int:
    if leaked_hidden_tests(course, week):
        raise SystemExit("feedback shows hidden tests: regenerate it with `grade.py feedback` first")
    exchange, lms = [], []
    for d in sorted((course.root / "feedback").glob(f"*/{week}")):
        # only a submission made through the exchange has a secret to file the feedback under
        (exchange if (d / "submission_secret.txt").exists() else lms).append(d.parent.name)
    if exchange:
        calls = [
            Call(
                argv=["release_feedback", week, f"--student={s}"],
                cwd=course.root,
                env=course.env(),
                key=s,
                log=course.work / "logs" / "release_feedback" / f"{s}.log",
            )
            for s in exchange
        ]
        run_calls(calls)
        failed = [c.key for c in calls if c.rc != 0]
        for c in calls:
            if c.rc != 0:
                sys.stdout.write(trim_log(c.output())[-2000:])
        if failed:
            raise SystemExit(f"release_feedback failed for {', '.join(failed)} (logs: {course.work / 'logs'})")
        print(f"feedback of {week} released to the exchange for {len(exchange)} students: {', '.join(exchange)}")
    if lms:
        print(
            f"not submitted through the exchange (e.g. LMS zip): {', '.join(lms)}; give them "
            f"feedback/<student>/{week}/*.html through the LMS"
        )
    return 0


def cmd_export(course: Course, dest: Path) -> int:
    dest = Path(dest).resolve()
    nbgrader(course, ["export", f"--to={dest}"])
    with open(dest, newline="") as f:
        rows = list(csv.DictReader(f))
    print(f"{len(rows)} rows written to {dest}")
    return 0


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=ROOT, help="course directory (default: this repository)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("add-students", help="add or update students from a CSV roster (id,first_name,last_name,email)")
    p.add_argument("roster", type=Path)
    p = sub.add_parser("release", help="generate the learner notebooks and release them to the exchange")
    p.add_argument("week")
    p.add_argument("--duedate", help="e.g. '2026-12-01 23:59:00 UTC'")
    p = sub.add_parser("collect", help="collect submissions from the exchange into submitted/")
    p.add_argument("week")
    p.add_argument(
        "--owner-check",
        dest="owner_check",
        action="store_true",
        default=None,
        help="refuse submissions made by another account than the student they name (default: on, except "
        "when the collecting account made every submission itself)",
    )
    p.add_argument("--no-owner-check", dest="owner_check", action="store_false")
    p = sub.add_parser("zip-collect", help="collect submissions from an LMS zip of notebooks")
    p.add_argument("week")
    p.add_argument("archive", type=Path)
    p.add_argument(
        "--regex",
        default=DEFAULT_ZIP_REGEX,
        help="regular expression for a file name, with (?P<student_id>...) and (?P<file_id>...) "
        f"(default: {DEFAULT_ZIP_REGEX})",
    )
    p.add_argument("--force", action="store_true", help="replace existing submissions of these students")
    p = sub.add_parser("autograde", help="autograde every submission of a week, one student at a time")
    p.add_argument("week")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument("--jobs", type=int, default=1, help="students graded side by side (default 1)")
    p.add_argument(
        "--student-timeout",
        type=float,
        default=DEFAULT_STUDENT_TIMEOUT,
        help=f"seconds for one student's notebooks (default {DEFAULT_STUDENT_TIMEOUT})",
    )
    p.add_argument(
        "--cell-timeout",
        type=int,
        default=None,
        help="seconds per cell (default: Execute.timeout of nbgrader_config.py)",
    )
    p.add_argument("--mem-limit", type=float, default=DEFAULT_MEM_LIMIT_GB, help="GB of address space (0: none)")
    p.add_argument("--file-limit", type=int, default=DEFAULT_FILE_LIMIT_MB, help="MB per written file (0: none)")
    p.add_argument("--output-limit", type=int, default=DEFAULT_OUTPUT_LIMIT_KB, help="kB of text output kept per cell")
    p.add_argument(
        "--nproc-limit",
        type=int,
        default=DEFAULT_NPROC,
        help=f"processes and threads per kernel (default {DEFAULT_NPROC}; 0: none)",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 if a submission could not be graded")
    p.add_argument(
        "--unsafe-no-sandbox",
        action="store_true",
        help="run learners' code WITHOUT the bubblewrap sandbox (it can then read the solutions and "
        "the gradebook); the report says so",
    )
    p = sub.add_parser("feedback", help="generate HTML feedback (and check that no hidden test shows)")
    p.add_argument("week")
    p = sub.add_parser("return-feedback", help="release the feedback to the exchange")
    p.add_argument("week")
    p = sub.add_parser("export", help="export every grade to a CSV file")
    p.add_argument("dest", type=Path)
    a = ap.parse_args(argv)
    # nbgrader runs `alembic` from PATH when it opens a gradebook, here and in its own processes
    os.environ["PATH"] = str(BIN) + os.pathsep + os.environ.get("PATH", "")
    course = Course(a.root.resolve())
    if not (course.root / "nbgrader_config.py").exists():
        raise SystemExit(f"{course.root}: no nbgrader_config.py (not a course directory)")
    if a.cmd == "add-students":
        return cmd_add_students(course, a.roster)
    if a.cmd == "release":
        return cmd_release(course, a.week, a.duedate)
    if a.cmd == "collect":
        return cmd_collect(course, a.week, a.owner_check)
    if a.cmd == "zip-collect":
        return cmd_zip_collect(course, a.week, a.archive, a.regex, a.force)
    if a.cmd == "autograde":
        return cmd_autograde(
            course,
            a.week,
            a.student,
            a.jobs,
            a.student_timeout,
            a.cell_timeout,
            Limits(mem_gb=a.mem_limit, file_mb=a.file_limit, nproc=a.nproc_limit),
            a.output_limit,
            a.strict,
            a.unsafe_no_sandbox,
        )
    if a.cmd == "feedback":
        return cmd_feedback(course, a.week)
    if a.cmd == "return-feedback":
        return cmd_return_feedback(course, a.week)
    if a.cmd == "export":
        return cmd_export(course, a.dest)
    return 2


if __name__ == "__main__":
    sys.exit(main())
