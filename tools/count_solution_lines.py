"""How much code the learner writes: non-blank, non-comment lines inside the solution regions
of each week's code cells (markdown answers are not counted).

    python tools/count_solution_lines.py            # every week, and the total
    python tools/count_solution_lines.py week08     # only these
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def solution_lines(source: str) -> int:
    n, inside = 0, False
    for line in source.splitlines():
        s = line.strip()
        if s == BEGIN:
            inside = True
        elif s == END:
            inside = False
        elif inside and s and not s.startswith("#"):
            n += 1
    return n


def count_week(week: str, root: Path = ROOT) -> int:
    total = 0
    for path in sorted((root / "solutions" / week).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        total += sum(solution_lines(c.source) for c in nb.cells if c.cell_type == "code")
    return total


def main(argv: list[str]) -> int:
    weeks = argv or sorted(p.name for p in (ROOT / "solutions").glob("week*"))
    counts = {w: count_week(w) for w in weeks}
    for w, n in counts.items():
        print(f"{w}  {n:4d}")
    print(f"total   {sum(counts.values()):4d}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
