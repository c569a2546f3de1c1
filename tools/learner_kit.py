"""Build the learner kit of a week: the installable ``helpers`` a learner gets up to that week.

    python tools/learner_kit.py --until week05          # -> dist/llm_course_helpers-0.2.0+week05-py3-none-any.whl
    make learner-kit UNTIL=week05
    python tools/learner_kit.py --all                   # every week's kit (make learner-kits)

The kit holds what every learner has from day one (the modules of ``helpers/`` and
``helpers/cli/``) and, of ``helpers/reference/``, only the modules whose week
(``helpers.reference.ANSWERS``) comes **before** the kit's week, so that no answer of that week
or a later one is installed. A given module that imports a reference module left out (directly
or through another module) is left out too, and the build says so. Instructors install the kit
on a JupyterHub and upgrade it when a week opens (INSTRUCTORS.md); the Colab setup cell of
week N installs the week-N kit from the tagged release.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.course import DISTRIBUTION, VERSION, kit_name  # noqa: E402


def week_number(week: str) -> int:
    if not (week.startswith("week") and week[4:].isdigit()):
        raise SystemExit(f"say which week as weekNN (e.g. week05), not {week!r}")
    return int(week[4:])


def package_modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the ``helpers`` package: dotted name -> file."""
    out = {}
    for path in sorted((root / "helpers").rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _module_level(tree: ast.Module):
    """The nodes that run when the module is imported: not the bodies of functions and classes
    (an import inside a function loads its module only when called, e.g. a given helper that
    uses an earlier week's reference by default and takes the learner's function instead)."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(node))


def imported_helpers(path: Path, modules: dict[str, Path]) -> set[str]:
    """The ``helpers`` modules that importing the file ``path`` imports (module-level code)."""
    tree = ast.parse(path.read_text(), str(path))
    this = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    package = this.rsplit(".", 1)[0] if not path.name == "__init__.py" else this.removesuffix(".__init__")
    found: set[str] = set()
    for node in _module_level(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        for name in names:
            if name in modules:
                found.add(name)
    return found - {this}


def reference_week(module: str) -> int | None:
    """The week a ``helpers.reference.X`` module answers (None for other modules)."""
    from helpers.reference import ANSWERS

    parts = module.split(".")
    if len(parts) == 3 and parts[:2] == ["helpers", "reference"]:
        if parts[2] not in ANSWERS:
            raise SystemExit(f"{module} is not in helpers.reference.ANSWERS: add it with the week it answers")
        return ANSWERS[parts[2]]
    return None


def answers_reached(module: str, modules: dict[str, Path], memo: dict | None = None) -> set[str]:
    """The reference modules ``module`` needs, directly or through other helpers modules."""
    memo = {} if memo is None else memo
    if module in memo:
        return memo[module]
    memo[module] = set()
    reached = set()
    for dep in imported_helpers(modules[module], modules):
        if reference_week(dep) is not None:
            reached.add(dep)
        reached |= answers_reached(dep, modules, memo)
    memo[module] = reached
    return reached


def select(until: str, root: Path = ROOT) -> tuple[list[str], dict[str, str]]:
    """The modules of the kit for ``until``, and the ones left out with the reason."""
    n = week_number(until)
    modules = package_modules(root)
    kept, left_out = [], {}
    for name in modules:
        week = reference_week(name)
        if week is not None and week >= n:
            left_out[name] = f"answers week {week}"
            continue
        ahead = sorted(m for m in answers_reached(name, modules) if reference_week(m) >= n)
        if ahead:
            left_out[name] = f"imports {', '.join(ahead)}"
            continue
        kept.append(name)
    return kept, left_out


PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "{version}"
description = "LLM crash course: the learner kit up to {until} (given helpers and the answers of earlier weeks)"
requires-python = ">=3.10"
dependencies = ["numpy", "matplotlib", "scikit-learn", "tqdm", "sentencepiece", "torch"]

[tool.setuptools.packages.find]
include = ["helpers", "helpers.*"]
"""


def build(until: str, out_dir: Path, root: Path = ROOT, quiet: bool = False) -> Path:
    kept, left_out = select(until, root)
    modules = package_modules(root)
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "kit"
        for name in kept:
            dest = src / modules[name].relative_to(root)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(modules[name], dest)
        (src / "helpers" / "_kit.py").write_text(
            f'"""Which learner kit this is (written by tools/learner_kit.py)."""\n\nUNTIL = "{until}"\n'
        )
        (src / "pyproject.toml").write_text(
            PYPROJECT.format(dist=DISTRIBUTION, version=f"{VERSION}+{until}", until=until)
        )
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "-q",
                "-w",
                str(out_dir),
                str(src),
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise SystemExit(f"building the kit failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    wheel = out_dir / kit_name(until)
    if not wheel.exists():
        raise SystemExit(f"pip wheel did not write {wheel.name} (found: {[p.name for p in out_dir.glob('*.whl')]})")
    if not quiet:
        refs = [m.rsplit(".", 1)[1] for m in kept if reference_week(m) is not None]
        print(
            f"{wheel.relative_to(ROOT) if wheel.is_relative_to(ROOT) else wheel}: {len(kept)} modules; "
            f"references: {', '.join(refs) or 'none'}"
        )
        for name, why in sorted(left_out.items()):
            print(f"  left out {name} ({why})")
    return wheel


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = ap.add_mutually_exclusive_group(required=True)
    which.add_argument("--until", help="the week the kit is for, e.g. week05")
    which.add_argument("--all", action="store_true", help="the kit of every week (to attach to the tagged release)")
    ap.add_argument("--out", type=Path, default=ROOT / "dist", help="folder for the wheel (default: dist/)")
    a = ap.parse_args(argv)
    weeks = sorted(p.name for p in (ROOT / "solutions").glob("week*") if p.is_dir()) if a.all else [a.until]
    for week in weeks:
        build(week, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
