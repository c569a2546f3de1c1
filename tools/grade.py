"""The instructor's grading commands: ``python tools/grade.py CMD ...`` is ``python -m tools.grading CMD ...``
(the package tools/grading/; see its cli.py for the commands and INSTRUCTORS.md for the workflow)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.grading import *  # noqa: E402,F401,F403  (the names tests and scripts import from here)
from tools.grading.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
