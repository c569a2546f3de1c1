"""Test configuration for every pytest run from the repository root (tests/ and the nbval runs
of solutions/): notebooks and kernels run in fast mode, plots go nowhere."""

import os
import sys
from pathlib import Path

os.environ["COURSE_FAST"] = "1"        # inherited by nbval's and nbclient's kernels
os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
