"""The metadata check finds each authoring mistake it promises to find."""

from tools import nbcells as nc
from tools.check_notebooks import check_notebook
from tools.course import setup_cell_source


def _good_cells():
    return [
        nc.readonly("# Week 0\n\n**Learning objectives.** ...\n\n**Time.** 5 minutes", "intro", cell_type="markdown"),
        nc.readonly(setup_cell_source(), "setup"),
        nc.solution("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION", "f"),
        nc.tests("assert f(1) == 1\n### BEGIN HIDDEN TESTS\nassert f(2) == 2\n### END HIDDEN TESTS", "test_f", 1),
        nc.answer("### BEGIN SOLUTION\nmodel answer\n### END SOLUTION", "explain", 1),
    ]


def _problems(tmp_path, cells):
    path = tmp_path / "nb.ipynb"
    nc.write(nc.notebook(cells), path)
    return "\n".join(check_notebook(path))


def test_a_good_notebook_passes(tmp_path):
    assert _problems(tmp_path, _good_cells()) == ""


def test_each_mistake_is_reported(tmp_path):
    cells = _good_cells()
    cells[3].metadata["nbgrader"]["points"] = 0
    assert "graded cell without points" in _problems(tmp_path, cells)

    cells = _good_cells()
    cells[3].metadata["nbgrader"]["grade_id"] = "f"
    assert "already used" in _problems(tmp_path, cells)

    cells = _good_cells()
    del cells[2].metadata["nbgrader"]["grade_id"]
    assert "without a grade_id" in _problems(tmp_path, cells)

    cells = _good_cells()
    cells[2].source = "def f(x):\n    return x"
    assert "solution cell without ### BEGIN SOLUTION" in _problems(tmp_path, cells)

    cells = _good_cells()
    cells[3].source = "assert f(1) == 1\n### BEGIN HIDDEN TESTS\nassert f(2) == 2"
    assert "unbalanced ### BEGIN/END HIDDEN TESTS" in _problems(tmp_path, cells)

    cells = _good_cells()
    cells.append(nc.code("### BEGIN SOLUTION\nsecret = 1\n### END SOLUTION"))
    assert "no nbgrader metadata" in _problems(tmp_path, cells)

    cells = _good_cells()
    cells[1] = nc.code("print('hello')")
    assert "setup cell" in _problems(tmp_path, cells)

    cells = _good_cells()[:4]
    assert "no manually graded written answer" in _problems(tmp_path, cells)
