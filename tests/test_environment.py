"""The install files agree: requirements.txt, environment.yml, pyproject.toml, tools.course."""

import re
import tomllib

from tests.nbharness import ROOT
from tools import course


def _pins(lines):
    return {m.group(1).lower(): m.group(2) for l in lines if (m := re.match(r"\s*-?\s*([A-Za-z0-9_.-]+)==(\S+)", l))}


def test_environment_yml_has_the_same_pins_as_requirements():
    req = _pins((ROOT / "requirements.txt").read_text().splitlines())
    env = _pins((ROOT / "environment.yml").read_text().splitlines())
    assert req == env, f"pins differ: only in requirements {set(req.items()) - set(env.items())}, " \
                       f"only in environment.yml {set(env.items()) - set(req.items())}"
    assert req["torch"] == "2.13.0" and req["nbgrader"] == "0.9.6"


def test_every_requirement_is_pinned_exactly():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", line), f"not an exact pin: {line}"


def test_repository_url_is_defined_once():
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
        "/blob/main/notebooks/week01/perceptron.ipynb")


def test_readme_lists_every_learner_notebook_with_its_colab_link():
    readme = (ROOT / "README.md").read_text()
    for nb in sorted((ROOT / "notebooks").glob("week*/*.ipynb")):
        rel = nb.relative_to(ROOT).as_posix()
        assert f"]({rel})" in readme, f"README's table of weeks lacks {rel}"
        assert course.colab_url(rel) in readme, f"README lacks the Open in Colab link of {rel}"
