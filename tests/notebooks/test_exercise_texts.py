"""Exercise texts state the contract, not the code (docs/AUTHORING.md, "Exercise texts").

For every graded exercise, the text a learner sees before writing it — the markdown cells since
the previous code cell, with the collapsed ``<details>`` hints left out, and the exercise cell's
signature and docstring — quotes no line of its solution region. A line counts whitespace-
insensitively, and so does what it computes: the expression after ``return`` or after the ``=``
of an assignment. Only pieces of 12 or more characters count (``else:`` or ``n = len(x)`` give
nothing away)."""

from __future__ import annotations

import re

import nbformat
import pytest

from tests.nbharness import solution_notebooks
from tools.notebook_markers import SOL_BEGIN, SOL_END, grade_id, is_solution_cell, is_test_cell, region_lines

MIN_CHARS = 12


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def solution_pieces(src: str) -> set[str]:
    """What of a solution region a text could quote: each line, and what it returns or assigns."""
    pieces = set()
    for line in region_lines(src, SOL_BEGIN, SOL_END):
        if line.startswith("#"):
            continue
        line = line.split("  #", 1)[0].strip()
        cands = [line]
        m = re.match(r"(?:return|yield)\s+(.*)", line) or re.match(
            r"[\w\s.,\[\]*]+?(?<![=!<>+\-*/%&|^:])=(?!=)\s*(.*)", line
        )
        # what a statement computes counts when it computes something (not a bare name)
        if m and not re.fullmatch(r"[\w.]+", m.group(1).strip()):
            cands.append(m.group(1))
        pieces.update(_squash(c) for c in cands if len(_squash(c)) >= MIN_CHARS)
    return pieces


def visible_text(cells, index: int) -> str:
    """The exercise's text: the markdown since the previous code cell (hints left out) and the
    exercise cell outside its solution region."""
    parts = []
    i = index - 1
    while i >= 0 and cells[i].cell_type == "markdown":
        parts.append(re.sub(r"<details>.*?</details>", " ", cells[i].source, flags=re.S | re.I))
        i -= 1
    outside, inside = [], False
    for line in cells[index].source.splitlines():
        if line.strip() == SOL_BEGIN:
            inside = True
        elif line.strip() == SOL_END:
            inside = False
        elif not inside:
            outside.append(line)
    parts.append("\n".join(outside))
    return "\n".join(parts)


def quoted_lines(nb) -> dict[str, list[str]]:
    """{exercise: the solution pieces its visible text quotes}."""
    cells = nb.cells
    tests = {grade_id(c) for c in cells if is_test_cell(c)}
    found = {}
    for i, c in enumerate(cells):
        gid = grade_id(c)
        if not (is_solution_cell(c) and f"test_{gid}" in tests):
            continue
        text = _squash(visible_text(cells, i))
        hits = sorted(p for p in solution_pieces(c.source) if p in text)
        if hits:
            found[gid] = hits
    return found


@pytest.mark.parametrize("path", solution_notebooks(), ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_exercise_text_quotes_no_solution_line(path):
    nb = nbformat.read(str(path), as_version=4)
    found = quoted_lines(nb)
    assert not found, (
        f"{path.parent.name}/{path.name}: exercise texts quote their own solution (move code-level help into "
        "<details><summary>Hint k</summary>…</details> hints that give no line of it): "
        + "; ".join(f"{ex}: {hits[:3]}" for ex, hits in found.items())
    )


def test_the_rule_sees_a_quoted_line():
    src = "def f(x):\n    ### BEGIN SOLUTION\n    y = np.memmap(path, dtype=np.uint16, mode='r')\n    return y\n    ### END SOLUTION\n"
    cells = [
        nbformat.v4.new_markdown_cell("Open it with `np.memmap(path, dtype=np.uint16, mode='r')`."),
        nbformat.v4.new_code_cell(src, metadata={"nbgrader": {"solution": True, "grade_id": "f"}}),
        nbformat.v4.new_code_cell("pass", metadata={"nbgrader": {"grade": True, "grade_id": "test_f", "points": 1}}),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    assert quoted_lines(nb) == {"f": ["np.memmap(path,dtype=np.uint16,mode='r')"]}
    cells[
        0
    ].source = "Open it read-only.\n<details><summary>Hint 1</summary>look up `np.memmap` and its `mode`</details>"
    assert quoted_lines(nb) == {}


def solutions_in_visible_tests(nb) -> dict[str, list[str]]:
    """{exercise: its solution lines (12+ characters) that a visible test cell spells out}: a test
    that rebuilds an exercise's answer in plain sight hands it to the learner."""
    from tools.notebook_markers import HID_BEGIN, HID_END, split_regions

    shown: set[str] = set()
    for c in nb.cells:
        if is_test_cell(c):
            _hidden, outside = split_regions(c.source, HID_BEGIN, HID_END)
            shown.update(_squash(line) for line in outside)
    found = {}
    for c in nb.cells:
        if not is_solution_cell(c):
            continue
        lines = {_squash(l) for l in region_lines(c.source, SOL_BEGIN, SOL_END) if not l.startswith("#")}
        lines = {l for l in lines if len(l) >= MIN_CHARS}
        hits = sorted(lines & shown)
        if hits and (len(hits) >= 3 or len(hits) * 2 >= len(lines)):
            found[grade_id(c)] = hits
    return found


@pytest.mark.parametrize("path", solution_notebooks(), ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_visible_tests_do_not_spell_out_an_answer(path):
    nb = nbformat.read(str(path), as_version=4)
    found = solutions_in_visible_tests(nb)
    assert not found, (
        f"{path.parent.name}/{path.name}: visible test cells spell out answers (compare with a torch function, "
        "a hidden-region reference or fixed numbers instead): " + "; ".join(f"{ex}: {h[:3]}" for ex, h in found.items())
    )


def test_the_rule_sees_an_answer_in_a_visible_test():
    body = [
        "w = q @ k.transpose(-2, -1) / math.sqrt(d)",
        "w = w.masked_fill(~mask, float('-inf'))",
        "w = w.softmax(-1)",
    ]
    sol = (
        "def attend(q, k, mask, d):\n    ### BEGIN SOLUTION\n"
        + "".join(f"    {b}\n" for b in body)
        + "    return w\n    ### END SOLUTION\n"
    )
    test = (
        "\n".join(body) + "\ncheck_close(attend(q, k, mask, d), w)\n### BEGIN HIDDEN TESTS\npass\n### END HIDDEN TESTS"
    )
    cells = [
        nbformat.v4.new_code_cell(sol, metadata={"nbgrader": {"solution": True, "grade_id": "attend"}}),
        nbformat.v4.new_code_cell(test, metadata={"nbgrader": {"grade": True, "grade_id": "test_attend", "points": 1}}),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    assert list(solutions_in_visible_tests(nb)) == ["attend"]
    cells[1].source = "check_close(attend(q, k, mask, d), F.scaled_dot_product_attention(q, k, v))"
    assert solutions_in_visible_tests(nb) == {}
