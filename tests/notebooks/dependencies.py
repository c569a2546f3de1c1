"""Which test cells of a notebook can see a change to an exercise cell, found by reading the code.

The mutant test (``test_solutions.py::test_mutants``) redefines one exercise in the live kernel
of the executed notebook, re-runs its test cell, then the test cells below it. A later test cell
can only change its result if, when it runs, it looks up a name whose meaning has changed:

- a name the exercise (or its replacement) binds, or one its re-run test cells bind;
- a function or class of the notebook whose body looks such a name up (it runs later);
- a value made before the change that holds such code: an object of a notebook class, a
  closure, a function stored in a dict. A value that is only data (``X = make_xor(...)``, an
  array) was computed once and stays what it was.

``cells_reaching`` follows these to a fixed point, with Python's own scoping (``symtable``) and
statement by statement inside a test cell (a name the cell rebinds first is its own). It
over-approximates; what it cannot see is a lookup of the notebook's namespace by string
(``globals()``, ``eval``), and a cell that does that always counts as reaching.
``tests/unit/test_mutant_dependencies.py`` tests it, and checks that it finds every dependency
the mutant catalogue declares (``also_fails``).
"""

from __future__ import annotations

import ast
import re
import symtable
from functools import lru_cache

_MAGIC = re.compile(r"^\s*[%!].*$", re.MULTILINE)  # IPython magics and shell lines are not Python
# ways to reach the notebook's variables without naming them (getattr on a module or an object
# is not one: it looks into that object, whose code is covered by the names it was reached by)
_DYNAMIC = ("globals(", "locals(", "vars()", "eval(", "exec(", "sys.modules", "import __main__", "get_ipython")


# Every mutant of a notebook analyses the same cells again: the parse of a source and the names a
# node reads are cached (the trees are only read, and a node is its own key).
@lru_cache(maxsize=4096)
def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(_MAGIC.sub("", source))
    except SyntaxError:
        return None


@lru_cache(maxsize=65536)
def _mentioned(node: ast.AST) -> frozenset[str]:
    """Every global name the code reads when it runs (a call, an attribute base, a decorator, a
    default, a name a function body looks up): Python's own scoping (``symtable``), so a
    function's parameters and locals are not taken for the notebook's variables of that name."""
    try:
        top = symtable.symtable(ast.unparse(node), "<cell>", "exec")
    except SyntaxError:
        return frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
    names = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
    stack = list(top.get_children())
    while stack:
        table = stack.pop()
        stack.extend(table.get_children())
        names.update(s.get_name() for s in table.get_symbols() if s.is_referenced() and s.is_global())
    return frozenset(names)


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _targets(node: ast.AST) -> set[str]:
    """Names a statement binds or changes in place: ``x = ...``, ``x.attr = ...``, ``x[i] += ...``,
    ``x.append(...)`` (the object ``x`` may be different afterwards)."""
    out = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for n in ast.walk(node):
        if isinstance(n, (ast.Attribute, ast.Subscript)) and isinstance(n.ctx, ast.Store):
            out.add(_root(n))
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            out.add(_root(n.func))
    out.discard(None)
    return out


def definitions(source: str) -> dict[str, set[str]]:
    """Top-level names a cell binds, each with the global names its binding reads."""
    tree = _parse(source)
    out: dict[str, set[str]] = {}
    if tree is None:
        return out
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.setdefault(stmt.name, set()).update(_mentioned(stmt))
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                out.setdefault((alias.asname or alias.name).split(".")[0], set())
        else:  # assignments, loops, with-blocks, calls that change an object in place, ...
            mentioned = _mentioned(stmt)
            for name in _targets(stmt):
                out.setdefault(name, set()).update(mentioned - {name})
    return out


def _only_called(stmt: ast.AST) -> set[str]:
    """Names the statement uses only as the function of a call made right away (not inside a
    lambda or a nested def, which run later, and never passed or stored as a value)."""
    called, other = set(), set()

    def visit(node: ast.AST, deferred: bool) -> None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not deferred:
            called.add(node.func.id)
            children = [*node.args, *node.keywords]
        else:
            if isinstance(node, ast.Name):
                other.add(node.id)
            children = list(ast.iter_child_nodes(node))
        later = deferred or isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for child in children:
            visit(child, later)

    visit(stmt, False)
    return called - other


def code_carriers(notebook_sources: list[str]) -> set[str]:
    """Functions and classes whose call can return code that runs later: a class (its instance's
    methods), a function with a nested def or lambda (a closure), or one that reads such a name."""
    bodies: dict[str, set[str]] = {}
    carriers: set[str] = set()
    for source in notebook_sources:
        tree = _parse(source)
        for stmt in tree.body if tree else []:
            if isinstance(stmt, ast.ClassDef):
                carriers.add(stmt.name)
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                bodies.setdefault(stmt.name, set()).update(_mentioned(stmt))
                nested = (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
                if any(isinstance(n, nested) for n in ast.walk(stmt) if n is not stmt):
                    carriers.add(stmt.name)
    return _closure(carriers, bodies)  # and the functions that read one, to a fixed point


def _imported(source: str) -> set[str]:
    tree = _parse(source)
    return {
        (alias.asname or alias.name).split(".")[0]
        for stmt in (tree.body if tree else [])
        if isinstance(stmt, (ast.Import, ast.ImportFrom))
        for alias in stmt.names
    }


def uses_dynamic_lookup(source: str) -> bool:
    return any(token in source for token in _DYNAMIC)


def cells_reaching(
    changed_sources: list[str], rerun_first: list[str], candidates: list[tuple[str, str]], run_once: list[str]
) -> set[str]:
    """Which ``candidates`` (``(grade id, source)``, in the order they would be re-run) can reach
    a name that ``changed_sources`` (the exercise's solution and its replacement) bind, after
    ``rerun_first`` (the exercise's own test cell) has run again. ``run_once`` are the other code
    cells, whose values were computed before the change. A candidate that reaches is re-run, so
    the names it binds count as changed for the candidates after it. Every candidate, when a
    changed source looks the notebook's names up by string."""
    if any(uses_dynamic_lookup(s) or _parse(s) is None for s in changed_sources):
        return {gid for gid, _ in candidates}
    carriers = frozenset(code_carriers([*run_once, *rerun_first, *(src for _, src in candidates)]))
    graph = _run_once_graph([*changed_sources, *run_once], carriers)
    # a module's name stands for the module, whose code is not the notebook's: calling into it
    # (``np.random.seed(0)``) is not a way to reach the exercise
    # (re-importing a module binds the same object again: not a change either)
    modules = {name for source in [*run_once, *rerun_first, *changed_sources] for name in _imported(source)}
    modules |= {name for _, source in candidates for name in _imported(source)}
    for name in modules:
        graph[name] = set()
    changed = {name for s in [*changed_sources, *rerun_first] for name in definitions(s)} - modules
    reaches = _closure(changed, graph)
    reached = set()
    for gid, source in candidates:
        if _cell_reaches(source, reaches):
            reached.add(gid)
            reaches = _closure(reaches | (set(definitions(source)) - modules), graph)
    return reached


def _run_once_graph(run_once: list[str], carriers: frozenset[str]) -> dict[str, set[str]]:
    """Dependencies of the names bound by cells that are not run again. A ``def``/``class``
    looks its globals up each time it runs: it depends on all of them. A value was computed
    once, so a later change can only reach it through code it holds (an object of a notebook
    class, a closure, a function stored as a value): it depends on the code names it carries,
    not on the data it was computed from."""
    graph: dict[str, set[str]] = {}
    values: list[tuple[set[str], set[str]]] = []  # (names bound, names it may hold as code)
    for source in run_once:
        tree = _parse(source)
        for stmt in tree.body if tree else []:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                graph.setdefault(stmt.name, set()).update(_mentioned(stmt))
            elif not isinstance(stmt, (ast.Import, ast.ImportFrom)):
                values.append((_targets(stmt), _mentioned(stmt) - (_only_called(stmt) - carriers)))
    code = set(graph)  # names that can hold code: the notebook's functions and classes, and
    grew = True  # values that hold one of them, to a fixed point
    while grew:
        grew = False
        for targets, held in values:
            if held & code and not targets <= code:
                code |= targets
                grew = True
    for targets, held in values:
        for name in targets:
            graph.setdefault(name, set()).update((held & code) - {name})
    return graph


def _closure(changed: set[str], graph: dict[str, set[str]]) -> set[str]:
    """Every name whose binding depends on a changed one, to a fixed point."""
    reaches = set(changed)
    grew = True
    while grew:
        grew = False
        for name, deps in graph.items():
            if name not in reaches and deps & reaches:
                reaches.add(name)
                grew = True
    return reaches


def _cell_reaches(source: str, reaches: set[str]) -> bool:
    """Statement by statement: does the cell read a reaching name? A name the cell has rebound
    itself no longer stands for the notebook's binding of it (only up to where the rebinding is
    certain: after both branches of an ``if``, inside the loop it is the variable of, ...)."""
    tree = _parse(source)
    if tree is None or uses_dynamic_lookup(source):
        return True
    return _block_reaches(tree.body, set(), reaches)[0]


def _names_stored(node: ast.AST | None) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)} if node else set()


def _block_reaches(stmts: list[ast.stmt], own: set[str], reaches: set[str]) -> tuple[bool, set[str]]:
    """(does the block read a reaching name that it has not rebound, the names rebound after it)."""

    def hit(node: ast.AST | None) -> bool:
        return node is not None and any(n in reaches and n not in own for n in _mentioned(node))

    own = set(own)
    for stmt in stmts:
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            if hit(stmt.iter):
                return True, own
            if _block_reaches(stmt.body, own | _names_stored(stmt.target), reaches)[0]:
                return True, own
            if _block_reaches(stmt.orelse, own, reaches)[0]:
                return True, own
        elif isinstance(stmt, ast.While):
            if (
                hit(stmt.test)
                or _block_reaches(stmt.body, own, reaches)[0]
                or _block_reaches(stmt.orelse, own, reaches)[0]
            ):
                return True, own
        elif isinstance(stmt, ast.If):
            if hit(stmt.test):
                return True, own
            hit_a, own_a = _block_reaches(stmt.body, own, reaches)
            hit_b, own_b = _block_reaches(stmt.orelse, own, reaches)
            if hit_a or hit_b:
                return True, own
            own = own_a & own_b
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            if any(hit(item.context_expr) for item in stmt.items):
                return True, own
            bound = set().union(*(_names_stored(item.optional_vars) for item in stmt.items))
            found, own = _block_reaches(stmt.body, own | bound, reaches)
            if found:
                return True, own
        elif isinstance(stmt, ast.Try):
            found, _ = _block_reaches(stmt.body + stmt.orelse, own, reaches)
            if found or _block_reaches(stmt.finalbody, own, reaches)[0]:
                return True, own
            for handler in stmt.handlers:
                if hit(handler.type) or _block_reaches(handler.body, own | {handler.name} - {None}, reaches)[0]:
                    return True, own
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if hit(stmt):  # its decorators and defaults now, its body whenever it is called
                return True, own
            own.add(stmt.name)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            own.update((alias.asname or alias.name).split(".")[0] for alias in stmt.names)
        else:
            if hit(stmt):
                return True, own
            own |= _names_stored(stmt)
    return False, own
