"""The tamper guard: tests that a learner's cells cannot switch off.

Two parts, both applied by the grading command at grading time (the notebooks' sources are not
changed, and JupyterLab or nbval see nothing of it):

- at run time, ``GuardTestCells`` (before nbgrader's Execute) puts one line in front of every
  autograded test cell: ``__course_guard__("<grade id>", globals())``. The kernel installed that
  function at startup, before any learner cell (kernel_guard.py, started by kernel.py): it checks
  that the check functions, numpy, torch, helpers, builtins and IPython's cell machinery are the
  objects snapshotted at startup, fails the cell (0 points, "GRADING INTEGRITY: ...") if not, and
  otherwise binds private copies of the check functions and prints a token. ``VerifyGuardTokens``
  (after Execute) takes the line and the token out again, and fails a test cell that passed
  without the right token (the guard was removed or replaced). The report flags those cells.
- statically, ``scan_notebook`` reads the learner's cells (AST) and flags, naming the cell and the
  name: assignments to grading names, attribute assignments on helpers.checks / numpy / torch /
  builtins, ``sys.modules`` writes, ``builtins``, IPython hooks, trace hooks and introspection
  that reaches into the guard (frames, closures, gc, ctypes).
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import os
import secrets

from tools.notebook_markers import grade_id, is_locked, is_test_cell, source_of

INTEGRITY_ERROR = "GRADING INTEGRITY:"
REVIEW_NOTE = "GRADING REVIEW:"
TOKEN_PREFIX = "[grading guard "
REVIEW_PREFIX = "[grading guard review "
GUARD_CALL = "__course_guard__({gid!r}, globals())"

# What the kernel imports before any learner cell (GuardTestCells fills it from the notebook).
PRELOAD: list[str] = []
_KEY: dict[int, bytes] = {}


def guard_key() -> bytes:
    """This process's secret key (one per grading process; children of a fork get a new one)."""
    pid = os.getpid()
    if pid not in _KEY:
        _KEY.clear()
        _KEY[pid] = secrets.token_bytes(32)
    return _KEY[pid]


def token(gid: str) -> str:
    return hmac.new(guard_key(), str(gid).encode(), hashlib.sha256).hexdigest()[:24]


def review_token(gid: str) -> str:
    return hmac.new(guard_key(), ("review:" + str(gid)).encode(), hashlib.sha256).hexdigest()[:24]


GRADING_NAMES = {
    "check",
    "check_equal",
    "check_close",
    "check_shape",
    "check_dtype",
    "check_unchanged",
    "check_raises",
    "check_type",
    "passed",
    "fail",
    "np",
    "numpy",
    "torch",
    "__course_guard__",
}
PATCHED_MODULES = {
    "numpy",
    "np",
    "torch",
    "nn",
    "F",
    "helpers",
    "checks",
    "builtins",
    "__builtins__",
    "sys",
    "IPython",
    "math",
}
SUSPECT_CALLS = {
    "setattr",
    "delattr",
    "settrace",
    "setprofile",
    "_getframe",
    "get_objects",
    "get_referrers",
    "register_transformer",
}
SUSPECT_ATTRS = {
    "__closure__",
    "cell_contents",
    "__code__",
    "__globals__",
    "f_globals",
    "f_locals",
    "f_back",
    "gi_frame",
    "tb_frame",
    "__builtins__",
    "input_transformers_cleanup",
    "input_transformers_post",
    "ast_transformers",
    "meta_path",
    "path_hooks",
    "__course_guard__",
}
SUSPECT_IMPORTS = {"builtins", "ctypes", "gc", "inspect", "_thread", "threading"}


def imported_modules(nb) -> list[str]:
    """Modules (of numpy, torch and helpers) imported by any cell: the kernel imports them first."""
    out = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        try:
            tree = ast.parse(_python(source_of(c)))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            out += [n for n in names if n.split(".")[0] in ("numpy", "torch", "helpers")]
    return list(dict.fromkeys(["numpy", "helpers.checks", *out]))


def _python(src: str) -> str:
    """Cell source without IPython magics and shell escapes (which ast cannot read)."""
    return "\n".join("" if l.lstrip().startswith(("%", "!")) else l for l in src.splitlines())


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Subscript):
        parts.append(_dotted(node.value) + "[...]")
    return ".".join(reversed(parts))


def scan_source(src: str) -> list[str]:
    """What in one cell of learner code touches the grading machinery."""
    try:
        tree = ast.parse(_python(src))
    except SyntaxError:
        return []
    found: list[tuple[int, str]] = []

    def target_names(t):
        if isinstance(t, ast.Name):
            yield t
        elif isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                yield from target_names(e)
        elif isinstance(t, ast.Starred):
            yield from target_names(t.value)

    patched = set(PATCHED_MODULES)
    for node in ast.walk(tree):  # local names of the modules a test relies on: import numpy as xp
        if isinstance(node, ast.Import):
            patched.update(
                a.asname
                for a in node.names
                if a.asname and a.name.split(".")[0] in ("numpy", "torch", "helpers", "builtins", "sys")
            )
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("numpy", "torch", "helpers"):
            patched.update(a.asname or a.name for a in node.names if a.name in ("checks", "testing", "nn", "linalg"))
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.With)):
            targets = [node.target] if hasattr(node, "target") else []
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for t in targets:
            for n in target_names(t):
                if n.id in GRADING_NAMES:
                    found.append((node.lineno, f"rebinds {n.id}"))
            if isinstance(t, (ast.Attribute, ast.Subscript)):
                d = _dotted(t)
                root = d.split(".")[0].split("[")[0]
                if root in patched or "sys.modules" in d:
                    found.append((node.lineno, f"assigns {d}"))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in GRADING_NAMES:
            found.append((node.lineno, f"defines {node.name}"))
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                bound = a.asname or a.name.split(".")[0]
                mod = a.name if isinstance(node, ast.Import) else f"{node.module}.{a.name}"
                if (
                    isinstance(node, ast.ImportFrom)
                    and bound in GRADING_NAMES
                    and not (node.module or "").startswith(("helpers.checks", "numpy", "torch"))
                ):
                    found.append((node.lineno, f"rebinds {bound} (from {node.module})"))
                if (
                    isinstance(node, ast.Import)
                    and bound in GRADING_NAMES
                    and a.asname
                    and {"np": "numpy", "numpy": "numpy", "torch": "torch"}.get(bound, a.name) != a.name
                ):
                    found.append((node.lineno, f"imports {a.name} as {bound}"))
                top = (
                    (node.module or a.name).split(".")[0] if isinstance(node, ast.ImportFrom) else a.name.split(".")[0]
                )
                if top in SUSPECT_IMPORTS:
                    found.append((node.lineno, f"imports {mod if isinstance(node, ast.ImportFrom) else a.name}"))
        if isinstance(node, ast.Call):
            f = _dotted(node.func)
            last = f.rsplit(".", 1)[-1]
            if last in SUSPECT_CALLS:
                found.append((node.lineno, f"calls {f}"))
            if last in ("globals", "vars") and not node.args:
                found.append((node.lineno, f"calls {f}()"))
            if isinstance(node.func, ast.Name) and last in ("exec", "eval", "__import__"):
                found.append((node.lineno, f"calls {f}"))
            if f.endswith("events.register") or f.endswith("register_magic_function"):
                found.append((node.lineno, f"calls {f}"))
        if isinstance(node, ast.Attribute) and node.attr in SUSPECT_ATTRS:
            found.append((node.lineno, f"uses .{node.attr}"))
        if isinstance(node, ast.Subscript) and _dotted(node.value) in ("sys.modules", "__builtins__"):
            if isinstance(getattr(node, "ctx", None), (ast.Store, ast.Del)):
                found.append((node.lineno, f"writes {_dotted(node.value)}[...]"))
    return list(dict.fromkeys(f"line {n}: {what}" for n, what in sorted(found, key=lambda x: x[0])))


def scan_notebook(nb, released=None) -> list[str]:
    """Flags for every cell of learner code in ``nb`` (cells nbgrader restores are skipped)."""
    locked = {grade_id(c) for c in (released.cells if released is not None else []) if is_locked(c)}
    flags = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        gid = grade_id(c)
        if gid in locked or (released is None and (is_locked(c) or is_test_cell(c))):
            continue
        for what in scan_source(source_of(c)):
            flags.append(f"cell {i}{' (' + gid + ')' if gid else ''} {what}")
    return flags


def guard_preprocessors():
    """(GuardTestCells, VerifyGuardTokens): nbgrader preprocessors for before and after Execute."""
    from nbgrader.preprocessors import NbGraderPreprocessor

    class GuardTestCells(NbGraderPreprocessor):
        """Start every autograded test cell with the guard call; note what the kernel preloads."""

        def preprocess(self, nb, resources):
            PRELOAD[:] = imported_modules(nb)
            return super().preprocess(nb, resources)

        def preprocess_cell(self, cell, resources, index):
            if is_test_cell(cell):
                cell.source = GUARD_CALL.format(gid=grade_id(cell)) + "\n" + source_of(cell)
            return cell, resources

    class VerifyGuardTokens(NbGraderPreprocessor):
        """Take the guard line and its token out; a test cell that passed without a valid token
        fails. A *review* token (something the tests use had changed, but no notebook line did
        it) is decided here: if the static scan finds learner code that touches the grading
        machinery, that is the evidence and the test scores 0; otherwise the test's own result
        stands and a note asks the instructor to review it (the report lists it)."""

        def preprocess(self, nb, resources):
            self._scan = None
            self._nb, self._resources = nb, resources
            return super().preprocess(nb, resources)

        def _static_flags(self) -> list[str]:
            if self._scan is None:
                info = self._resources.get("nbgrader", {})
                released = None
                try:
                    import nbformat

                    path = os.path.join("notebooks", info.get("assignment", ""), info.get("notebook", "") + ".ipynb")
                    if os.path.isfile(path):
                        released = nbformat.read(path, as_version=4)
                except Exception:  # noqa: BLE001 - without it every unlocked cell is scanned
                    released = None
                self._scan = scan_notebook(self._nb, released)
            return self._scan

        def preprocess_cell(self, cell, resources, index):
            if not is_test_cell(cell):
                return cell, resources
            import nbformat

            gid = grade_id(cell)
            line = GUARD_CALL.format(gid=gid) + "\n"
            src = source_of(cell)
            if src.startswith(line):
                cell.source = src[len(line) :]
            want, want_review = f"{TOKEN_PREFIX}{token(gid)}]", f"{REVIEW_PREFIX}{review_token(gid)}]"
            seen, review, outputs = False, None, []
            for o in cell.get("outputs", []):
                if o.get("output_type") == "stream" and TOKEN_PREFIX in o.get("text", ""):
                    text = o["text"] if isinstance(o["text"], str) else "".join(o["text"])
                    keep = []
                    for l in text.splitlines(keepends=True):
                        s = l.strip()
                        if s.startswith(TOKEN_PREFIX):
                            seen = seen or s == want
                            if s.startswith(want_review):
                                seen, review = True, s[len(want_review) :].strip()
                        else:
                            keep.append(l)
                    o["text"] = "".join(keep)
                    if not o["text"]:
                        continue
                outputs.append(o)
            failed = any(o.get("output_type") == "error" for o in outputs)
            if not failed and not seen:
                outputs.append(
                    nbformat.v4.new_output(
                        "error",
                        ename="AssertionError",
                        evalue=(
                            f"{INTEGRITY_ERROR} the grading guard did not run in this test cell (the notebook "
                            "changed how cells are run); this test scores 0 and the instructor is told."
                        ),
                        traceback=[],
                    )
                )
            elif review is not None:
                flags = self._static_flags()
                if flags:
                    outputs = [o for o in outputs if o.get("output_type") != "error"]
                    outputs.append(
                        nbformat.v4.new_output(
                            "error",
                            ename="AssertionError",
                            evalue=(
                                f"{INTEGRITY_ERROR} this test cannot be trusted: what the tests use had changed "
                                f"({review}), and this notebook's code touches the grading machinery: "
                                f"{'; '.join(flags)[:600]}. This test scores 0 and the instructor is told."
                            ),
                            traceback=[],
                        )
                    )
                else:
                    outputs.append(
                        nbformat.v4.new_output(
                            "stream",
                            name="stdout",
                            text=(
                                f"{REVIEW_NOTE} while this test ran, something the tests use had changed "
                                f"({review}), and no line of this notebook did it (most likely a library "
                                "initialising itself). The test's own result stands; your instructor reviews it.\n"
                            ),
                        )
                    )
            cell.outputs = outputs
            return cell, resources

    return GuardTestCells, VerifyGuardTokens
