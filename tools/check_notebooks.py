"""Check the nbgrader metadata of the solution notebooks before a release.

Reports: cells with missing or duplicate grade ids, test cells without points, solution cells
without ### BEGIN/END SOLUTION markers, unbalanced hidden-test markers, markers in cells that
nbgrader would not process, and notebooks whose setup cell or header is missing.

    python tools/check_notebooks.py [solutions/week01/perceptron.ipynb ...]

Exits 1 and prints one line per problem when anything is wrong.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.course import setup_cell_source, week_of_path  # noqa: E402
from tools.notebook_markers import HIDDEN, SOLUTION, count_markers, nbmeta  # noqa: E402


def check_notebook(path: Path) -> list[str]:
    problems: list[str] = []
    nb = nbformat.read(str(path), as_version=4)
    seen: dict[str, int] = {}
    n_tests = n_manual = 0
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    if not code_cells or code_cells[0].source != setup_cell_source(week_of_path(path)):
        problems.append("the first code cell is not the course setup cell (run `python tools/release.py --sync-setup`)")
    if (
        not nb.cells
        or "learning objectives" not in nb.cells[0].source.lower()
        or "time" not in nb.cells[0].source.lower()
    ):
        problems.append("the first cell should state the learning objectives and the expected time")
    for i, cell in enumerate(nb.cells):
        where = f"cell {i} ({cell.cell_type})"
        meta = nbmeta(cell)
        src = cell.source
        sol = count_markers(src, *SOLUTION)
        hid = count_markers(src, *HIDDEN)
        if not meta:
            if any(sol) or any(hid):
                problems.append(
                    f"{where}: has solution/hidden-test markers but no nbgrader metadata, "
                    "so they would be released as they are"
                )
            continue
        gid = meta.get("grade_id")
        if not gid:
            problems.append(f"{where}: nbgrader cell without a grade_id")
        elif gid in seen:
            problems.append(f"{where}: grade_id {gid!r} already used by cell {seen[gid]}")
        else:
            seen[gid] = i
        is_grade, is_solution = meta.get("grade", False), meta.get("solution", False)
        if is_grade and not meta.get("points"):
            problems.append(f"{where} {gid!r}: graded cell without points")
        if is_solution and sol[0] != sol[1]:
            problems.append(f"{where} {gid!r}: unbalanced ### BEGIN/END SOLUTION markers")
        if is_solution and cell.cell_type == "code" and sol[0] == 0:
            problems.append(
                f"{where} {gid!r}: solution cell without ### BEGIN SOLUTION / ### END SOLUTION "
                "(the whole cell would be replaced by a stub)"
            )
        if is_solution and cell.cell_type == "markdown" and sol[0] == 0:
            problems.append(f"{where} {gid!r}: written answer without a model answer between solution markers")
        if hid[0] != hid[1]:
            problems.append(f"{where} {gid!r}: unbalanced ### BEGIN/END HIDDEN TESTS markers")
        if is_grade and not is_solution:
            n_tests += 1
            if cell.cell_type == "code" and hid[0] == 0:
                problems.append(f"{where} {gid!r}: test cell without hidden tests")
            if not meta.get("locked"):
                problems.append(f"{where} {gid!r}: test cell is not locked")
        if is_grade and is_solution:
            n_manual += 1
        if not is_solution and sol[0]:
            problems.append(f"{where} {gid!r}: solution markers in a cell that is not a solution cell")
    if n_tests == 0:
        problems.append("no autograded test cells")
    if n_manual == 0:
        problems.append("no manually graded written answer")
    return [f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {p}" for p in problems]


def solution_notebooks() -> list[Path]:
    return sorted((ROOT / "solutions").glob("week*/*.ipynb"))


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or solution_notebooks()
    problems = [p for path in paths for p in check_notebook(path)]
    for p in problems:
        print(p)
    if not problems:
        print(f"{len(paths)} notebook(s): nbgrader metadata OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
