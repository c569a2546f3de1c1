"""The instructor's grading pipeline (``python -m tools.grading``; ``tools/grade.py`` is the same).

    cli.py          the commands (add-students, release, collect, zip-collect, autograde, feedback, ...)
    autograde.py    one run over a class: staging, one supervised nbgrader process per student
    supervisor.py   child processes: limits, wall-clock timeouts, scheduling, retries
    staging.py      submissions copied and repaired, differences from the release noted
    analysis.py     nbgrader's logs, graded cells, gradebook rows, hidden tests in feedback
    report.py       the autograding report (text and JSON)
    sandbox.py      bubblewrap sandbox of every grading kernel (stdlib only: its launcher too)
    kernel.py       the kernel manager that starts grading kernels (guard, sandbox, IPC)
    tamper.py       the tamper guard: test-cell guard preprocessors and the static scan
    kernel_guard.py startup code of a grading kernel (the snapshot and ``__course_guard__``)

nbgrader itself is run through tools/nbgrader_env.py; notebook markers are read with
tools/notebook_markers.py.
"""

from __future__ import annotations

from tools.grading.analysis import hidden_test_lines, html_text, leaked_hidden_tests
from tools.grading.autograde import autograde, autograde_config
from tools.grading.coursedir import ROOT, Course
from tools.grading.report import StudentReport, render_report
from tools.grading.staging import read_notebook, stage_submission
from tools.grading.supervisor import Call, Limits, nbgrader, run_calls

__all__ = [
    "ROOT",
    "Call",
    "Course",
    "Limits",
    "StudentReport",
    "autograde",
    "autograde_config",
    "hidden_test_lines",
    "html_text",
    "leaked_hidden_tests",
    "main",
    "nbgrader",
    "read_notebook",
    "render_report",
    "run_calls",
    "stage_submission",
]


def main(argv: list[str] | None = None) -> int:
    from tools.grading.cli import main as _main

    return _main(argv)
