"""The learner notebooks: exactly what `make release` produces (per week), valid nbgrader metadata
in the solutions, and nothing secret in what learners get."""

import nbformat
import pytest

from tests.nbharness import HID_BEGIN, HID_END, ROOT, SOL_BEGIN, SOL_END, _remove_region, solution_notebooks, weeks
from tools.check_notebooks import check_notebook


def test_solution_metadata_is_valid():
    problems = [p for path in solution_notebooks() for p in check_notebook(path)]
    assert not problems, "\n".join(problems)


def test_learner_folders_are_the_released_weeks():
    released = sorted(p.name for p in (ROOT / "notebooks").glob("week*") if p.is_dir())
    assert released == weeks(), "notebooks/ and solutions/ hold different weeks: run `make release` and commit"


# That the committed learner notebooks are exactly a fresh release of the solutions is checked in
# each week's nbgrader round trip (tests/grading/test_autograde.py), which generates them anyway.


def _regions(src, begin, end):
    inside, lines = False, []
    for line in src.splitlines():
        s = line.strip()
        if s == begin:
            inside = True
        elif s == end:
            inside = False
        elif inside and s:
            lines.append(s)
    return lines


@pytest.mark.parametrize("path", solution_notebooks(), ids=lambda p: p.parent.name + "/" + p.name)
def test_no_solution_or_hidden_test_line_reaches_learners(path):
    sol = nbformat.read(str(path), as_version=4)
    secret, public = set(), set()
    for cell in sol.cells:
        secret.update(_regions(cell.source, SOL_BEGIN, SOL_END) + _regions(cell.source, HID_BEGIN, HID_END))
        outside = _remove_region(_remove_region(cell.source, SOL_BEGIN, SOL_END), HID_BEGIN, HID_END)
        public.update(l.strip() for l in outside.splitlines() if l.strip())
    # lines that also stand outside any secret region (e.g. `else:`) give nothing away
    secret -= public
    learner_path = ROOT / "notebooks" / path.parent.name / path.name
    learner = nbformat.read(str(learner_path), as_version=4)
    shown = {l.strip() for c in learner.cells for l in c.source.splitlines()}
    leaked = sorted(secret & shown)
    assert not leaked, f"{learner_path.name} shows lines of solutions or hidden tests: {leaked[:5]}"
    for c in learner.cells:
        for marker in (SOL_BEGIN, HID_BEGIN, "BEGIN MARK SCHEME"):
            assert marker not in c.source
        assert not c.get("outputs"), "learner notebooks are released without outputs"
