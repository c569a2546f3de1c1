"""Figures a notebook reached (accuracy, loss, seconds), collected by ``make bench``.

A notebook calls ``record("train_accuracy", 1.0)``. The value is always printed; when the
environment names a report file (``COURSE_REPORT``, set by ``tools/bench.py``) it is also
written there as JSON, so the benchmark report is made of what the notebook really reached.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

REPORT_ENV = "COURSE_REPORT"
_figures: dict[str, object] = {}


def record(name: str, value, unit: str = "", fast_ok: bool = True) -> None:
    """Record one figure under ``name`` and print it. ``fast_ok=False``: a figure fast mode
    cannot show (a timing, a speed-up, an effect of training); the printed line says so."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        # 6 decimals; tiny figures (gradient-check errors ~1e-10) keep 3 significant digits instead of reading 0.0
        value = round(value, 6) if value == 0 or abs(value) >= 1e-3 else float(f"{value:.3g}")
    _figures[name] = value
    from helpers.runtime import fast_caveat

    caveat = "" if fast_ok else fast_caveat()
    print(f"[report] {name} = {value}{(' ' + unit) if unit else ''}{caveat}")
    path = os.environ.get(REPORT_ENV)
    if path:
        p = Path(path)
        data = json.loads(p.read_text()) if p.exists() else {}
        data[name] = value
        p.write_text(json.dumps(data, indent=2, sort_keys=True))


def figures() -> dict[str, object]:
    """Everything recorded so far in this process."""
    return dict(_figures)
