"""Running course notebooks from tests: live kernels, mutants, and nbgrader round trips.

- ``LiveNotebook`` executes a notebook in a real kernel (fast mode) and keeps the kernel alive,
  so a test can redefine an exercise with a mistake and re-run test cells without re-running
  the notebook (the spec's recipe for a fast catalogue of wrong implementations).
- ``autograde`` runs real nbgrader (generate_assignment, then autograde) in a temporary copy of
  the course with its own SQLite gradebook, and returns each student's score per test cell.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from tools.nbgrader_env import grading_env, nbgrader_command, threads_per_kernel, with_bin_on_path

ROOT = Path(__file__).resolve().parent.parent
SOL_BEGIN, SOL_END = "### BEGIN SOLUTION", "### END SOLUTION"
HID_BEGIN, HID_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
COURSE_ID = "llm-crash-course"  # nbgrader_config.py's CourseDirectory.course_id


# ----------------------------------------------------------------------------- notebook structure


def solution_notebooks() -> list[Path]:
    return sorted((ROOT / "solutions").glob("week*/*.ipynb"))


def weeks() -> list[str]:
    return sorted({p.parent.name for p in solution_notebooks()})


def nbmeta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_test_cell(cell) -> bool:
    m = nbmeta(cell)
    return bool(m.get("grade")) and not m.get("solution") and cell.cell_type == "code"


def is_solution_cell(cell) -> bool:
    m = nbmeta(cell)
    return bool(m.get("solution")) and cell.cell_type == "code"


def graded_test_cells(nb) -> dict[str, float]:
    """grade_id -> points of every autograded test cell."""
    return {nbmeta(c)["grade_id"]: float(nbmeta(c)["points"]) for c in nb.cells if is_test_cell(c)}


def _remove_region(src: str, begin: str, end: str) -> str:
    out, skipping = [], False
    for line in src.splitlines():
        s = line.strip()
        if s == begin:
            skipping = True
            continue
        if s == end:
            skipping = False
            continue
        if not skipping:
            out.append(line)
    return "\n".join(out)


def visible_part(test_src: str) -> str:
    """A test cell as the learner sees it (hidden tests removed)."""
    return _remove_region(test_src, HID_BEGIN, HID_END)


def answer_part(solution_src: str) -> str:
    """A solution cell as a learner who got it right would write it (markers dropped)."""
    return "\n".join(l for l in solution_src.splitlines() if l.strip() not in (SOL_BEGIN, SOL_END))


def filled_in(learner_nb, solution_nb, replace: dict[str, str] | None = None):
    """The learner notebook with every exercise answered by the reference solution, except the
    solution cells named in ``replace`` (grade_id -> source), which get that source instead."""
    sol = {nbmeta(c)["grade_id"]: c.source for c in solution_nb.cells if nbmeta(c).get("solution")}
    nb = copy.deepcopy(learner_nb)
    replace = replace or {}
    for c in nb.cells:
        gid = nbmeta(c).get("grade_id")
        if nbmeta(c).get("solution") and gid in sol:
            c.source = replace.get(gid, answer_part(sol[gid]))
    unknown = set(replace) - set(sol)
    if unknown:
        raise KeyError(f"no solution cell with grade_id {sorted(unknown)}")
    return nb


# ----------------------------------------------------------------------------- live kernel


def kernel_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of the kernels tests start: the grading environment (fast mode).

    Under pytest-xdist each worker runs its own kernels side by side, so a kernel gets its share
    of the cores as BLAS/torch threads (2 workers on 2 cores: one thread each) instead of every
    kernel starting as many threads as there are cores and all of them fighting over two."""
    env = grading_env()
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    if workers > 1:
        env["OMP_NUM_THREADS"] = str(threads_per_kernel(workers))
    env.update(extra or {})
    return env


@dataclass
class CellResult:
    ok: bool
    error: str = ""
    output: str = ""  # everything printed (stdout and stderr)
    stderr: str = ""  # what went to stderr (nbgrader scores a test cell with any 0)
    index: int = -1  # the cell's index in the notebook (-1: a scratch cell)


class KernelDied(RuntimeError):
    """The kernel died or restarted while a notebook ran: later cells would only fail with
    NameErrors, so the run stops and says where."""


class LiveNotebook:
    """Execute a notebook once and keep its kernel for further code.

        with LiveNotebook(path) as live:
            live.results["test_make_xor"].ok
            live.run("def make_xor(...): ...")
            live.run_test("test_make_xor", visible_only=True)

    ``live.cells`` holds the result of every executed code cell, in order. If the kernel dies
    or restarts (a fresh kernel numbers cells from 1 again) the run stops with ``KernelDied``
    naming the cell; whenever ``__enter__`` fails, the kernel is shut down before the error
    propagates.
    """

    def __init__(self, path: Path, timeout: int = 300, env: dict | None = None, skip=None):
        """``skip(index, cell) -> bool``: code cells not to execute on entry (default: none)."""
        self.path = Path(path)
        self._skip = skip
        self.timeout = timeout
        self.nb = nbformat.read(str(self.path), as_version=4)
        self.tests = {nbmeta(c)["grade_id"]: c.source for c in self.nb.cells if is_test_cell(c)}
        self.results: dict[str, CellResult] = {}
        self.cells: list[CellResult] = []
        self._scratch = False
        self._last_count = 0
        self._ctx = None
        self._env = kernel_env(env)
        self.client = NotebookClient(
            self.nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=True,
            interrupt_on_timeout=True,
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(self.path.parent)}},
            on_cell_executed=self._note_reply,
        )
        self._reply_count, self._reply_error = 0, ""

    def __enter__(self) -> LiveNotebook:
        self._ctx = self.client.setup_kernel(env=self._env, cwd=str(self.path.parent))
        self._ctx.__enter__()
        try:
            for i, cell in enumerate(self.nb.cells):
                if cell.cell_type != "code" or (self._skip is not None and self._skip(i, cell)):
                    continue
                res = self._execute(cell, i)
                self.cells.append(res)
                gid = nbmeta(cell).get("grade_id")
                if gid:
                    self.results[gid] = res
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Shut the kernel down (idempotent)."""
        ctx, self._ctx = self._ctx, None
        if ctx is not None:
            ctx.__exit__(None, None, None)

    def _where(self, index: int) -> str:
        if index < 0:
            return "a cell run after the notebook"
        cell = self.nb.cells[index]
        first = next((line for line in cell.source.splitlines() if line.strip()), "")
        gid = nbmeta(cell).get("grade_id")
        return f"cell {index}" + (f" ({gid})" if gid else "") + f" `{first[:60]}`"

    def _note_reply(self, cell, cell_index, execute_reply) -> None:
        # The count in the shell reply is reliable; the one nbclient copies into the cell comes
        # from IOPub, whose messages a freshly restarted kernel can send before the client's
        # subscription has reconnected (then the cell shows no count and no output at all).
        content = (execute_reply or {}).get("content", {})
        self._reply_count = content.get("execution_count") or 0
        self._reply_error = (
            f"{content.get('ename', 'Error')}: {content.get('evalue', '')}" if content.get("status") == "error" else ""
        )

    def _execute(self, cell, index: int) -> CellResult:
        if self._ctx is None:
            raise KernelDied(f"{self.path.name}: the kernel is not running")
        self._reply_count, self._reply_error = 0, ""
        try:
            self.client.execute_cell(cell, index)
        except DeadKernelError:
            self.close()
            raise KernelDied(
                f"{self.path.name}: the kernel died while running {self._where(index)} "
                f"(killed for memory? os._exit?); the cells after it were not run"
            ) from None
        count = self._reply_count or cell.get("execution_count") or 0
        if count and count <= self._last_count:
            self.close()
            raise KernelDied(
                f"{self.path.name}: the kernel restarted before {self._where(index)} "
                f"(execution count {count} after {self._last_count}); its state is lost, "
                "the cells after it were not run"
            )
        self._last_count = max(self._last_count, count)
        res = _result(cell, self.timeout)
        if res.ok and self._reply_error:  # the error's IOPub output was lost: trust the reply
            res.ok, res.error = False, self._reply_error
        res.index = index
        return res

    def run(self, source: str) -> CellResult:
        """Execute ``source`` in the live kernel (in a scratch cell appended to the notebook)."""
        cell = nbformat.v4.new_code_cell(source)
        if not self._scratch:
            self.nb.cells.append(cell)
            self._scratch = True
        else:
            self.nb.cells[-1] = cell
        res = self._execute(cell, len(self.nb.cells) - 1)
        res.index = -1
        return res

    def run_test(self, grade_id: str, visible_only: bool = False) -> CellResult:
        src = self.tests[grade_id]
        return self.run(visible_part(src) if visible_only else src)


def _result(cell, timeout: int = 0) -> CellResult:
    text, errs, err = [], [], ""
    for o in cell.get("outputs", []):
        if o.output_type == "stream":
            text.append(o.text)
            if o.get("name") == "stderr":
                errs.append(o.text)
        elif o.output_type == "error":
            err = f"{o.ename}: {o.evalue}"
            if o.ename == "KeyboardInterrupt" and timeout:
                err = f"interrupted after the cell time limit ({timeout} s): {err}"
    return CellResult(ok=not err, error=err, output="".join(text), stderr="".join(errs))


# ----------------------------------------------------------------------------- nbgrader round trip


def nbgrader(args: list[str], cwd: Path, env: dict, check: bool = True, timeout: int = 900):
    cmd = nbgrader_command(*args)
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


_EMPTY_GRADEBOOK: Path | None = None


def _empty_gradebook() -> Path:
    """An empty gradebook made by nbgrader once per test process. A new gradebook costs nbgrader a
    1.2 s ``alembic heads`` subprocess; a copy of this one is the same database for free."""
    global _EMPTY_GRADEBOOK
    if _EMPTY_GRADEBOOK is None or not _EMPTY_GRADEBOOK.exists():
        import tempfile

        from nbgrader.api import Gradebook

        path = Path(tempfile.mkdtemp(prefix="course-gradebook-")) / "gradebook.db"
        saved = os.environ["PATH"]
        os.environ["PATH"] = with_bin_on_path(dict(os.environ))["PATH"]  # nbgrader runs `alembic` from PATH
        try:
            with Gradebook(f"sqlite:///{path}", course_id=COURSE_ID):
                pass
        finally:
            os.environ["PATH"] = saved
        _EMPTY_GRADEBOOK = path
    return _EMPTY_GRADEBOOK


def make_course_copy(dest: Path, assignments: list[str], new_gradebook: bool = False) -> dict:
    """A minimal course directory (config + solutions of the given weeks) and its environment.

    Its gradebook starts as a copy of an empty one, unless ``new_gradebook`` (then the first
    nbgrader command creates it, as on an instructor's first day)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    if not new_gradebook:
        shutil.copy(_empty_gradebook(), dest / "gradebook.db")
    for a in assignments:
        shutil.copytree(ROOT / "solutions" / a, dest / "solutions" / a)
    env = kernel_env(
        {
            "COURSE_GRADEBOOK": f"sqlite:///{dest / 'gradebook.db'}",
            "COURSE_EXCHANGE": str(dest / "exchange"),
            "COURSE_EXCHANGE_CACHE": str(dest / "exchange-cache"),
        }
    )
    return env


def autograde(course: Path, env: dict, assignment: str, submissions: dict[str, dict[str, object]]) -> dict:
    """Place ``submissions`` (student -> {notebook filename: notebook node or raw text}), run
    ``nbgrader autograde`` and return {student: {grade_id: score}} for the autograded cells."""
    from nbgrader.api import Gradebook

    for student, files in submissions.items():
        d = course / "submitted" / student / assignment
        d.mkdir(parents=True, exist_ok=True)
        (d / "timestamp.txt").write_text("2026-11-25 12:00:00.000000 UTC")
        for name, nb in files.items():
            (d / name).write_text(nb if isinstance(nb, str) else nbformat.writes(nb))
    proc = nbgrader(["autograde", assignment, "--force"], course, env, check=False)
    scores: dict[str, dict[str, float]] = {}
    with Gradebook(env["COURSE_GRADEBOOK"]) as gb:
        for student in submissions:
            try:
                sub = gb.find_submission(assignment, student)
            except Exception:  # noqa: BLE001 - no submission row: report as missing
                scores[student] = {}
                continue
            per = {}
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.auto_score is not None or g.cell.cell_type == "code":
                        per[g.name] = g.score
            scores[student] = per
    scores["_proc"] = proc  # type: ignore[assignment]
    return scores


def stale_learner_files(course: Path, assignment: str) -> list[str]:
    """How the committed ``notebooks/<assignment>`` differs from the release generated in ``course``
    (files missing, extra, or with other content); empty when it is exactly a fresh release."""

    def canonical(path: Path) -> str:
        return (
            json.dumps(json.loads(path.read_text()), sort_keys=True, indent=1)
            if path.suffix == ".ipynb"
            else path.read_text()
        )

    fresh_dir, committed_dir = course / "notebooks" / assignment, ROOT / "notebooks" / assignment
    fresh = {p.relative_to(fresh_dir) for p in fresh_dir.rglob("*") if p.is_file()}
    committed = {
        p.relative_to(committed_dir)
        for p in committed_dir.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts
    }
    problems = [f"missing from notebooks/{assignment}: {p}" for p in sorted(fresh - committed)]
    problems += [f"not in a fresh release: notebooks/{assignment}/{p}" for p in sorted(committed - fresh)]
    problems += [
        f"stale: notebooks/{assignment}/{p}"
        for p in sorted(fresh & committed)
        if canonical(fresh_dir / p) != canonical(committed_dir / p)
    ]
    return problems


def released(course: Path, env: dict, assignment: str) -> dict[str, nbformat.NotebookNode]:
    nbgrader(["generate_assignment", assignment, "--force"], course, env)
    return {
        p.name: nbformat.read(str(p), as_version=4) for p in sorted((course / "notebooks" / assignment).glob("*.ipynb"))
    }
