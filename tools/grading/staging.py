"""Staging: a submission is copied (never changed in place), repaired where it can be, and every
difference from the released notebook is noted for the report."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from pathlib import Path

import nbformat

from tools.grading.coursedir import Course
from tools.grading.report import StudentReport
from tools.notebook_markers import grade_id as nbgrader_id
from tools.notebook_markers import nbmeta, source_of


def _norm(src) -> str:
    return "\n".join(l.rstrip() for l in source_of(src).strip().splitlines())


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


def stage_submission(
    course: Course, week: str, student: str, rep: StudentReport, staged: dict | None = None
) -> Path | None:
    """Copy a student's submission into the staging area, fixing what can be fixed and noting
    everything. Returns the staged folder, or None when nothing can be graded. ``staged``, if
    given, receives {notebook name: staged notebook}."""
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
        stamp = dt.datetime.fromtimestamp(
            max((p.stat().st_mtime for p in src.iterdir()), default=time.time()), tz=dt.timezone.utc
        )
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
        compare_with_release(nb, released[name], name, rep)
        nbformat.write(nb, str(dst / name))
    if staged is not None:
        staged.update(notebooks)
    if not notebooks:
        rep.status = "invalid"
        return None
    return dst


def compare_with_release(nb, rel, name: str, rep: StudentReport) -> None:
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
        rmeta, smeta = nbmeta(r), nbmeta(c)
        if rmeta.get("locked") and (_norm(c.source) != _norm(r.source) or c.cell_type != r.cell_type):
            kind = "test cell" if rmeta.get("grade") else "locked cell"
            rep.notes.append(
                f"{name}: {kind} {gid} was edited by the learner; nbgrader restored the original"
                " (hidden tests included) before grading"
            )
        elif rmeta.get("grade") and float(smeta.get("points", rmeta.get("points", 0)) or 0) != float(
            rmeta.get("points", 0)
        ):
            rep.notes.append(f"{name}: points of {gid} were changed in the metadata; nbgrader restored them")
    deleted = [g for g in rel_cells if g not in seen]
    restored = [g for g in deleted if nbmeta(rel_cells[g]).get("grade")]
    if deleted:
        rep.notes.append(
            f"{name}: cells deleted: {', '.join(deleted)}"
            + (f" (test cells put back: {', '.join(restored)})" if restored else "")
        )
    order = [g for g in rel_cells if g in seen]
    kept = [g for g in dict.fromkeys(sub_ids) if g in rel_cells]
    if kept != order:
        rep.notes.append(f"{name}: cells reordered (graded in the learner's order): {', '.join(kept)}")
