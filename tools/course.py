"""Facts about the course itself, defined once: repository, version, and the notebooks' setup cell.

Every notebook's first code cell is ``setup_cell_source(week)``. On a prepared machine
(``make lab``) it only checks that the course's ``helpers`` are the ones imported and prints how
the notebook runs. In Colab (or any Python without them) it installs that week's **learner kit**:
the wheel ``make learner-kit UNTIL=weekNN`` builds, attached to the tagged release ``vVERSION``
(see INSTRUCTORS.md), which holds the given helpers and the reference answers of earlier weeks
only. ``python tools/release.py --sync-setup`` rewrites the cells, and a test checks they agree.
"""

from __future__ import annotations

# The one place the repository's address and the course version are written (pyproject.toml and
# helpers/__init__.py carry the same version; tests/test_environment.py checks).
REPO_URL = "https://github.com/llm-crash-course/llm-crash-course"
BRANCH = "main"
VERSION = "0.2.0"
DISTRIBUTION = "llm-course-helpers"
# Weeks whose notebooks use NumPy only: their setup cell does not import torch to describe it (a
# second per kernel start; week 1 is graded dozens of times per test run). A test checks that
# these weeks' notebooks import no torch.
WEEKS_WITHOUT_TORCH = ("week01",)

SETUP_CELL = """\
# Setup. On a prepared machine (`make lab`) this only checks the course helpers and prints how the
# notebook runs; in Colab it first installs this week's course kit (seconds; torch is never reinstalled).
import importlib, importlib.util, importlib.metadata as _md, subprocess, sys
try:
    _did = f"course helpers {{_md.version('{dist}')}} installed"
except _md.PackageNotFoundError:  # Colab or a bare Python: the kit of this week, from release v{version}
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "{kit_url}"], check=True)
    for _pkg in ["sentencepiece", "tqdm"]:  # torch, numpy, matplotlib, scikit-learn: Colab has them
        if importlib.util.find_spec(_pkg) is None:
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", _pkg], check=True)
    importlib.invalidate_caches()
    _did = "installed the course kit {kit_name}"
import helpers
if getattr(helpers, "DISTRIBUTION", None) != "{dist}":  # another module called `helpers` shadows ours
    raise ImportError(f"`import helpers` found {{getattr(helpers, '__file__', helpers)}}, which is not the course's "
                      "helpers: rename or remove it (or restart the runtime), then run this cell again.")
from helpers.runtime import describe
print(describe({describe_args}), "|", _did)
"""


def kit_name(week: str | None) -> str:
    """File name of the learner kit wheel of ``week`` (None: the whole package, for instructors)."""
    local = f"+{week}" if week else ""
    return f"{DISTRIBUTION.replace('-', '_')}-{VERSION}{local}-py3-none-any.whl"


def kit_url(week: str | None) -> str:
    return f"{REPO_URL}/releases/download/v{VERSION}/{kit_name(week)}"


def setup_cell_source(week: str | None = None) -> str:
    """The exact source of the first code cell of ``week``'s notebooks (e.g. ``"week05"``)."""
    return SETUP_CELL.format(
        dist=DISTRIBUTION,
        version=VERSION,
        kit_url=kit_url(week),
        kit_name=kit_name(week),
        describe_args="torch=False" if week in WEEKS_WITHOUT_TORCH else "",
    ).rstrip("\n")


def week_of_path(path) -> str | None:
    """``"week05"`` for ``solutions/week05/char_rnn.ipynb``; None for a notebook outside a week folder."""
    from pathlib import Path

    name = Path(path).parent.name
    return name if name.startswith("week") and name[4:].isdigit() else None


def colab_url(notebook_path: str) -> str:
    """'Open in Colab' address of a notebook path in the repository (e.g. notebooks/week01/week01.ipynb)."""
    slug = REPO_URL.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{slug}/blob/{BRANCH}/{notebook_path}"
