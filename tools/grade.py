"""The instructor's grading workflow: a small CLI over real nbgrader and its SQLite gradebook.

    python tools/grade.py add-students roster.csv         # CSV: id,first_name,last_name,email
    python tools/grade.py release week01                  # generate + release to the exchange
    python tools/grade.py collect week01                  # collect submissions from the exchange
    python tools/grade.py zip-collect week01 downloads.zip [--regex R]   # or: a zip from the LMS
    python tools/grade.py autograde week01 [--student ID] [--jobs N]    # robust, per student
    python tools/grade.py feedback week01                 # HTML feedback (checked: no hidden tests)
    python tools/grade.py return-feedback week01          # feedback to the exchange
    python tools/grade.py export grades.csv               # every student, every week

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
  and submissions that were not graded and why. Exit status 0 means every submission was
  graded or reported (``--strict``: 1 if any submission could not be graded).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import html
import json
import os
import re
import resource
import shutil
import sys
import time
import traceback
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.nbgrader_env import BIN, grading_env  # noqa: E402

# Defaults of the resource limits applied to each grading process and its kernel.
DEFAULT_STUDENT_TIMEOUT = 600      # s, wall clock, one student's whole notebook(s)
DEFAULT_MEM_LIMIT_GB = 6.0         # address space per process (torch needs ~1 GB virtual)
DEFAULT_FILE_LIMIT_MB = 512        # largest file a learner's code (or nbgrader) may write
DEFAULT_OUTPUT_LIMIT_KB = 200      # text output kept per cell in the graded notebook
# Canvas-style names: <student>_[late_][<digits>_...]<notebook>.ipynb, e.g.
# "s01_perceptron.ipynb", "smithj_late_1234_5678_perceptron-1.ipynb".
DEFAULT_ZIP_REGEX = r"(?P<student_id>[^_/]+)_(?:late_)?(?:\d+_)*(?P<file_id>[^/]+\.ipynb)"

HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


# ----------------------------------------------------------------------------- course directory

@dataclass
class Course:
    root: Path

    @property
    def work(self) -> Path:
        return self.root / ".grading"

    def env(self) -> dict[str, str]:
        """Environment of nbgrader and the kernels it starts (fast mode: tools/nbgrader_env.py)."""
        return grading_env()

    def exchange(self) -> Path:
        return Path(os.environ.get("COURSE_EXCHANGE", self.root / ".exchange"))

    def gradebook_url(self) -> str:
        return os.environ.get("COURSE_GRADEBOOK", f"sqlite:///{self.root / 'gradebook.db'}")

    def released(self, week: str) -> dict[str, nbformat.NotebookNode]:
        """The learner notebooks of a week, as generated (release directory)."""
        out = {}
        for p in sorted((self.root / "notebooks" / week).glob("*.ipynb")):
            out[p.name] = nbformat.read(str(p), as_version=4)
        return out

    def source_notebooks(self, week: str) -> dict[str, nbformat.NotebookNode]:
        return {p.name: nbformat.read(str(p), as_version=4)
                for p in sorted((self.root / "solutions" / week).glob("*.ipynb"))}


# ----------------------------------------------------------------------------- running nbgrader

@dataclass
class Limits:
    mem_gb: float = DEFAULT_MEM_LIMIT_GB
    cpu_s: int = 0            # 0: the wall-clock limit of the call
    file_mb: int = DEFAULT_FILE_LIMIT_MB

    def apply(self, wall_timeout: float | None) -> None:
        def setl(which, value):
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, hard if hard != resource.RLIM_INFINITY else value))
        if self.mem_gb > 0:
            setl(resource.RLIMIT_AS, int(self.mem_gb * (1 << 30)))
        cpu = self.cpu_s or (int(wall_timeout) + 30 if wall_timeout else 0)
        if cpu > 0:
            setl(resource.RLIMIT_CPU, cpu)
        if self.file_mb > 0:
            setl(resource.RLIMIT_FSIZE, int(self.file_mb * (1 << 20)))
        setl(resource.RLIMIT_CORE, 0)


@dataclass
class Call:
    """One nbgrader invocation in a child process."""
    argv: list[str]
    cwd: Path
    log: Path
    env: dict[str, str]
    timeout: float | None = None
    limits: Limits | None = None
    config: dict | None = None          # traitlets config applied on top of nbgrader_config.py
    key: str = ""
    # results
    rc: int | None = None
    timed_out: bool = False
    seconds: float = 0.0
    pid: int = 0
    started: float = 0.0

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""


def _preload() -> None:
    """Import nbgrader once in this process: each child is forked with it already loaded."""
    import nbgrader.apps.nbgraderapp  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401


def _child(call: Call) -> None:  # runs in the forked child; never returns
    code = 1
    try:
        os.setsid()  # its own process group: a timeout kills the whole group
        call.log.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(call.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        os.chdir(call.cwd)
        os.environ.clear()
        os.environ.update(call.env)
        if call.limits is not None:
            call.limits.apply(call.timeout)
        from traitlets.config import Config
        from nbgrader.apps.nbgraderapp import NbGraderApp
        sys.argv = ["nbgrader", *call.argv]
        kwargs = {"config": Config(call.config)} if call.config else {}
        try:
            NbGraderApp.launch_instance(argv=call.argv, **kwargs)
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # noqa: BLE001 - report anything, then exit
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _descendants(pid: int) -> list:
    import psutil
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _kill(procs) -> None:
    """Kill processes seen earlier (psutil checks that each is still the same process)."""
    import psutil
    for p in procs:
        try:
            if p.is_running():
                p.kill()
        except psutil.Error:
            pass


def run_calls(calls: list[Call], jobs: int = 1, on_done=None) -> list[Call]:
    """Run nbgrader calls, ``jobs`` at a time, each in a forked child with its own limits.

    Kernels run in sessions of their own, so each child's descendants are noted while it runs;
    whatever of them is still alive when the child ends or times out is killed."""
    _preload()
    pending, running, seen = list(calls), {}, {}
    last_scan = 0.0
    while pending or running:
        while pending and len(running) < max(1, jobs):
            call = pending.pop(0)
            call.started = time.monotonic()
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                _child(call)
            call.pid = pid
            running[pid], seen[pid] = call, {}
        time.sleep(0.05)
        scan = time.monotonic() - last_scan > 0.5
        if scan:
            last_scan = time.monotonic()
        for pid, call in list(running.items()):
            if scan:
                seen[pid].update((p.pid, p) for p in _descendants(pid))
            done, status = os.waitpid(pid, os.WNOHANG)
            now = time.monotonic()
            if done == 0:
                if not (call.timeout and now - call.started > call.timeout):
                    continue
                call.timed_out = True
                seen[pid].update((p.pid, p) for p in _descendants(pid))
                try:
                    os.killpg(pid, 9)
                except (ProcessLookupError, PermissionError):
                    pass
                _kill(seen[pid].values())
                os.waitpid(pid, 0)
                call.rc = -9
            else:
                call.rc = os.waitstatus_to_exitcode(status)
                _kill(seen[pid].values())  # no kernel outlives its grading process
            call.seconds = now - call.started
            del running[pid], seen[pid]
            if on_done:
                on_done(call)
    return calls


def nbgrader(course: Course, argv: list[str], *, cwd: Path | None = None, env: dict | None = None,
             timeout: float | None = None, config: dict | None = None, log: Path | None = None,
             check: bool = True, quiet: bool = False) -> Call:
    """Run one nbgrader command (``argv`` as on the command line) and return the finished call."""
    log = log or course.work / "logs" / f"{argv[0]}.log"
    call = Call(argv=argv, cwd=cwd or course.root, log=log, env=env or course.env(), timeout=timeout,
                config=config)
    run_calls([call])
    out = call.output()
    if not quiet:
        sys.stdout.write(_trim_log(out))
    if check and call.rc != 0:
        raise SystemExit(f"nbgrader {' '.join(argv)} failed (exit {call.rc}); log: {log}\n{out[-3000:]}")
    return call


def _trim_log(out: str) -> str:
    """nbgrader's log without the noise every run prints."""
    keep = [l for l in out.splitlines() if "Kernel is running over TCP without encryption" not in l]
    return "\n".join(keep) + ("\n" if keep else "")


# ----------------------------------------------------------------------------- output size cap

def output_cap_preprocessor(max_bytes: int):
    from nbgrader.preprocessors import NbGraderPreprocessor

    class LimitOutputBytes(NbGraderPreprocessor):
        """Keep at most ``max_bytes`` of text output per cell (head and tail), so a submission that
        prints megabytes on a few lines (which ``LimitOutput``'s line limit lets through) does not
        bloat the graded notebook and its feedback."""

        def preprocess_cell(self, cell, resources, index):
            if cell.cell_type != "code":
                return cell, resources
            budget = max_bytes
            for out in cell.get("outputs", []):
                texts = []
                if out.output_type == "stream":
                    texts.append(("text", out))
                elif out.output_type in ("execute_result", "display_data"):
                    texts.extend((k, out.data) for k in list(out.get("data", {})) if k.startswith("text/"))
                for key, holder in texts:
                    text = holder[key]
                    if isinstance(text, list):
                        text = "".join(text)
                    if len(text) > max(budget, 0):
                        keep = max(budget, 2000)
                        cut = len(text) - keep
                        holder[key] = (text[: keep // 2] + f"\n... {cut} characters of output truncated by the grader ...\n"
                                       + text[-keep // 2:])
                        resources.setdefault("truncated_cells", []).append(index)
                    budget -= len(holder[key])
            return cell, resources

    return LimitOutputBytes


def autograde_config(output_kb: int) -> dict:
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, Execute, IgnorePattern,
                                        LimitOutput, SaveAutoGrades)
    pre = [Execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput]
    if output_kb > 0:
        pre.append(output_cap_preprocessor(output_kb * 1024))
    pre += [SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    return {
        "Autograde": {"autograde_preprocessors": pre},
        "OverwriteCells": {"add_missing_cells": True},  # a deleted test cell is put back and run
    }


# ----------------------------------------------------------------------------- inspecting submissions

def nbgrader_id(cell) -> str | None:
    return (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")


def _norm(src) -> str:
    if isinstance(src, list):
        src = "".join(src)
    return "\n".join(l.rstrip() for l in str(src).strip().splitlines())


@dataclass
class StudentReport:
    student: str
    status: str = "graded"            # graded | missing | invalid | kernel-died | timed-out | error
    score: float | None = None
    max_score: float = 0.0
    needs_manual: list[str] = field(default_factory=list)
    failed_tests: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    log: str = ""

    @property
    def graded(self) -> bool:
        return self.status == "graded"


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode | None, str]:
    """(notebook, "") or (None, why it is not a notebook)."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        return None, f"cannot read: {e}"
    if not raw.strip():
        return None, "empty file"
    try:
        data = json.loads(raw.decode("utf-8", errors="strict"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, f"not valid JSON ({e})"
    if not isinstance(data, dict) or "cells" not in data:
        return None, "JSON but not a notebook (no cells)"
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
    except Exception as e:  # noqa: BLE001 - any nbformat failure means "not a notebook"
        return None, f"not a valid notebook ({type(e).__name__}: {str(e).splitlines()[0][:200]})"
    return nb, ""


def stage_submission(course: Course, week: str, student: str, rep: StudentReport) -> Path | None:
    """Copy a student's submission into the staging area, fixing what can be fixed and noting
    everything. Returns the staged folder, or None when nothing can be graded."""
    src = course.root / "submitted" / student / week
    dst = course.work / "staging" / student / week
    if dst.exists():
        shutil.rmtree(dst)
    released = course.released(week)
    if not src.is_dir():
        rep.status = "missing"
        rep.notes.append("no submission")
        return None
    dst.mkdir(parents=True)
    # every non-notebook file as it is (timestamp.txt included)
    notebooks: dict[str, nbformat.NotebookNode] = {}
    unreadable: set[str] = set()
    for p in sorted(src.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(src)
        if p.suffix == ".ipynb" and len(rel.parts) == 1:
            nb, why = read_notebook(p)
            if nb is None:
                rep.notes.append(f"{p.name}: {why}; not graded (scores 0)")
                unreadable.add(p.name)
                continue
            notebooks[p.name] = nb
        else:
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, dst / rel)
    if not (dst / "timestamp.txt").exists():
        stamp = dt.datetime.fromtimestamp(max((p.stat().st_mtime for p in src.iterdir()), default=time.time()),
                                          tz=dt.timezone.utc)
        (dst / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
        rep.notes.append("no timestamp.txt: the files' modification time was used")

    # renamed notebooks: graded under the released name whose cells they share most
    unknown = {n: nb for n, nb in notebooks.items() if n not in released}
    for name in sorted(set(released) - set(notebooks)):
        ids = {nbgrader_id(c) for c in released[name].cells} - {None}
        best, overlap = None, 0
        for un, unb in unknown.items():
            k = len(ids & {nbgrader_id(c) for c in unb.cells})
            if k > overlap:
                best, overlap = un, k
        if best is not None:
            notebooks[name] = unknown.pop(best)
            del notebooks[best]
            rep.notes.append(f"notebook renamed: {best} graded as {name}")
        elif name not in unreadable:
            rep.notes.append(f"{name}: missing from the submission (scores 0)")
    for un in unknown:
        del notebooks[un]
        rep.notes.append(f"{un}: not a notebook of {week}; ignored")

    for name, nb in notebooks.items():
        _compare_with_release(nb, released[name], name, rep)
        nbformat.write(nb, str(dst / name))
    if not notebooks:
        rep.status = "invalid"
        return None
    return dst


def _compare_with_release(nb, rel, name: str, rep: StudentReport) -> None:
    rel_cells = {nbgrader_id(c): c for c in rel.cells if nbgrader_id(c)}
    sub_ids = [nbgrader_id(c) for c in nb.cells if nbgrader_id(c)]
    seen = set()
    for c in nb.cells:
        gid = nbgrader_id(c)
        if gid is None or gid not in rel_cells:
            continue
        if gid in seen:
            rep.notes.append(f"{name}: cell {gid} appears more than once (nbgrader keeps the first)")
            continue
        seen.add(gid)
        r = rel_cells[gid]
        rmeta, smeta = r.metadata.get("nbgrader", {}), c.metadata.get("nbgrader", {})
        if rmeta.get("locked") and (_norm(c.source) != _norm(r.source) or c.cell_type != r.cell_type):
            kind = "test cell" if rmeta.get("grade") else "locked cell"
            rep.notes.append(f"{name}: {kind} {gid} was edited by the learner; nbgrader restored the original"
                             " (hidden tests included) before grading")
        elif rmeta.get("grade") and float(smeta.get("points", rmeta.get("points", 0)) or 0) != float(rmeta.get("points", 0)):
            rep.notes.append(f"{name}: points of {gid} were changed in the metadata; nbgrader restored them")
    deleted = [g for g in rel_cells if g not in seen]
    restored = [g for g in deleted if rel_cells[g].metadata["nbgrader"].get("grade")]
    if deleted:
        rep.notes.append(f"{name}: cells deleted: {', '.join(deleted)}"
                         + (f" (test cells put back: {', '.join(restored)})" if restored else ""))
    order = [g for g in rel_cells if g in seen]
    kept = [g for g in dict.fromkeys(sub_ids) if g in rel_cells]
    if kept != order:
        rep.notes.append(f"{name}: cells reordered (graded in the learner's order): {', '.join(kept)}")


def _analyse_graded(course: Course, week: str, student: str, call: Call, rep: StudentReport) -> None:
    out = call.output()
    rep.seconds = round(call.seconds, 1)
    rep.log = str(call.log)
    graded_dir = course.root / "autograded" / student / week
    graded = sorted(graded_dir.glob("*.ipynb")) if graded_dir.is_dir() else []
    if call.timed_out:
        rep.status = "timed-out"
        rep.notes.append(f"grading stopped after {call.seconds:.0f} s (student time limit); not graded")
        if graded_dir.is_dir():  # half-done output: remove it, as nbgrader does after a failure
            shutil.rmtree(graded_dir, ignore_errors=True)
        graded = []
    elif "Timeout waiting for IOPub output" in out or "UnresponsiveKernelError" in out:
        rep.status = "timed-out"
        rep.notes.append("a cell ran past the per-cell time limit and did not stop when interrupted "
                         "(the code ignores interrupts); not graded")
    elif "DeadKernelError" in out or "Kernel died" in out or "kernel died" in out.lower():
        rep.status = "kernel-died"
        rep.notes.append("the kernel died while running the notebook (os._exit, a crash or the memory limit);"
                         " not graded")
    elif call.rc != 0 or not graded:
        rep.status = "error"
        last = [l for l in _trim_log(out).splitlines() if "ERROR" in l or "Error" in l][-3:]
        rep.notes.append(f"nbgrader failed (exit {call.rc}): " + (" | ".join(last) or "see the log"))
    for p in graded:
        nb = nbformat.read(str(p), as_version=4)
        for i, c in enumerate(nb.cells):
            if c.cell_type != "code":
                continue
            where = f"{p.name}: cell {i}{' (' + nbgrader_id(c) + ')' if nbgrader_id(c) else ''}"
            outs = c.get("outputs", [])
            enames = {o.ename for o in outs if o.output_type == "error"}
            if enames & {"CellTimeoutError", "KeyboardInterrupt"}:
                rep.notes.append(f"{where} stopped by the per-cell time limit")
            if "MemoryError" in enames:
                rep.notes.append(f"{where} ran out of memory (MemoryError; limit {call.limits.mem_gb:g} GB)"
                                 if call.limits and call.limits.mem_gb else f"{where} ran out of memory (MemoryError)")
            if any(o.output_type == "stream" and "characters of output truncated by the grader" in o.text for o in outs):
                rep.notes.append(f"{where}: output truncated")
    _scores_from_gradebook(course, week, student, rep)


def _scores_from_gradebook(course: Course, week: str, student: str, rep: StudentReport) -> None:
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(course.gradebook_url()) as gb:
        rep.max_score = float(gb.find_assignment(week).max_score)
        try:
            sub = gb.find_submission(week, student)
        except MissingEntry:
            rep.score = 0.0 if rep.status in ("missing", "invalid") else None
            return
        if rep.status in ("graded",):
            rep.score = float(sub.score)
        elif rep.status in ("missing", "invalid") and sub.score is not None:
            rep.notes.append(f"an earlier grade ({float(sub.score):g}) of this student is still in the gradebook "
                             "and counts in the export")
        for nb in sub.notebooks:
            for g in nb.grades:
                if g.needs_manual_grade and rep.status == "graded":
                    rep.needs_manual.append(f"{nb.name}/{g.name}")
                if (rep.status == "graded" and g.cell_type == "code" and g.auto_score is not None and g.max_score
                        and g.auto_score < g.max_score):
                    rep.failed_tests.append(f"{g.name} ({g.auto_score:g}/{g.max_score:g})")


# ----------------------------------------------------------------------------- commands

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


def cmd_collect(course: Course, week: str, owner_check: bool | None) -> int:
    argv = ["collect", week, "--update"]
    if owner_check is None:
        owner_check = os.geteuid() != 0
    if not owner_check:
        # As root every submission is owned by root: nbgrader's owner check would reject them all.
        argv.append("--ExchangeCollect.check_owner=False")
        print("collecting as root: nbgrader's check that each submission's files belong to its student is off "
              "(--owner-check turns it on)")
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
        raise SystemExit(f"submissions of {week} already exist for {', '.join(sorted(clash))}; "
                         "pass --force to replace them with the ones in the zip")
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


def cmd_autograde(course: Course, week: str, students: list[str] | None, jobs: int, student_timeout: float,
                  cell_timeout: int | None, limits: Limits, output_kb: int, strict: bool) -> int:
    reports = autograde(course, week, students, jobs=jobs, student_timeout=student_timeout,
                        cell_timeout=cell_timeout, limits=limits, output_kb=output_kb)
    not_graded = [s for s, r in reports.items() if not r.graded and r.status != "missing"]
    return 1 if strict and not_graded else 0


def autograde(course: Course, week: str, students: list[str] | None = None, *, jobs: int = 1,
              student_timeout: float = DEFAULT_STUDENT_TIMEOUT, cell_timeout: int | None = None,
              limits: Limits | None = None, output_kb: int = DEFAULT_OUTPUT_LIMIT_KB,
              env_for: dict[str, dict[str, str]] | None = None) -> dict[str, StudentReport]:
    """Autograde a week (every student with a submission or in the gradebook, or ``students``),
    print and save the report, and return it. ``env_for`` adds variables to the environment
    of a student's grading process and kernel (tests use it to vary seeds)."""
    from nbgrader.api import Gradebook
    limits = limits or Limits()
    if not course.released(week):
        raise SystemExit(f"notebooks/{week} has no notebooks: run `grade.py release {week}` first")
    t0 = time.monotonic()
    submitted = sorted(p.parent.name for p in (course.root / "submitted").glob(f"*/{week}") if p.is_dir())
    from nbgrader.api import MissingEntry
    with Gradebook(course.gradebook_url()) as gb:
        roster = sorted(s.id for s in gb.students)
        try:
            gb.find_assignment(week)
        except MissingEntry:
            raise SystemExit(f"{week} is not in the gradebook {course.gradebook_url()}: "
                             f"run `grade.py release {week}` first") from None
    everyone = students or sorted(set(submitted) | set(roster))
    reports = {s: StudentReport(s) for s in everyone}
    calls = []
    config = autograde_config(output_kb)
    staging = course.work / "staging"
    for s in everyone:
        staged = stage_submission(course, week, s, reports[s])
        if staged is None:
            continue
        argv = ["autograde", week, f"--student={s}", "--force",
                f"--CourseDirectory.submitted_directory={staging}"]
        if cell_timeout:
            argv.append(f"--Execute.timeout={cell_timeout}")
        env = course.env()
        env.update((env_for or {}).get(s, {}))
        calls.append(Call(argv=argv, cwd=course.root, env=env, key=s, timeout=student_timeout,
                          limits=limits, config=config, log=course.work / "logs" / week / f"{s}.log"))
    print(f"autograding {week}: {len(calls)} submissions, {jobs} at a time "
          f"(limits: {student_timeout:.0f} s per student, "
          f"{'cell limit ' + str(cell_timeout) + ' s' if cell_timeout else 'cell limit from nbgrader_config'}, "
          f"{limits.mem_gb:g} GB memory, {output_kb} kB output per cell)")

    def done(call: Call) -> None:
        rep = reports[call.key]
        _analyse_graded(course, week, call.key, call, rep)
        if rep.status == "error" and "database is locked" in call.output():
            call.rc, call.timed_out = None, False  # another grader held the gradebook: once more
            run_calls([call])
            rep2 = StudentReport(call.key, notes=[n for n in rep.notes if not n.startswith("nbgrader failed")])
            _analyse_graded(course, week, call.key, call, rep2)
            reports[call.key] = rep = rep2
        print(f"  {call.key}: {_status_line(rep)}", flush=True)

    run_calls(calls, jobs=jobs, on_done=done)
    for s, rep in reports.items():
        if rep.status in ("missing", "invalid"):
            _scores_from_gradebook(course, week, s, rep)
    elapsed = time.monotonic() - t0
    text = render_report(week, reports, elapsed)
    out = course.work / "reports"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{week}.txt").write_text(text)
    (out / f"{week}.json").write_text(json.dumps(
        {"week": week, "seconds": round(elapsed, 1), "students": {s: asdict(r) for s, r in reports.items()}},
        indent=1))
    print(text)
    print(f"report: {out / (week + '.txt')} (and .json); logs: {course.work / 'logs' / week}")
    return reports


def _status_line(rep: StudentReport) -> str:
    score = "-" if rep.score is None else f"{rep.score:g}"
    return f"{rep.status:<11} {score}/{rep.max_score:g}  ({rep.seconds:.0f} s)"


def render_report(week: str, reports: dict[str, StudentReport], elapsed: float) -> str:
    lines = [f"Autograding report for {week} ({len(reports)} students, {elapsed:.0f} s)", ""]
    for s, r in sorted(reports.items()):
        lines.append(f"{s:<20} {_status_line(r)}")
        if r.failed_tests:
            lines.append(f"    lost points: {', '.join(r.failed_tests)}")
        for n in r.notes:
            lines.append(f"    {n}")
        if r.needs_manual:
            lines.append(f"    to grade by hand in formgrader: {', '.join(r.needs_manual)}")
    attention = sorted(s for s, r in reports.items() if not r.graded and r.status != "missing")
    absent = sorted(s for s, r in reports.items() if r.status == "missing")
    lines.append("")
    counts = {}
    for r in reports.values():
        counts[r.status] = counts.get(r.status, 0) + 1
    lines.append("summary: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    if absent:
        lines.append("NO SUBMISSION (score 0): " + ", ".join(absent))
    if attention:
        lines.append("NOT GRADED (score 0 until fixed; see the notes above and the logs): " + ", ".join(attention))
    return "\n".join(lines) + "\n"


def hidden_test_lines(course: Course, week: str) -> list[str]:
    """The distinctive lines of every hidden-test region of a week: long enough, not comments, and
    found nowhere else in the source notebooks (a hidden test may rebuild the reference solution,
    whose lines a learner's own code legitimately shows)."""
    hidden, elsewhere = [], set()
    for nb in course.source_notebooks(week).values():
        for c in nb.cells:
            inside = False
            for l in c.source.splitlines():
                s = l.strip()
                if s == HIDDEN_BEGIN:
                    inside = True
                elif s == HIDDEN_END:
                    inside = False
                elif inside:
                    if len(s) >= 12 and not s.startswith("#"):
                        hidden.append(s)
                else:
                    elsewhere.add(s)
    return [h for h in dict.fromkeys(hidden) if h not in elsewhere]


def html_text(page: str) -> str:
    """The text of an HTML page as a reader sees it (tags of syntax highlighting removed)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def leaked_hidden_tests(course: Course, week: str) -> dict[str, list[str]]:
    """{feedback file: hidden-test lines found in it}."""
    hidden = hidden_test_lines(course, week)
    leaks = {}
    for p in sorted((course.root / "feedback").glob(f"*/{week}/*.html")):
        shown = {l.strip() for l in html_text(p.read_text(errors="replace")).splitlines()}
        found = [h for h in hidden if h in shown]
        if found:
            leaks[str(p.relative_to(course.root))] = found
    return leaks


def cmd_feedback(course: Course, week: str) -> int:
    nbgrader(course, ["generate_feedback", week, "--force"])
    files = sorted((course.root / "feedback").glob(f"*/{week}/*.html"))
    leaks = leaked_hidden_tests(course, week)
    if leaks:
        for f, found in leaks.items():
            print(f"HIDDEN TESTS LEAK into {f}: {found[:3]}")
        raise SystemExit("feedback shows hidden tests: do not return it (check GenerateFeedback.preprocessors "
                         "and Execute.extra_arguments in nbgrader_config.py)")
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
        calls = [Call(argv=["release_feedback", week, f"--student={s}"], cwd=course.root, env=course.env(),
                      key=s, log=course.work / "logs" / "release_feedback" / f"{s}.log") for s in exchange]
        run_calls(calls)
        failed = [c.key for c in calls if c.rc != 0]
        for c in calls:
            if c.rc != 0:
                sys.stdout.write(_trim_log(c.output())[-2000:])
        if failed:
            raise SystemExit(f"release_feedback failed for {', '.join(failed)} (logs: {course.work / 'logs'})")
        print(f"feedback of {week} released to the exchange for {len(exchange)} students: {', '.join(exchange)}")
    if lms:
        print(f"not submitted through the exchange (e.g. LMS zip): {', '.join(lms)}; give them "
              f"feedback/<student>/{week}/*.html through the LMS")
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
    p.add_argument("--owner-check", dest="owner_check", action="store_true", default=None,
                   help="keep nbgrader's owner check (default: on, except when running as root)")
    p.add_argument("--no-owner-check", dest="owner_check", action="store_false")
    p = sub.add_parser("zip-collect", help="collect submissions from an LMS zip of notebooks")
    p.add_argument("week")
    p.add_argument("archive", type=Path)
    p.add_argument("--regex", default=DEFAULT_ZIP_REGEX,
                   help="regular expression for a file name, with (?P<student_id>...) and (?P<file_id>...) "
                        f"(default: {DEFAULT_ZIP_REGEX})")
    p.add_argument("--force", action="store_true", help="replace existing submissions of these students")
    p = sub.add_parser("autograde", help="autograde every submission of a week, one student at a time")
    p.add_argument("week")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument("--jobs", type=int, default=1, help="students graded side by side (default 1)")
    p.add_argument("--student-timeout", type=float, default=DEFAULT_STUDENT_TIMEOUT,
                   help=f"seconds for one student's notebooks (default {DEFAULT_STUDENT_TIMEOUT})")
    p.add_argument("--cell-timeout", type=int, default=None,
                   help="seconds per cell (default: Execute.timeout of nbgrader_config.py)")
    p.add_argument("--mem-limit", type=float, default=DEFAULT_MEM_LIMIT_GB, help="GB of address space (0: none)")
    p.add_argument("--file-limit", type=int, default=DEFAULT_FILE_LIMIT_MB, help="MB per written file (0: none)")
    p.add_argument("--output-limit", type=int, default=DEFAULT_OUTPUT_LIMIT_KB, help="kB of text output kept per cell")
    p.add_argument("--strict", action="store_true", help="exit 1 if a submission could not be graded")
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
        return cmd_autograde(course, a.week, a.student, a.jobs, a.student_timeout, a.cell_timeout,
                             Limits(mem_gb=a.mem_limit, file_mb=a.file_limit), a.output_limit, a.strict)
    if a.cmd == "feedback":
        return cmd_feedback(course, a.week)
    if a.cmd == "return-feedback":
        return cmd_return_feedback(course, a.week)
    if a.cmd == "export":
        return cmd_export(course, a.dest)
    return 2


if __name__ == "__main__":
    sys.exit(main())
