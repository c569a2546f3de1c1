"""Facts about the course itself, defined once: the repository and the notebooks' setup cell."""

from __future__ import annotations

# The one place the repository's address is written. `python tools/release.py` rewrites the
# setup cell of every notebook from SETUP_CELL below, and a test checks they agree.
REPO_URL = "https://github.com/llm-crash-course/llm-crash-course"
BRANCH = "main"
VERSION = "0.2.0"
DISTRIBUTION = "llm-course-helpers"

SETUP_CELL = """\
# Setup: does nothing on a prepared machine (`make lab`); in Colab it installs the course helpers.
import importlib.util, subprocess, sys
if importlib.util.find_spec("helpers") is None:  # not installed: Colab or a bare Python
    REPO_URL = "{repo_url}"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", f"git+{{REPO_URL}}@{branch}"], check=True)
    for pkg in ["sentencepiece", "tqdm"]:  # torch, numpy, matplotlib, scikit-learn: Colab has them
        if importlib.util.find_spec(pkg) is None:
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", pkg], check=True)
"""


def setup_cell_source(week: str | None = None) -> str:
    """The exact source of the first code cell of every notebook."""
    return SETUP_CELL.format(repo_url=REPO_URL, branch=BRANCH).rstrip("\n")


def colab_url(notebook_path: str) -> str:
    """'Open in Colab' address of a notebook path in the repository (e.g. notebooks/week01/week01.ipynb)."""
    slug = REPO_URL.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{slug}/blob/{BRANCH}/{notebook_path}"


def week_of_path(path) -> str | None:
    """``"week05"`` for ``solutions/week05/char_rnn.ipynb``; None for a notebook outside a week folder."""
    from pathlib import Path

    name = Path(path).parent.name
    return name if name.startswith("week") and name[4:].isdigit() else None


def kit_name(week: str | None) -> str:
    """File name of the learner kit wheel of ``week`` (None: the whole package, for instructors)."""
    local = f"+{week}" if week else ""
    return f"{DISTRIBUTION.replace('-', '_')}-{VERSION}{local}-py3-none-any.whl"


def kit_url(week: str | None) -> str:
    return f"{REPO_URL}/releases/download/v{VERSION}/{kit_name(week)}"
