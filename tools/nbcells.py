"""Cell constructors with the nbgrader metadata the course uses, for scaffolding notebooks in code.

Instructors usually edit ``solutions/*.ipynb`` in JupyterLab with nbgrader's "Create Assignment"
toolbar; these functions produce exactly the same metadata when a notebook is written by a
script. ``tools/check_notebooks.py`` checks the result either way.
"""

from __future__ import annotations

import re
import textwrap

import nbformat

SCHEMA = 3


def _meta(grade: bool, solution: bool, locked: bool, grade_id: str, points: float | None = None) -> dict:
    m = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA,
        "solution": solution,
        "task": False,
    }
    if grade:
        m["points"] = points
    return {"nbgrader": m}


def _src(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def _id(text: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]", "-", text)[:64]


def md(text: str, cell_id: str | None = None):
    """A plain markdown cell (explanations)."""
    c = nbformat.v4.new_markdown_cell(_src(text))
    c.id = _id(cell_id) if cell_id else ""
    return c


def code(src: str, cell_id: str | None = None):
    """A plain code cell (demonstrations, plots, the mini-project)."""
    c = nbformat.v4.new_code_cell(_src(src))
    c.id = _id(cell_id) if cell_id else ""
    return c


def readonly(src: str, grade_id: str, cell_type: str = "code"):
    """A locked cell the learner cannot edit (nbgrader restores it when grading)."""
    maker = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    c = maker(_src(src), metadata=_meta(False, False, True, grade_id))
    c.id = _id(grade_id)
    return c


def solution(src: str, grade_id: str):
    """An autograded answer cell: the solution sits between ### BEGIN/END SOLUTION markers."""
    c = nbformat.v4.new_code_cell(_src(src), metadata=_meta(False, True, False, grade_id))
    c.id = _id(grade_id)
    return c


def tests(src: str, grade_id: str, points: float):
    """A locked autograder test cell: visible checks, then ### BEGIN/END HIDDEN TESTS."""
    c = nbformat.v4.new_code_cell(_src(src), metadata=_meta(True, False, True, grade_id, points))
    c.id = _id(grade_id)
    return c


def answer(text: str, grade_id: str, points: float):
    """A manually graded written answer (markdown) with a model answer between solution markers."""
    c = nbformat.v4.new_markdown_cell(_src(text), metadata=_meta(True, True, False, grade_id, points))
    c.id = _id(grade_id)
    return c


def notebook(cells: list) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    _ensure_ids(nb)
    return nb


def _ensure_ids(nb) -> None:
    """Cells without an explicit id get a stable one from their position (readable diffs)."""
    seen: set[str] = set()
    for i, c in enumerate(nb.cells):
        cid = c.get("id") or f"c{i:03d}"
        while cid in seen:
            cid += "x"
        c.id = cid
        seen.add(cid)


def write(nb, path) -> None:
    nbformat.validate(nb)
    nbformat.write(nb, str(path))
