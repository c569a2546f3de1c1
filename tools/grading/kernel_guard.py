"""Startup code of a grading kernel: it runs before any learner cell (``IPKernelApp.exec_lines``)
and installs ``__course_guard__``, which every autograded test cell calls first (the grading
command prefixes the cells; the notebooks' sources are not changed).

At startup it imports what the notebook's cells import from numpy, torch and helpers (so the
library functions tests compare with are loaded before any learner code) and snapshots them:
every callable and submodule of those modules, the builtins, the class dictionaries of
``torch.Tensor`` and ``torch.nn.Module``, IPython's input and AST transformers and the trace
hooks. Private copies of the ``helpers.checks`` functions are made with their own globals.

It also watches who changes those modules: each snapshotted module's class is swapped for a
subclass whose ``__setattr__``/``__delattr__`` note the code that made the change (its file and
line, and the nearest notebook cell on the call stack). Libraries initialise themselves lazily —
the first ``optimizer.step()`` imports ``torch._dynamo``, which rebinds ``torch.manual_seed`` to a
wrapped copy — and such a change, made by code inside the package it changes (or by Python's
import machinery), is the library's own: the guard takes the new object as the one to watch from
then on.

``__course_guard__(grade_id, globals())`` then, in the test cell:
1. verifies that everything snapshotted is still the same object (functions: same code too);
2. verifies that the names a test cell uses (the check functions; np, numpy, torch) are bound
   to the genuine objects in the notebook's namespace;
3. a difference that a notebook cell made (the change's call stack passes through a cell, or a
   grading name was rebound in the notebook) raises AssertionError("GRADING INTEGRITY: ...")
   naming what was replaced and the cell line that did it (``In[N] line L``), so the test scores
   0; a difference no cell can be held responsible for (no assignment the guard saw, or one made
   by other code with no cell on the way) does not stop the test: it prints a *review* token
   with what changed, and the grading process decides (tamper.py: the static scan as evidence,
   else the test's own result stands and the instructor is asked to review it);
4. otherwise rebinds the check names to the private copies and prints a token (an HMAC of the
   grade id with a key only the grading process and this code know). The grading process zeroes
   a passing test cell without a valid token (the guard did not run).

This file is executed with its own globals: nothing of it is in the notebook's namespace except
``__course_guard__`` in builtins. Deliberate introspection of the guard itself (frames, closures,
gc, ctypes) is beyond what a runtime check can stop; the static scan of the learner's cells
(tools/grading/tamper.py) flags it for the instructor.
"""


def _install(key_path, preload):
    import builtins
    import hashlib
    import hmac
    import linecache
    import os
    import sys
    import types

    with open(key_path, "rb") as f:
        key = f.read()
    os.unlink(key_path)
    for name in preload:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - the notebook will report its own import errors
            pass

    import helpers.checks as checks

    roots = ("numpy", "torch", "helpers")
    skip_builtins = {
        "_",
        "__",
        "___",
        "input",
        "raw_input",
        "getpass",
        "display",
        "get_ipython",
        "exit",
        "quit",
        "help",
        "copyright",
        "credits",
        "license",
        "__course_guard__",
    }
    fn_types = (types.FunctionType,)

    def watched(v):
        return callable(v) or isinstance(v, types.ModuleType)

    def entries(d):
        out = []
        for k, v in list(d.items()):
            if watched(v):
                code = v.__code__ if isinstance(v, fn_types) else None
                out.append((k, v, code, getattr(v, "__defaults__", None) if code else None))
        return out

    modules = {
        n: m for n, m in list(sys.modules.items()) if isinstance(m, types.ModuleType) and n.split(".")[0] in roots
    }
    snap = [(n, m, entries(vars(m))) for n, m in modules.items()]

    # --- who changes a watched module: the library itself, or a notebook cell?
    ip = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
    lib_dirs = []
    for r in roots:
        f = getattr(sys.modules.get(r), "__file__", None)
        if f:
            lib_dirs.append(os.path.dirname(os.path.realpath(f)) + os.sep)
    lib_dirs = tuple(lib_dirs)
    machinery = ("<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>")
    real_paths = {}

    def library_file(fn):
        if fn in machinery:
            return True
        if fn not in real_paths:
            real_paths[fn] = os.path.realpath(fn) if fn and not fn.startswith("<") else fn
        return bool(lib_dirs) and real_paths[fn].startswith(lib_dirs)

    def cell_number(fn):
        try:
            return ip.compile._filename_map.get(fn) if ip is not None else None
        except Exception:  # noqa: BLE001
            return None

    writes = {}  # (id(module), name) -> (value, writer file, line, by the library, (cell, line, source) or None)

    def note(module, name, value):
        f = sys._getframe(2)  # 0: note, 1: __setattr__, 2: the code that changes the module
        writer, line = f.f_code.co_filename, f.f_lineno
        cell, g, depth = None, f, 0
        while g is not None and depth < 64:
            n = cell_number(g.f_code.co_filename)
            if n is not None:
                cell = (n, g.f_lineno, (linecache.getline(g.f_code.co_filename, g.f_lineno) or "").strip())
                break
            g, depth = g.f_back, depth + 1
        by_library = cell_number(writer) is None and library_file(writer)
        writes[(id(module), name)] = (value, writer, line, by_library, cell)

    watchers = {}

    def watch(m):
        t = type(m)
        if t not in watchers:

            def __setattr__(self, k, v, _t=t):
                note(self, k, v)
                _t.__setattr__(self, k, v)

            def __delattr__(self, k, _t=t):
                note(self, k, _MISSING)
                _t.__delattr__(self, k)

            try:
                watchers[t] = type(
                    t.__name__,
                    (t,),
                    {
                        "__setattr__": __setattr__,
                        "__delattr__": __delattr__,
                        "__slots__": (),
                        "__module__": t.__module__,
                    },
                )
            except Exception:  # noqa: BLE001
                watchers[t] = None
        sub = watchers[t]
        if sub is not None:
            try:
                m.__class__ = sub
            except Exception:  # noqa: BLE001 - a module class that refuses it (torch's config modules)
                pass

    for _n, m, _items in snap:
        watch(m)
    classes = []
    torch = sys.modules.get("torch")
    if torch is not None:
        for cls in (getattr(torch, "Tensor", None), getattr(getattr(torch, "nn", None), "Module", None)):
            if isinstance(cls, type):
                classes.append((f"{cls.__module__}.{cls.__qualname__}", cls, entries(vars(cls))))
    bi = [(k, v) for k, v in vars(builtins).items() if k not in skip_builtins]
    hooks = {}
    if ip is not None:
        for attr in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
            hooks[attr] = list(getattr(ip, attr, []))
        for attr in ("run_cell", "run_cell_async", "transform_cell", "run_ast_nodes", "run_code"):
            hooks["shell." + attr] = getattr(type(ip), attr, None)
    trace = (sys.gettrace(), sys.getprofile())
    _print = builtins.print

    # private copies of the check functions, with private globals
    public = [
        k
        for k in dir(checks)
        if not k.startswith("_")
        and isinstance(getattr(checks, k), fn_types)
        and getattr(checks, k).__module__ == checks.__name__
    ]
    g = dict(vars(checks))
    for k, v in list(g.items()):
        if isinstance(v, fn_types) and v.__module__ == checks.__name__:
            f = types.FunctionType(v.__code__, g, v.__name__, v.__defaults__, v.__closure__)
            f.__kwdefaults__, f.__doc__, f.__qualname__ = v.__kwdefaults__, v.__doc__, v.__qualname__
            g[k] = f
    private = {k: g[k] for k in public}
    genuine = {k: getattr(checks, k) for k in public}
    g_snapshot = list(g.items())
    aliases = {"np": "numpy", "numpy": "numpy", "torch": "torch"}

    def fn_parts(v):
        return (v.__code__, v.__defaults__) if isinstance(v, fn_types) else (None, None)

    def where(cell):
        n, line, src = cell
        return f"set by In[{n}] line {line}: `{src[:160]}`"

    def problems(ns):
        """[(what changed, evidence)]: evidence names the notebook line responsible, or is None
        when no cell can be held responsible (then the test runs and the grader decides)."""
        bad = []
        for n, m, items in snap:
            if sys.modules.get(n) is not m:
                bad.append((f"sys.modules[{n!r}]", None))
                continue
            d = vars(m)
            for i, (k, v, code, defaults) in enumerate(items):
                w = d.get(k, _MISSING)
                if w is v and (code is None or (v.__code__ is code and v.__defaults__ is defaults)):
                    continue
                rec = writes.get((id(m), k))
                if rec is not None and rec[0] is w and w is not v:
                    _value, writer, line, by_library, cell = rec
                    if by_library:  # the library's own (lazy) initialisation: watch the new object
                        items[i] = (k, w, *fn_parts(w))
                        continue
                    evidence = where(cell) if cell else None
                    bad.append((f"{n}.{k}" + ("" if cell else f" (changed by {writer}:{line})"), evidence))
                else:
                    bad.append((f"{n}.{k}", None))
        for n, cls, items in classes:
            d = vars(cls)
            for k, v, code, _defaults in items:
                if d.get(k, _MISSING) is not v or (code is not None and v.__code__ is not code):
                    bad.append((f"{n}.{k}", None))
        bd = vars(builtins)
        bad += [(f"builtins.{k}", None) for k, v in bi if bd.get(k, _MISSING) is not v]
        for k, v in g_snapshot:
            if g.get(k, _MISSING) is not v:
                bad.append((f"helpers.checks (private copy) {k}", None))
        if ip is not None:
            for attr, before in hooks.items():
                if attr.startswith("shell."):
                    if getattr(type(ip), attr[6:], None) is not before or attr[6:] in vars(ip):
                        bad.append((f"IPython {attr}", None))
                elif list(getattr(ip, attr, [])) != before:
                    bad.append((f"IPython {attr}", None))
        if (sys.gettrace(), sys.getprofile()) != trace:
            bad.append(("sys.settrace/sys.setprofile", None))
        # only notebook code binds names in the notebook's own namespace
        for k, f in genuine.items():
            if k in ns and ns[k] is not f and ns[k] is not private[k]:
                bad.append((f"{k} (rebound in the notebook)", "a notebook cell bound this name"))
        for k, modname in aliases.items():
            if (
                k in ns
                and modname in sys.modules
                and ns[k] is not sys.modules[modname]
                and isinstance(sys.modules[modname], types.ModuleType)
                and modname in modules
            ):
                bad.append((f"{k} (rebound in the notebook)", "a notebook cell bound this name"))
        return bad

    def describe(bad):
        out = dict.fromkeys(what + (f" [{ev}]" if ev else "") for what, ev in bad)
        return ", ".join(out)[:900]

    def __course_guard__(grade_id, ns):
        bad = problems(ns)
        if any(ev for _what, ev in bad):
            raise AssertionError(
                f"GRADING INTEGRITY: this test cannot be trusted, because the notebook replaced what the "
                f"tests use: {describe(bad)}. This test scores 0 and the instructor is told."
            )
        ns.update(private)
        if bad:  # changed, but no notebook line did it: run the test; the grader decides
            token = hmac.new(key, ("review:" + str(grade_id)).encode(), hashlib.sha256).hexdigest()[:24]
            _print(f"[grading guard review {token}] {describe(bad)}", flush=True)
            return
        token = hmac.new(key, str(grade_id).encode(), hashlib.sha256).hexdigest()[:24]
        _print(f"[grading guard {token}]", flush=True)

    builtins.__course_guard__ = __course_guard__


_MISSING = object()
if "_KEY_PATH" in globals():
    _install(globals()["_KEY_PATH"], globals()["_PRELOAD"])
