"""Time to autograde a class for one week, with the real workflow (tools/grade.py, nbgrader,
a SQLite gradebook) in a temporary copy of the course.

    python benchmarks/grading_time.py                       # 30 students, week01, 2 at a time
    python benchmarks/grading_time.py --students 30 --week week01 --jobs 1 2
    python benchmarks/grading_time.py --students 8 --jobs 1 --modes sandbox unsafe   # sandbox cost

``--modes``: the same class, in the same course copy, graded once per mode, one after the other:
``sandbox`` (the default: bubblewrap and the tamper guard) and ``unsafe`` (``--unsafe-no-sandbox``:
the tamper guard only).

The class: 40% reference solutions, 40% with one catalogued mistake (cycling through the
week's mutant catalogue), 20% untouched notebooks. Every score is checked against what it must
be, so a fast but wrong run does not count. Writes benchmarks/grading_time.json and .md
(the figures, the machine's load average before and after, the command).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mutants import catalogue  # noqa: E402
from tests.nbharness import filled_in, graded_test_cells, make_course_copy  # noqa: E402

GRADE = [sys.executable, str(ROOT / "tools" / "grade.py")]


def build_class(course: Path, week: str, n: int) -> dict[str, float]:
    """Write n submissions; return each student's expected autograded score."""
    learner = {
        p.name: nbformat.read(str(p), as_version=4) for p in sorted((course / "notebooks" / week).glob("*.ipynb"))
    }
    solution = {
        p.name: nbformat.read(str(p), as_version=4) for p in sorted((course / "solutions" / week).glob("*.ipynb"))
    }
    points = {}
    for nb in solution.values():
        points.update(graded_test_cells(nb))
    full = sum(points.values())
    mutants = catalogue(week)
    expected = {}
    for i in range(n):
        student = f"student{i + 1:02d}"
        kind = ("reference", "mistake", "reference", "mistake", "untouched")[i % 5]
        files, score = {}, full
        if kind == "untouched":
            files, score = dict(learner), 0.0
        elif kind == "reference":
            files = {name: filled_in(nb, solution[name]) for name, nb in learner.items()}
        else:
            m = mutants[(i // 5) % len(mutants)] if mutants else None
            for name, nb in learner.items():
                holds = m is not None and any(
                    (c.get("metadata", {}).get("nbgrader") or {}).get("grade_id") == m.exercise for c in nb.cells
                )
                files[name] = filled_in(nb, solution[name], {m.exercise: m.source} if holds else {})
            if m is not None:
                score = full - points[m.test_id] - sum(points[t] for t in m.also_fails)
        d = course / "submitted" / student / week
        d.mkdir(parents=True)
        (d / "timestamp.txt").write_text("2026-11-25 12:00:00.000000 UTC")
        for name, nb in files.items():
            nbformat.write(nb, str(d / name))
        expected[student] = float(score)
    return expected


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--week", default="week01")
    ap.add_argument("--jobs", type=int, nargs="+", default=[2])
    ap.add_argument("--modes", nargs="+", default=["sandbox"], choices=["sandbox", "unsafe"])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "grading_time")
    a = ap.parse_args()
    runs = []
    for jobs in a.jobs:
        with tempfile.TemporaryDirectory() as tmp:
            course = Path(tmp) / "course"
            env = make_course_copy(course, [a.week])
            subprocess.run([*GRADE, "--root", str(course), "release", a.week], env=env, check=True, capture_output=True)
            expected = build_class(course, a.week, a.students)
            for mode in a.modes:
                load_before = os.getloadavg()
                ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.monotonic()
                proc = subprocess.run(
                    [
                        *GRADE,
                        "--root",
                        str(course),
                        "autograde",
                        a.week,
                        "--jobs",
                        str(jobs),
                        *(["--unsafe-no-sandbox"] if mode == "unsafe" else []),
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                )
                seconds = time.monotonic() - t0
                ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                # CPU time of grade.py, nbgrader and the kernels: what the class costs on an idle machine
                cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
                load_after = os.getloadavg()
                if proc.returncode != 0:
                    sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
                    return 1
                report = json.loads((course / ".grading" / "reports" / f"{a.week}.json").read_text())["students"]
                wrong = {s: (report[s]["score"], e) for s, e in expected.items() if report[s]["score"] != e}
                if wrong:
                    print(f"WRONG SCORES (got, expected): {wrong}")
                    return 1
                per = sorted(r["seconds"] for r in report.values())
                runs.append(
                    {
                        "mode": mode,
                        "jobs": jobs,
                        "students": a.students,
                        "seconds": round(seconds, 1),
                        "seconds_per_student": round(seconds / a.students, 2),
                        "student_seconds_median": per[len(per) // 2],
                        "student_seconds_max": per[-1],
                        "cpu_seconds": round(cpu, 1),
                        "cpu_seconds_per_student": round(cpu / a.students, 2),
                        "idle_estimate_seconds": round(cpu / min(jobs, os.cpu_count() or 1), 1),
                        "load_before": [round(x, 2) for x in load_before],
                        "load_after": [round(x, 2) for x in load_after],
                        "all_scores_right": True,
                    }
                )
                print(
                    f"{mode}: {a.students} students, {jobs} at a time: {seconds:.0f} s "
                    f"({seconds / a.students:.1f} s per student; {cpu:.0f} CPU s in all; "
                    f"load {load_before[0]:.1f} -> {load_after[0]:.1f})"
                )
    result = {
        "week": a.week,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": "python benchmarks/grading_time.py " + " ".join(sys.argv[1:]),
        "runs": runs,
    }
    a.out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    lines = [
        f"# Time to autograde a class ({a.week})",
        "",
        f"{result['date']}, {result['cpu_count']} CPU cores, `{result['command']}`; every score checked.",
        "",
        "| mode | students | at a time | wall time | per student | median / max per student | CPU time (per student) "
        "| idle-machine estimate | load avg before -> after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r['mode']} | {r['students']} | {r['jobs']} | {r['seconds']:.0f} s | {r['seconds_per_student']:.1f} s | "
            f"{r['student_seconds_median']:.0f} s / {r['student_seconds_max']:.0f} s | "
            f"{r['cpu_seconds']:.0f} s ({r['cpu_seconds_per_student']:.1f} s) | "
            f"{r['idle_estimate_seconds']:.0f} s | {r['load_before'][0]:.1f} -> {r['load_after'][0]:.1f} |"
        )
    lines += [
        "",
        "Wall time depends on what else the machine runs (the load average); the CPU time of all "
        "grading processes and kernels does not: divided by the jobs run side by side it estimates the "
        "wall time on an idle machine with that many cores. Modes: `sandbox` is the default (bubblewrap "
        "sandbox and tamper guard); `unsafe` is `--unsafe-no-sandbox` (tamper guard only), on the same "
        "class in the same run.",
    ]
    a.out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(f"wrote {a.out.with_suffix('.json')} and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
