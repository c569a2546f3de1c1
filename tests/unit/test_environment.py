"""The install files agree: requirements.txt, environment.yml, pyproject.toml, tools.course."""

import re

import pytest

from tests.nbharness import ROOT
from tools import course


def _pins(lines):
    return {m.group(1).lower(): m.group(2) for l in lines if (m := re.match(r"\s*-?\s*([A-Za-z0-9_.-]+)==(\S+)", l))}


def test_environment_yml_has_the_same_pins_as_requirements():
    req = _pins((ROOT / "requirements.txt").read_text().splitlines())
    env = _pins((ROOT / "environment.yml").read_text().splitlines())
    assert req == env, (
        f"pins differ: only in requirements {set(req.items()) - set(env.items())}, "
        f"only in environment.yml {set(env.items()) - set(req.items())}"
    )
    assert req["torch"] == "2.13.0" and req["nbgrader"] == "0.9.6"


def test_every_requirement_is_pinned_exactly():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", line), f"not an exact pin: {line}"


def test_repository_url_is_defined_once():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the helpers package itself runs on 3.10
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["urls"]["Repository"] == course.REPO_URL
    readme = (ROOT / "README.md").read_text()
    assert course.REPO_URL.removeprefix("https://github.com/") in readme


def test_setup_cell_installs_helpers_without_touching_torch():
    src = course.setup_cell_source()
    compile(src, "setup", "exec")
    code = [line.split("#")[0] for line in src.splitlines()]
    assert "--no-deps" in src and not any("torch" in c for c in code), "the setup cell must never install torch"
    assert course.REPO_URL in src
    assert course.colab_url("notebooks/week01/perceptron.ipynb").endswith(
        "/blob/main/notebooks/week01/perceptron.ipynb"
    )


def test_readme_lists_every_learner_notebook_with_its_colab_link():
    readme = (ROOT / "README.md").read_text()
    for nb in sorted((ROOT / "notebooks").glob("week*/*.ipynb")):
        rel = nb.relative_to(ROOT).as_posix()
        assert f"]({rel})" in readme, f"README's table of weeks lacks {rel}"
        assert course.colab_url(rel) in readme, f"README lacks the Open in Colab link of {rel}"


def _imported_top_level_modules() -> dict[str, str]:
    """{top-level module: a file importing it} over the repository's Python files and solution notebooks."""
    import ast
    import json

    found: dict[str, str] = {}

    def scan(src: str, where: str) -> None:
        try:
            tree = ast.parse(src)
        except SyntaxError:
            return  # a cell with shell magics, or a file mid-edit: not this test's business
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], where)

    for d in ("helpers", "tools", "tests", "benchmarks"):
        for p in sorted((ROOT / d).rglob("*.py")):
            scan(p.read_text(), str(p.relative_to(ROOT)))
    for p in sorted((ROOT / "solutions").rglob("*.ipynb")):
        for cell in json.loads(p.read_text())["cells"]:
            if cell["cell_type"] == "code":
                src = "".join(cell["source"])
                scan(
                    "\n".join(line for line in src.splitlines() if not line.lstrip().startswith(("!", "%"))),
                    str(p.relative_to(ROOT)),
                )
    return found


def test_every_direct_import_is_a_pinned_requirement():
    import sys
    from importlib.metadata import packages_distributions

    req = _pins((ROOT / "requirements.txt").read_text().splitlines())
    dists = packages_distributions()
    ours = {"helpers", "tools", "tests", "conftest", "nbgrader_config"}
    missing = {}
    for mod, where in _imported_top_level_modules().items():
        if mod in sys.stdlib_module_names or mod in ours or mod.startswith("_"):
            continue
        names = {d.lower().replace("_", "-") for d in dists.get(mod, [mod])}
        if not names & {r.replace("_", "-") for r in req}:
            missing[mod] = where
    assert not missing, f"imported but not pinned in requirements.txt (module: a file importing it): {missing}"


def test_python_version_is_declared_once():
    tomllib = pytest.importorskip("tomllib")
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    floor = meta["project"]["requires-python"]
    assert floor == ">=3.10"
    assert meta["tool"]["ruff"]["target-version"] == "py310", "ruff's target must be requires-python's floor"
    env_python = re.search(r"-\s*python=(\d+\.\d+)", (ROOT / "environment.yml").read_text()).group(1)
    assert tuple(map(int, env_python.split("."))) >= (3, 10)
