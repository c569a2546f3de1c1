"""Test configuration for every pytest run from the repository root (tests/ and nbval runs of
solutions/): notebooks and kernels run in fast mode, plots go nowhere.

The suite (tests/): ``unit/`` helpers and tools, ``notebooks/`` the solution notebooks (one shared
execution each, see ``tests/notebooks/plugin.py``), ``grading/`` the nbgrader workflow."""

import os
import sys
from pathlib import Path

os.environ["COURSE_FAST"] = "1"  # inherited by nbval's and nbclient's kernels
os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest_plugins = ["tests.notebooks.plugin"]
