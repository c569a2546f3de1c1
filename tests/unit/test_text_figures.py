"""Numbers in the notebooks' prose agree with the full-mode record (tools/text_figures.py).

Every measurement a solution notebook's markdown states is tied to a figure of
``benchmarks/results.json`` and agrees with it; every other number is a constant of the text;
the header's run time comes from the record. ``make bench`` changing a figure makes this fail
until the text agrees."""

from __future__ import annotations

import nbformat
import pytest

from tests.nbharness import solution_notebooks
from tools.text_figures import Number, check_notebook, disagreement, load_results, numbers

RESULTS = load_results()


@pytest.mark.parametrize("path", solution_notebooks(), ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_prose_numbers_agree_with_the_record(path):
    problems = check_notebook(path, RESULTS)
    assert not problems, f"{path.parent.name}/{path.name}:\n" + "\n".join(problems)


def _nb(markdown: str, code: str = "lr = 3e-4\nsteps = 5000\nsplit = 0.9"):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(markdown), nbformat.v4.new_code_cell(code)])


def test_the_parser_ties_exempts_and_flags():
    nb = _nb(
        "## 3. Training\n"
        "We train for 5000 steps with `lr=3e-4` on the first 90% of the text ($\\sqrt{2} \\approx 1.41$).\n"
        "Week 8 reaches 1.563<!-- fig: week08.val_loss --> nats/char in 370 s<!-- fig: seconds -->, "
        "a budget of 8 minutes<!-- const -->; GPT-2 (2019) did more. The loss fell to 2.1 here."
    )
    found = numbers(nb)
    assert [(n.text, n.kind, n.figure) for n in found] == [
        ("1.563", "fig", "week08.val_loss"),
        ("370", "fig", "seconds"),
        ("8", "const", ""),
        ("2.1", "", ""),
    ]
    assert found[1].unit == "s" and found[2].unit == "minutes"


def test_times_always_need_a_marker():
    found = numbers(_nb("It takes 5000 s.", code="x = 5000"))
    assert [(n.text, n.kind) for n in found] == [("5000", "")]


def test_agreement_uses_the_written_precision_and_units():
    results = {
        "notebooks": {
            "solutions/w/a.ipynb": {
                "seconds": 370.0,
                "figures": {"w.loss": 1.56297, "w.acc": 0.972222, "w.table": {"lora": {"all": 0.817}}},
            }
        }
    }

    def n(text, unit, fig):
        from tools.text_figures import _parse_number

        value, half = _parse_number(text)
        return Number(0, text, value, half, unit, "fig", fig)

    nbk = "solutions/w/a.ipynb"
    assert disagreement(n("1.563", "", "w.loss"), results, nbk) == ""
    assert (
        "1.56297" in disagreement(n("1.56", "", "w.loss"), results, nbk)
        or disagreement(n("1.56", "", "w.loss"), results, nbk) == ""
    )
    assert disagreement(n("1.57", "", "w.loss"), results, nbk) != ""
    assert disagreement(n("97.2", "%", "w.acc"), results, nbk) == ""
    assert disagreement(n("97.5", "%", "w.acc"), results, nbk) != ""
    assert disagreement(n("82", "%", "w.table[lora][all]"), results, nbk) == ""
    assert disagreement(n("6", "minutes", "seconds"), results, nbk) == ""  # 6.2 min, within 20%
    assert disagreement(n("8", "minutes", "seconds"), results, nbk) != ""
    assert "not in the record" in disagreement(n("1", "", "w.nothing"), results, nbk)
