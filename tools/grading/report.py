"""What the instructor reads after autograding: one entry per student, printed and saved."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class StudentReport:
    student: str
    status: str = "graded"  # graded | missing | invalid | kernel-died | timed-out | error
    score: float | None = None
    max_score: float = 0.0
    needs_manual: list[str] = field(default_factory=list)
    failed_tests: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # integrity: grading names rebound or patched
    # the guard saw a change no learner line made (a library initialising itself?): score kept
    reviews: list[str] = field(default_factory=list)
    seconds: float = 0.0
    log: str = ""

    @property
    def graded(self) -> bool:
        return self.status == "graded"


def status_line(rep: StudentReport) -> str:
    score = "-" if rep.score is None else f"{rep.score:g}"
    return f"{rep.status:<11} {score}/{rep.max_score:g}  ({rep.seconds:.0f} s)"


def render_report(week: str, reports: dict[str, StudentReport], elapsed: float, sandbox: str = "") -> str:
    lines = [f"Autograding report for {week} ({len(reports)} students, {elapsed:.0f} s)"]
    if sandbox:
        lines.append(sandbox)
    lines.append("")
    for s, r in sorted(reports.items()):
        lines.append(f"{s:<20} {status_line(r)}")
        if r.failed_tests:
            lines.append(f"    lost points: {', '.join(r.failed_tests)}")
        for n in r.notes:
            lines.append(f"    {n}")
        for f in r.flags:
            lines.append(f"    FLAGGED: {f}")
        for f in r.reviews:
            lines.append(f"    NEEDS REVIEW: {f}")
        if r.needs_manual:
            lines.append(f"    to grade by hand in formgrader: {', '.join(r.needs_manual)}")
    attention = sorted(s for s, r in reports.items() if not r.graded and r.status != "missing")
    absent = sorted(s for s, r in reports.items() if r.status == "missing")
    flagged = sorted(s for s, r in reports.items() if r.flags)
    to_review = sorted(s for s, r in reports.items() if r.reviews)
    lines.append("")
    counts: dict[str, int] = {}
    for r in reports.values():
        counts[r.status] = counts.get(r.status, 0) + 1
    lines.append("summary: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    if absent:
        lines.append("NO SUBMISSION (score 0): " + ", ".join(absent))
    if attention:
        lines.append("NOT GRADED (score 0 until fixed; see the notes above and the logs): " + ", ".join(attention))
    if flagged:
        lines.append(
            "FLAGGED for tampering with the tests (tests it touched score 0; review by hand): " + ", ".join(flagged)
        )
    if to_review:
        lines.append(
            "NEEDS REVIEW (the guard saw a change no line of the notebook made; the scores stand): "
            + ", ".join(to_review)
        )
    return "\n".join(lines) + "\n"


def save_report(
    out: Path, week: str, reports: dict[str, StudentReport], elapsed: float, sandbox: str = "", sandboxed: bool = True
) -> str:
    text = render_report(week, reports, elapsed, sandbox)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{week}.txt").write_text(text)
    (out / f"{week}.json").write_text(
        json.dumps(
            {
                "week": week,
                "seconds": round(elapsed, 1),
                "sandboxed": sandboxed,
                "sandbox": sandbox,
                "students": {s: asdict(r) for s, r in reports.items()},
            },
            indent=1,
        )
    )
    return text
