"""The notebooks' setup cell: what it installs, what it checks, the one line it prints."""

from __future__ import annotations

import os
import subprocess
import sys

import tomllib

import helpers
from tests.nbharness import ROOT
from tools import course


def _run(source: str, cwd, env=None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env or {})}
    env.pop("COURSE_FAST", None)
    return subprocess.run([sys.executable, "-c", source], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_versions_agree():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["version"] == course.VERSION == helpers.__version__
    assert meta["project"]["name"] == course.DISTRIBUTION == helpers.DISTRIBUTION


def test_setup_cell_installs_a_tagged_weekly_kit_never_main():
    src = course.setup_cell_source("week05")
    assert f"/releases/download/v{course.VERSION}/{course.kit_name('week05')}" in src
    assert "@main" not in src and "@" + course.BRANCH not in src
    assert course.kit_name("week05") == f"llm_course_helpers-{course.VERSION}+week05-py3-none-any.whl"


def test_on_a_prepared_machine_it_installs_nothing_and_says_how_the_notebook_runs(tmp_path):
    proc = _run(course.setup_cell_source("week05"), tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, f"the setup cell should print one line, printed: {lines}"
    assert lines[0].startswith("mode: full") and f"course helpers {course.VERSION} installed" in lines[0], lines[0]


def test_another_module_named_helpers_is_not_mistaken_for_the_course(tmp_path):
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "__init__.py").write_text("")  # e.g. a learner's own helpers/ in Colab
    proc = _run("import sys; sys.path.insert(0, '.')\n" + course.setup_cell_source("week05"), tmp_path)
    assert proc.returncode != 0 and "not the course's helpers" in proc.stderr, proc.stderr[-1500:]
