"""Reading what grading produced: nbgrader's log, the graded notebooks' cells, the gradebook,
and the feedback (which must not show hidden tests)."""

from __future__ import annotations

import html
import re
import shutil

import nbformat

from tools.grading.coursedir import Course
from tools.grading.report import StudentReport
from tools.grading.supervisor import Call, trim_log
from tools.grading.tamper import INTEGRITY_ERROR, REVIEW_NOTE
from tools.notebook_markers import HID_BEGIN, HID_END, grade_id, split_regions


def analyse_graded(course: Course, week: str, student: str, call: Call, rep: StudentReport) -> None:
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
        rep.notes.append(
            "a cell ran past the per-cell time limit and did not stop when interrupted "
            "(the code ignores interrupts); not graded"
        )
    elif "DeadKernelError" in out or "Kernel died" in out or "kernel died" in out.lower():
        rep.status = "kernel-died"
        rep.notes.append(
            "the kernel died while running the notebook (os._exit, a crash or the memory limit); not graded"
        )
    elif "SANDBOX FAILED" in out:
        rep.status = "error"
        rep.notes.append(
            "the sandbox could not be set up: " + next((l for l in out.splitlines() if "SANDBOX FAILED" in l), "")[:300]
        )
    elif call.rc != 0 or not graded:
        rep.status = "error"
        last = [l for l in trim_log(out).splitlines() if "ERROR" in l or "Error" in l][-3:]
        rep.notes.append(f"nbgrader failed (exit {call.rc}): " + (" | ".join(last) or "see the log"))
    reviews: list[tuple[str, str, str]] = []  # (notebook, grade id, what the note says)
    for p in graded:
        nb = nbformat.read(str(p), as_version=4)
        # the guard names a cell by its execution count (In[N]): say which cell of the notebook that is
        by_count = {
            c.get("execution_count"): f"cell {i}{' (' + grade_id(c) + ')' if grade_id(c) else ''}"
            for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and c.get("execution_count")
        }

        def cells_named(text: str, by_count=by_count) -> str:
            return re.sub(r"In\[(\d+)\]", lambda m: by_count.get(int(m.group(1)), m.group(0)), text)

        for i, c in enumerate(nb.cells):
            if c.cell_type != "code":
                continue
            gid = grade_id(c)
            where = f"{p.name}: cell {i}{' (' + gid + ')' if gid else ''}"
            outs = c.get("outputs", [])
            enames = {o.ename for o in outs if o.output_type == "error"}
            if enames & {"CellTimeoutError", "KeyboardInterrupt"}:
                rep.notes.append(f"{where} stopped by the per-cell time limit")
            if "MemoryError" in enames:
                rep.notes.append(
                    f"{where} ran out of memory (MemoryError; limit {call.limits.mem_gb:g} GB)"
                    if call.limits and call.limits.mem_gb
                    else f"{where} ran out of memory (MemoryError)"
                )
            if any(
                o.output_type == "stream" and "characters of output truncated by the grader" in o.text for o in outs
            ):
                rep.notes.append(f"{where}: output truncated")
            for o in outs:
                if o.output_type == "error" and INTEGRITY_ERROR in (o.get("evalue") or ""):
                    said = cells_named(o.evalue.split(INTEGRITY_ERROR, 1)[1].strip())
                    rep.flags.append(f"{where}: test scored 0: {said[:700]}")
                text = o.get("text", "") if o.output_type == "stream" else ""
                if REVIEW_NOTE in text:
                    note = text.split(REVIEW_NOTE, 1)[1].strip().split("\n", 1)[0]
                    reviews.append((p.stem, gid or "", f"{where}: {note}"))
    scores_from_gradebook(course, week, student, rep)
    if reviews and rep.status == "graded":
        from nbgrader.api import Gradebook

        with Gradebook(course.gradebook_url()) as gb:
            for nb_name, gid, note in reviews:
                try:
                    g = gb.find_grade(gid, nb_name, week, student)
                    scored = f"the test's own result stands: {g.score:g}/{g.max_score:g}"
                except Exception:  # noqa: BLE001
                    scored = "the test's own result stands"
                rep.reviews.append(f"{note} ({scored})")


def scores_from_gradebook(course: Course, week: str, student: str, rep: StudentReport) -> None:
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
            rep.notes.append(
                f"an earlier grade ({float(sub.score):g}) of this student is still in the gradebook "
                "and counts in the export"
            )
        for nb in sub.notebooks:
            for g in nb.grades:
                if g.needs_manual_grade and rep.status == "graded":
                    rep.needs_manual.append(f"{nb.name}/{g.name}")
                if (
                    rep.status == "graded"
                    and g.cell_type == "code"
                    and g.auto_score is not None
                    and g.max_score
                    and g.auto_score < g.max_score
                ):
                    rep.failed_tests.append(f"{g.name} ({g.auto_score:g}/{g.max_score:g})")


def hidden_test_lines(course: Course, week: str) -> list[str]:
    """The distinctive lines of every hidden-test region of a week: long enough, not comments, and
    found nowhere else in the source notebooks (a hidden test may rebuild the reference solution,
    whose lines a learner's own code legitimately shows)."""
    hidden, elsewhere = [], set()
    for nb in course.source_notebooks(week).values():
        for c in nb.cells:
            inside, outside = split_regions(c.source, HID_BEGIN, HID_END)
            hidden += [s for s in inside if len(s) >= 12 and not s.startswith("#")]
            elsewhere.update(outside)
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
