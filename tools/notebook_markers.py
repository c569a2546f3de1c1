"""The one parser of nbgrader's notebook conventions: solution and hidden-test regions, and the
``nbgrader`` cell metadata (grade id, points, kind of cell).

    ### BEGIN SOLUTION / ### END SOLUTION          replaced by a stub in the learner notebook
    ### BEGIN HIDDEN TESTS / ### END HIDDEN TESTS  removed from the learner notebook, put back to grade

A marker is a line whose stripped text is exactly the marker (as nbgrader reads it).
"""

from __future__ import annotations

SOL_BEGIN, SOL_END = "### BEGIN SOLUTION", "### END SOLUTION"
HID_BEGIN, HID_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SOLUTION = (SOL_BEGIN, SOL_END)
HIDDEN = (HID_BEGIN, HID_END)


def source_of(cell_or_src) -> str:
    """A cell's source as one string (a cell, a dict, a list of lines or a string)."""
    src = cell_or_src.get("source", "") if hasattr(cell_or_src, "get") else cell_or_src
    return "".join(src) if isinstance(src, list) else str(src)


# ----------------------------------------------------------------------------- metadata


def nbmeta(cell) -> dict:
    """The cell's ``nbgrader`` metadata ({} when it has none)."""
    return (cell.get("metadata", {}) or {}).get("nbgrader", {}) or {}


def grade_id(cell) -> str | None:
    return nbmeta(cell).get("grade_id")


def points(cell) -> float:
    return float(nbmeta(cell).get("points", 0) or 0)


def is_locked(cell) -> bool:
    return bool(nbmeta(cell).get("locked"))


def is_test_cell(cell) -> bool:
    """An autograded test cell: graded code, not a solution."""
    m = nbmeta(cell)
    return bool(m.get("grade")) and not m.get("solution") and cell.get("cell_type") == "code"


def is_solution_cell(cell) -> bool:
    """A code cell the learner writes (``solution: true``)."""
    m = nbmeta(cell)
    return bool(m.get("solution")) and cell.get("cell_type") == "code"


def is_manual_answer(cell) -> bool:
    """A manually graded written answer (graded and a solution)."""
    m = nbmeta(cell)
    return bool(m.get("grade")) and bool(m.get("solution"))


def graded_test_cells(nb) -> dict[str, float]:
    """grade_id -> points of every autograded test cell."""
    return {nbmeta(c)["grade_id"]: float(nbmeta(c)["points"]) for c in nb.cells if is_test_cell(c)}


# ----------------------------------------------------------------------------- regions


def count_markers(src, begin: str, end: str) -> tuple[int, int]:
    """How many lines are exactly ``begin`` and ``end``."""
    lines = [ln.strip() for ln in source_of(src).splitlines()]
    return lines.count(begin), lines.count(end)


def region_lines(src, begin: str, end: str, *, keep_blank: bool = False, strip: bool = True) -> list[str]:
    """The lines between ``begin`` and ``end`` markers (markers excluded)."""
    inside, out = False, []
    for line in source_of(src).splitlines():
        s = line.strip()
        if s == begin:
            inside = True
        elif s == end:
            inside = False
        elif inside and (s or keep_blank):
            out.append(s if strip else line)
    return out


def split_regions(src, begin: str, end: str) -> tuple[list[str], list[str]]:
    """(lines inside the regions, lines outside them), stripped and without blank lines or markers."""
    inside, outside, state = [], [], False
    for line in source_of(src).splitlines():
        s = line.strip()
        if s == begin:
            state = True
        elif s == end:
            state = False
        elif s:
            (inside if state else outside).append(s)
    return inside, outside


def remove_region(src, begin: str, end: str) -> str:
    """``src`` without the regions between ``begin`` and ``end`` (markers included)."""
    out, skipping = [], False
    for line in source_of(src).splitlines():
        s = line.strip()
        if s == begin:
            skipping = True
            continue
        if s == end:
            skipping = False
            continue
        if not skipping:
            out.append(line)
    return "\n".join(out)


def visible_part(test_src) -> str:
    """A test cell as the learner sees it (hidden tests removed)."""
    return remove_region(test_src, HID_BEGIN, HID_END)


def answer_part(solution_src) -> str:
    """A solution cell as a learner who got it right would write it (markers dropped)."""
    return "\n".join(l for l in source_of(solution_src).splitlines() if l.strip() not in (SOL_BEGIN, SOL_END))


def public_part(src) -> str:
    """What a learner sees of any cell: solution and hidden-test regions removed."""
    return remove_region(remove_region(src, SOL_BEGIN, SOL_END), HID_BEGIN, HID_END)
