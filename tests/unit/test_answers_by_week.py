"""No week's answers are importable before that week: the import walk of every notebook, the
table of reference modules, and the learner kit built from it."""

from __future__ import annotations

import ast
import zipfile

import nbformat
import pytest

from helpers.reference import ANSWERS
from tests.nbharness import ROOT
from tools.learner_kit import answers_reached, build, package_modules, reference_week, select
from tools.notebook_markers import visible_part

NOTEBOOKS = sorted((ROOT / "solutions").glob("week*/*.ipynb")) + sorted((ROOT / "notebooks").glob("week*/*.ipynb"))


def _imports(source: str, modules: dict) -> set[str]:
    """The ``helpers`` modules a cell's code imports (``import``, ``from … import``, and
    ``importlib.import_module("…")`` / ``__import__("…")`` with a literal name)."""
    # IPython magics and shell escapes are not Python: leave those lines out
    tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
        ):
            names = [node.args[0].value]
        found |= {n for n in names if n in modules}
    return found


def _week(path) -> int:
    return int(path.parent.name.removeprefix("week"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.stem}")
def test_no_notebook_imports_its_own_or_a_later_weeks_answers(path):
    """Every code cell outside the hidden tests, and every given module it imports (transitively)."""
    modules = package_modules()
    nb = nbformat.read(str(path), as_version=4)
    week, problems = _week(path), []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        try:
            imported = _imports(visible_part(cell.source), modules)
        except SyntaxError as e:
            problems.append(f"cell {i} is not valid Python outside its hidden tests: {e}")
            continue
        for mod in sorted(imported):
            reached = {mod} if reference_week(mod) is not None else set()
            reached |= answers_reached(mod, modules)
            for ref in sorted(reached):
                if reference_week(ref) >= week:
                    via = "" if ref == mod else f" (through {mod})"
                    problems.append(f"cell {i} imports {ref}{via}, which answers week {reference_week(ref)}")
    assert not problems, (
        f"{path.relative_to(ROOT)} (week {week}) can import answers of its own or a later week:\n" + "\n".join(problems)
    )


def test_every_reference_module_is_in_the_table_and_says_its_week():
    files = {p.stem for p in (ROOT / "helpers" / "reference").glob("*.py") if p.stem != "__init__"}
    assert files == set(ANSWERS), (
        f"helpers/reference/ and ANSWERS differ: not in the table {sorted(files - set(ANSWERS))}, "
        f"no such module {sorted(set(ANSWERS) - files)}"
    )
    for name, week in ANSWERS.items():
        doc = ast.get_docstring(ast.parse((ROOT / "helpers" / "reference" / f"{name}.py").read_text())) or ""
        assert f"week {week}" in doc.lower() or f"week{week:02d}" in doc.lower(), (
            f"helpers/reference/{name}.py: its docstring should say it answers week {week}"
        )


def test_given_modules_import_no_answers():
    """What every learner has from day one (helpers/*.py) needs no reference module at all."""
    modules = package_modules()
    given = [m for m in modules if m.count(".") == 1 and reference_week(m) is None]
    leaks = {m: sorted(answers_reached(m, modules)) for m in given if answers_reached(m, modules)}
    assert not leaks, f"given modules that import reference answers: {leaks}"


@pytest.mark.slow
def test_learner_kit_of_week05_holds_no_answer_of_week05_or_later(tmp_path):
    wheel = build("week05", tmp_path, quiet=True)
    names = set(zipfile.ZipFile(wheel).namelist())
    refs = {
        n.removeprefix("helpers/reference/").removesuffix(".py")
        for n in names
        if n.startswith("helpers/reference/") and n.endswith(".py") and not n.endswith("__init__.py")
    }
    assert refs == {m for m, w in ANSWERS.items() if w < 5}, f"kit references: {sorted(refs)}"
    kept, left_out = select("week05")
    for mod in kept:
        assert all(reference_week(r) < 5 for r in answers_reached(mod, package_modules())), mod
    assert "helpers/runtime.py" in names and "helpers/checks.py" in names


# Given code that imports a reference answer inside a function, when it is called: a learner whose
# kit lacks that week's reference gets ModuleNotFoundError as soon as a notebook calls it. Each pair
# is covered by a filled-in run with the kit of the weeks that call it
# (tests/notebooks/test_learner_kit.py: FILLED_IN) or needs no cover, as said here.
CALL_TIME_IMPORTS = {
    ("helpers.training", "text"),  # the default window sampler: week 5 passes its own (covered)
    ("helpers.cli.generate", "checkpoint"),  # week 4: in every kit the tool is used with
    ("helpers.cli.generate", "text"),  # week 5: likewise
    ("helpers.cli.generate", "sampling"),  # week 9: its notebook skips the tool without it (covered)
    ("helpers.cli.generate", "quantize"),  # week 9 too (--int8): needed exactly where sampling is (covered)
    ("helpers.finetuning", "gpt"),  # week 8: used by week 10 only
    ("helpers.finetuning", "checkpoint"),  # week 4: likewise
    ("helpers.cli.chat", "posttraining"),  # week 11: a week-11 kit lacks it; the tool says so on one line (tested)
}


def test_call_time_imports_of_answers_are_known():
    found = set()
    for path in sorted((ROOT / "helpers").glob("*.py")) + sorted((ROOT / "helpers" / "cli").glob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for func in ast.walk(ast.parse(path.read_text())):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers.reference."):
                    found.add((module, node.module.removeprefix("helpers.reference.")))
    assert found == CALL_TIME_IMPORTS, (
        f"given code that imports reference answers when called changed: new {sorted(found - CALL_TIME_IMPORTS)}, "
        f"gone {sorted(CALL_TIME_IMPORTS - found)}. A learner whose kit lacks that week's reference gets "
        "ModuleNotFoundError when a notebook calls it: run the weeks that call it filled in with their kit "
        "(tests/notebooks/test_learner_kit.py) and update CALL_TIME_IMPORTS"
    )
