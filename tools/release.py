"""Regenerate the learner notebooks (``notebooks/``) from the solutions (``solutions/``) with nbgrader.

    python tools/release.py               # check metadata, sync setup cells, generate every week
    python tools/release.py week01 week02 # only these assignments
    python tools/release.py --sync-setup  # only rewrite the setup cells from tools/course.py
    python tools/release.py --root DIR    # generate inside another course directory (tests use this)

``make release`` runs the first form.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.check_notebooks import check_notebook  # noqa: E402
from tools.course import setup_cell_source, week_of_path  # noqa: E402
from tools.nbgrader_env import nbgrader_command, with_bin_on_path  # noqa: E402


def assignments(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "solutions").glob("week*") if any(p.glob("*.ipynb")))


def sync_setup_cells(root: Path) -> list[Path]:
    """Make the first code cell of every solution notebook the current setup cell."""
    changed = []
    for path in sorted((root / "solutions").glob("week*/*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        first = next((c for c in nb.cells if c.cell_type == "code"), None)
        if first is not None and first.source != setup_cell_source(week_of_path(path)):
            first.source = setup_cell_source(week_of_path(path))
            nbformat.write(nb, str(path))
            changed.append(path)
    return changed


def generate(root: Path, names: list[str]) -> None:
    env = with_bin_on_path(dict(os.environ))  # nbgrader runs `alembic` from PATH
    # Releases never need the instructor's gradebook: use a throwaway one unless told otherwise.
    with tempfile.TemporaryDirectory() as tmp:
        env.setdefault("COURSE_GRADEBOOK", f"sqlite:///{Path(tmp) / 'release.db'}")
        for name in names:
            out = root / "notebooks" / name
            if out.exists():
                shutil.rmtree(out)  # no stale learner files survive a release
            cmd = nbgrader_command("generate_assignment", name, "--force", "--log-level=WARN")
            proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                sys.stderr.write(proc.stdout + proc.stderr)
                raise SystemExit(f"nbgrader generate_assignment {name} failed (exit {proc.returncode})")
            print(f"released {name}: " + ", ".join(str(p.relative_to(root)) for p in sorted(out.glob("*.ipynb"))))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", help="assignment ids (default: every week in solutions/)")
    ap.add_argument("--root", type=Path, default=ROOT, help="course directory (default: this repository)")
    ap.add_argument("--sync-setup", action="store_true", help="only rewrite setup cells, then stop")
    args = ap.parse_args(argv)
    root = args.root.resolve()
    for p in sync_setup_cells(root):
        print(f"setup cell updated: {p.relative_to(root)}")
    if args.sync_setup:
        return 0
    names = args.names or assignments(root)
    problems = [p for n in names for nb in sorted((root / "solutions" / n).glob("*.ipynb")) for p in check_notebook(nb)]
    if problems:
        print("\n".join(problems))
        print("fix the problems above, then release again")
        return 1
    generate(root, names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
