"""``autograde``: a class's worth of submissions graded in one run, each student in a process of
its own with limits, each kernel in the sandbox, every test cell behind the tamper guard."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from helpers.data import CorpusError, prepare_corpus
from tools.grading import sandbox
from tools.grading.analysis import analyse_graded, scores_from_gradebook
from tools.grading.coursedir import ROOT, Course
from tools.grading.report import StudentReport, save_report, status_line
from tools.grading.staging import stage_submission
from tools.grading.supervisor import DEFAULT_STUDENT_TIMEOUT, Call, Limits, run_calls
from tools.grading.tamper import guard_preprocessors, scan_notebook
from tools.nbgrader_env import GRADING_VARS, threads_per_kernel

DEFAULT_OUTPUT_LIMIT_KB = 200  # text output kept per cell in the graded notebook
UNSAFE_FLAG = "--unsafe-no-sandbox"


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
                        holder[key] = (
                            text[: keep // 2]
                            + f"\n... {cut} characters of output truncated by the grader ...\n"
                            + text[-keep // 2 :]
                        )
                        resources.setdefault("truncated_cells", []).append(index)
                    budget -= len(holder[key])
            return cell, resources

    return LimitOutputBytes


def grading_execute():
    """nbgrader's Execute with the grading kernel manager (nbgrader passes its own class as a
    keyword argument, which config cannot override)."""
    from nbgrader.preprocessors import Execute

    from tools.grading.kernel import GradingKernelManager

    class GradingExecute(Execute):
        def __init__(self, *args, **kwargs):
            kwargs["kernel_manager_class"] = GradingKernelManager
            super().__init__(*args, **kwargs)

    return GradingExecute


def autograde_config(output_kb: int) -> dict:
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

    guard, verify = guard_preprocessors()
    pre = [guard, grading_execute(), verify, IgnorePattern, ClearMetadataPreprocessor, LimitOutput]
    if output_kb > 0:
        pre.append(output_cap_preprocessor(output_kb * 1024))
    pre += [SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    return {
        "Autograde": {"autograde_preprocessors": pre},
        "OverwriteCells": {"add_missing_cells": True},  # a deleted test cell is put back and run
    }


def _mpl_cache() -> list[str]:
    """The grader's matplotlib font cache (copied into each sandbox: no font scan per kernel)."""
    try:
        import matplotlib
        import matplotlib.font_manager  # noqa: F401  (builds the cache if there is none)

        return [str(p) for p in Path(matplotlib.get_cachedir()).glob("fontlist-*.json")]
    except Exception:  # noqa: BLE001
        return []


def autograde(
    course: Course,
    week: str,
    students: list[str] | None = None,
    *,
    jobs: int = 1,
    student_timeout: float = DEFAULT_STUDENT_TIMEOUT,
    cell_timeout: int | None = None,
    limits: Limits | None = None,
    output_kb: int = DEFAULT_OUTPUT_LIMIT_KB,
    env_for: dict[str, dict[str, str]] | None = None,
    unsafe_no_sandbox: bool = False,
) -> dict[str, StudentReport]:
    """Autograde a week (every student with a submission or in the gradebook, or ``students``),
    print and save the report, and return it. ``env_for`` adds variables to the environment
    of a student's grading process and kernel (tests use it to vary seeds)."""
    from nbgrader.api import Gradebook, MissingEntry

    limits = limits or Limits()
    if not course.released(week):
        raise SystemExit(f"notebooks/{week} has no notebooks: run `grade.py release {week}` first")
    is_root = os.geteuid() == 0
    if unsafe_no_sandbox:
        sandbox_line = (
            f"SANDBOX: OFF ({UNSAFE_FLAG}): learners' code ran with the grader's rights and could "
            "read the solutions and the gradebook"
        )
    else:
        ok, why = sandbox.check_available()
        if not ok:
            raise SystemExit(f"autograde: cannot run learners' code in a sandbox: {why}.\n{sandbox.INSTALL_HINT}")
        sandbox_line = (
            "sandbox: bubblewrap (read-only file system, no network, course secrets hidden, "
            f"{limits.nproc} processes per kernel{', own user id per kernel' if is_root else ''})"
        )
    try:  # the notebooks read the course corpus, and a sandboxed kernel can neither download nor write it
        prepare_corpus(verbose=False)
    except CorpusError as e:
        print(f"autograde: WARNING: the course corpus is not ready, and notebooks that read it will fail: {e}")
    t0 = time.monotonic()
    submitted = sorted(p.parent.name for p in (course.root / "submitted").glob(f"*/{week}") if p.is_dir())
    with Gradebook(course.gradebook_url()) as gb:
        roster = sorted(s.id for s in gb.students)
        try:
            gb.find_assignment(week)
        except MissingEntry:
            raise SystemExit(
                f"{week} is not in the gradebook {course.gradebook_url()}: run `grade.py release {week}` first"
            ) from None
    everyone = students or sorted(set(submitted) | set(roster))
    reports = {s: StudentReport(s) for s in everyone}
    released = course.released(week)
    calls = []
    config = autograde_config(output_kb)
    staging = course.work / "staging"
    specs = course.work / "sandbox"
    specs.mkdir(parents=True, exist_ok=True)
    # the kernels' sockets live under here (<tmp>/course-grading-XXXXXXXX/s<i>/iXXXXXXXX/k-<n>), and a
    # Unix socket's path may not pass 107 bytes: a deep TMPDIR (pytest's) falls back to /tmp
    tmp = tempfile.gettempdir()
    scratch_base = Path(tempfile.mkdtemp(prefix="course-grading-", dir=tmp if len(tmp) <= 60 else "/tmp"))
    scratch_base.chmod(0o711)
    mpl = _mpl_cache()
    # kernels graded side by side share the cores; OMP_NUM_THREADS set by the caller (a test runner
    # sharing the machine, an instructor) is kept as a cap
    chosen = os.environ.get("OMP_NUM_THREADS", "").strip()
    cap = int(chosen) if chosen.isdigit() and int(chosen) > 0 else int(GRADING_VARS["OMP_NUM_THREADS"])
    threads = threads_per_kernel(jobs, cap)
    for i, s in enumerate(everyone):
        staged_nbs: dict = {}
        staged = stage_submission(course, week, s, reports[s], staged_nbs)
        if staged is None:
            continue
        for name, nb in staged_nbs.items():
            reports[s].flags += [f"{name}: {f}" for f in scan_notebook(nb, released.get(name))]
        argv = ["autograde", week, f"--student={s}", "--force", f"--CourseDirectory.submitted_directory={staging}"]
        if cell_timeout:
            argv.append(f"--Execute.timeout={cell_timeout}")
        scratch = scratch_base / f"s{i}"
        scratch.mkdir(mode=0o711)
        spec = {
            "sandbox": not unsafe_no_sandbox,
            "scratch": str(scratch),
            "student": s,
            "uid": sandbox.KERNEL_UID_BASE + i if is_root else None,
            "nproc": limits.nproc,
            "hide": [str(p) for p in course.secret_paths()] + [str(scratch_base)],
            "keep": [str(ROOT)],
            "mpl_cache": mpl,
        }
        spec_file = specs / f"{s}.json"
        spec_file.write_text(json.dumps(spec, indent=1))
        env = course.env()
        env["OMP_NUM_THREADS"] = str(threads)
        env["COURSE_SANDBOX_SPEC"] = str(spec_file)
        env.update((env_for or {}).get(s, {}))
        calls.append(
            Call(
                argv=argv,
                cwd=course.root,
                env=env,
                key=s,
                timeout=student_timeout,
                limits=limits,
                config=config,
                log=course.work / "logs" / week / f"{s}.log",
            )
        )
    print(
        f"autograding {week}: {len(calls)} submissions, {jobs} at a time "
        f"(limits: {student_timeout:.0f} s per student, "
        f"{'cell limit ' + str(cell_timeout) + ' s' if cell_timeout else 'cell limit from nbgrader_config'}, "
        f"{limits.mem_gb:g} GB memory, {output_kb} kB output per cell, {threads} torch thread(s) per kernel)\n{sandbox_line}"
    )
    staged_notes = {s: list(r.notes) for s, r in reports.items()}
    flags = {s: list(r.flags) for s, r in reports.items()}

    def done(call: Call) -> bool:
        """Analyse a finished call; True asks the scheduler to run it once more."""
        rep = reports[call.key] = StudentReport(
            call.key, notes=list(staged_notes[call.key]), flags=list(flags[call.key])
        )
        analyse_graded(course, week, call.key, call, rep)
        if rep.status == "error" and "database is locked" in call.output() and call.attempts < 2:
            return True  # another grader held the gradebook: once more
        print(f"  {call.key}: {status_line(rep)}", flush=True)
        return False

    try:
        run_calls(calls, jobs=jobs, on_done=done)
    finally:
        shutil.rmtree(scratch_base, ignore_errors=True)
    for s, rep in reports.items():
        if rep.status in ("missing", "invalid"):
            scores_from_gradebook(course, week, s, rep)
    elapsed = time.monotonic() - t0
    out = course.work / "reports"
    text = save_report(out, week, reports, elapsed, sandbox_line, sandboxed=not unsafe_no_sandbox)
    print(text)
    print(f"report: {out / (week + '.txt')} (and .json); logs: {course.work / 'logs' / week}")
    return reports
