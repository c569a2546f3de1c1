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


def test_a_numpy_only_week_describes_itself_without_importing_torch(tmp_path):
    probe = course.setup_cell_source("week01") + "\nimport sys\nprint('torch' in sys.modules)"
    proc = _run(probe, tmp_path)
    assert proc.returncode == 0, proc.stderr
    described, torch_loaded = proc.stdout.strip().splitlines()
    assert "NumPy" in described and "device" not in described, described
    assert torch_loaded == "False", "the week 1 setup cell imported torch"


def test_weeks_said_to_need_no_torch_import_none():
    import re

    import nbformat

    for week in course.WEEKS_WITHOUT_TORCH:
        for path in sorted((ROOT / "solutions" / week).glob("*.ipynb")):
            nb = nbformat.read(str(path), as_version=4)
            code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
            found = re.findall(r"^\s*(?:import|from)\s+torch\b.*$", code, re.M)
            assert not found, (
                f"{path.relative_to(ROOT)} imports torch ({found}): take {week} out of WEEKS_WITHOUT_TORCH"
            )
