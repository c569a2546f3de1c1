"""Catalogues of wrong answers and honest alternatives, one module per week (``weekNN.py``).

A week of several notebooks may split its catalogue into ``weekNN_<name>.py`` modules; they are
read together. Each module defines

- ``MUTANTS``: a list of ``Mutant``. A mutant is the reference solution cell of one exercise
  (``exercise`` is its grade_id) with a mistake in it, written as an ``edit`` of the lines it
  changes (or, rarely, as a whole replacement cell). ``tests/notebooks/test_solutions.py``
  checks that it loses the points of ``test_<exercise>`` (or ``test``) and of no other test cell
  (except those in ``also_fails``, each with a reason), and that the visible checks catch it
  exactly when ``visible`` says so; ``names_it`` are words the visible message must contain when
  it catches it (a *named* mistake).
  ``learner=True`` marks a mistake a beginner plausibly makes after reading the exercise text (a
  conceptual slip: wrong axis, off-by-one slice, forgot to reset/detach/restore, unbiased
  variance, mean of means, ignored argument, unstated tie-break), not an operator flip. Every
  graded exercise has at least three of them, all caught by the visible checks, at least two
  named; and at least one mutant (of any kind) that only the hidden tests catch.
- ``HONEST``: {exercise: ``edit(...)`` or a whole cell}: a correct answer written the way a
  learner would write it, differently from the reference (other names, a loop where the
  reference vectorises, another library call). The nbgrader round trip grades a notebook made of
  these through ``make autograde``: every one must get every point, with no flag.

An edit names whole lines of the reference solution region and what replaces them::

    Mutant("layer_norm", "unbiased variance", edit(
        "var = x.var(-1, keepdim=True, unbiased=False)",
        "var = x.var(-1, keepdim=True)",
    ), visible=True, learner=True, names_it="unbiased")

``edit(old, new, old2, new2, ...)``: each ``old`` is one or more consecutive lines of the
solution region (compared without indentation or trailing comments) found exactly once there; ``new``
replaces them, indented like the first line of ``old`` (``new`` may span several lines, written
with their own relative indentation; ``""`` deletes the lines).
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import textwrap
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

SOL_BEGIN, SOL_END = "### BEGIN SOLUTION", "### END SOLUTION"
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Edit:
    """Replacements of whole lines of a solution region: ((old, new), ...)."""

    changes: tuple[tuple[str, str], ...]

    def apply(self, cell: str, where: str = "") -> str:
        lines = cell.splitlines()
        for old, new in self.changes:
            lines = _replace(lines, old, new, where)
        return "\n".join(lines)


def edit(*pairs: str) -> Edit:
    """``edit(old, new[, old2, new2, ...])``: see the module docstring."""
    if not pairs or len(pairs) % 2:
        raise ValueError("edit() takes pairs: edit(old_lines, new_lines, ...)")
    return Edit(tuple((pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)))


def _norm(line: str) -> str:
    """A line as an edit matches it: indentation and a trailing comment do not count."""
    return re.sub(r"\s+#\s.*$", "", line).strip()


def _region(lines: list[str]) -> range:
    """Indices of the lines between the solution markers (the whole cell if it has none)."""
    begin = [i for i, l in enumerate(lines) if l.strip() == SOL_BEGIN]
    end = [i for i, l in enumerate(lines) if l.strip() == SOL_END]
    if begin and end:
        return range(begin[0] + 1, end[-1])
    return range(len(lines))


def _replace(lines: list[str], old: str, new: str, where: str) -> list[str]:
    want = [_norm(l) for l in textwrap.dedent(old).strip("\n").splitlines()]
    if not want or not any(want):
        raise ValueError(f"{where}: an edit needs the lines it replaces")
    region = _region(lines)
    hits = [i for i in region if i + len(want) <= region.stop and [_norm(l) for l in lines[i : i + len(want)]] == want]
    if len(hits) != 1:
        found = "not found" if not hits else f"found {len(hits)} times"
        raise ValueError(f"{where}: the lines to edit are {found} in the solution region: {old.strip()!r:.200}")
    i = hits[0]
    indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    body = textwrap.dedent(new).strip("\n")
    repl = [(indent + l) if l.strip() else "" for l in body.splitlines()] if body.strip() else []
    return lines[:i] + repl + lines[i + len(want) :]


@dataclass(frozen=True)
class Mutant:
    exercise: str  # grade_id of the solution cell it changes
    name: str  # the mistake, in a few words
    source: str | Edit  # an edit of the reference cell, or the whole replacement cell
    visible: bool  # do the visible checks catch it?
    test: str = ""  # grade_id of the test cell that must fail (default: test_<exercise>)
    also_fails: tuple[str, ...] = field(default_factory=tuple)  # other test cells that depend on it
    # a "named mistake": words the visible checks' message must contain when they catch it
    names_it: str = ""
    learner: bool = False  # a beginner's conceptual slip (see the module docstring)

    @property
    def test_id(self) -> str:
        return self.test or f"test_{self.exercise}"


@cache
def solution_cells(week: str) -> dict[str, str]:
    """grade_id -> source of every solution cell of the week's solution notebooks."""
    import nbformat

    out: dict[str, str] = {}
    for p in sorted((ROOT / "solutions" / week).glob("*.ipynb")):
        nb = nbformat.read(str(p), as_version=4)
        for c in nb.cells:
            m = (c.get("metadata", {}) or {}).get("nbgrader", {}) or {}
            if m.get("solution") and c.cell_type == "code" and m.get("grade_id"):
                out[m["grade_id"]] = c.source
    return out


def resolve(week: str, exercise: str, source: str | Edit, what: str = "") -> str:
    """The whole cell a mutant or an honest alternative stands for."""
    if isinstance(source, str):
        return source
    cells = solution_cells(week)
    if exercise not in cells:
        raise KeyError(f"{week}: {what or 'an edit'} names exercise {exercise!r}, which no solution cell has")
    return source.apply(cells[exercise], f"{week}/{exercise} ({what})" if what else f"{week}/{exercise}")


def _modules(week: str) -> list:
    """``weekNN.py`` and, for a week of several notebooks, ``weekNN_<notebook>.py`` modules."""
    names = sorted(
        p.stem for p in Path(__file__).parent.glob(f"{week}*.py") if p.stem == week or p.stem.startswith(week + "_")
    )
    return [importlib.import_module(f"tests.mutants.{n}") for n in names]


def catalogue(week: str) -> list[Mutant]:
    """The week's mutants, each with ``source`` the whole cell it stands for."""
    return [
        dataclasses.replace(m, source=resolve(week, m.exercise, m.source, m.name))
        for mod in _modules(week)
        for m in mod.MUTANTS
    ]


def honest(week: str) -> dict[str, str]:
    """The week's honest alternative answers: {exercise: whole cell}."""
    out = {}
    for mod in _modules(week):
        for ex, src in getattr(mod, "HONEST", {}).items():
            out[ex] = resolve(week, ex, src, "honest alternative")
    return out
