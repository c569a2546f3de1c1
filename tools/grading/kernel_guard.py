"""Startup code of a grading kernel: it runs before any learner cell (``IPKernelApp.exec_lines``)
and installs ``__course_guard__``, which every autograded test cell calls first (the grading
command prefixes the cells; the notebooks' sources are not changed).

At startup it imports what the notebook's cells import from numpy, torch and helpers (so the
library functions tests compare with are loaded before any learner code) and snapshots them:
every callable and submodule of those modules, the builtins, the class dictionaries of
``torch.Tensor`` and ``torch.nn.Module``, IPython's input and AST transformers and the trace
hooks. Private copies of the ``helpers.checks`` functions are made with their own globals.

``__course_guard__(grade_id, globals())`` then, in the test cell:
1. verifies that everything snapshotted is still the same object (functions: same code too);
2. verifies that the names a test cell uses (the check functions; np, numpy, torch) are bound
   to the genuine objects in the notebook's namespace;
3. on any difference raises AssertionError("GRADING INTEGRITY: ...") naming what was replaced,
   so the test scores 0; otherwise rebinds the check names to the private copies and prints a
   token (an HMAC of the grade id with a key only the grading process and this code know). The
   grading process zeroes a passing test cell without the right token (the guard did not run).

This file is executed with its own globals: nothing of it is in the notebook's namespace except
``__course_guard__`` in builtins. Deliberate introspection of the guard itself (frames, closures,
gc, ctypes) is beyond what a runtime check can stop; the static scan of the learner's cells
(tools/grading/tamper.py) flags it for the instructor.
"""


def _install(key_path, preload):
    import builtins
    import hashlib
    import hmac
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
    classes = []
    torch = sys.modules.get("torch")
    if torch is not None:
        for cls in (getattr(torch, "Tensor", None), getattr(getattr(torch, "nn", None), "Module", None)):
            if isinstance(cls, type):
                classes.append((f"{cls.__module__}.{cls.__qualname__}", cls, entries(vars(cls))))
    bi = [(k, v) for k, v in vars(builtins).items() if k not in skip_builtins]
    ip = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
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

    def problems(ns):
        bad = []
        for n, m, items in snap:
            if sys.modules.get(n) is not m:
                bad.append(f"sys.modules[{n!r}]")
                continue
            d = vars(m)
            for k, v, code, defaults in items:
                w = d.get(k, _MISSING)
                if w is not v or (code is not None and (v.__code__ is not code or v.__defaults__ is not defaults)):
                    bad.append(f"{n}.{k}")
        for n, cls, items in classes:
            d = vars(cls)
            for k, v, code, _defaults in items:
                if d.get(k, _MISSING) is not v or (code is not None and v.__code__ is not code):
                    bad.append(f"{n}.{k}")
        bd = vars(builtins)
        bad += [f"builtins.{k}" for k, v in bi if bd.get(k, _MISSING) is not v]
        for k, v in g_snapshot:
            if g.get(k, _MISSING) is not v:
                bad.append(f"helpers.checks (private copy) {k}")
        if ip is not None:
            for attr, before in hooks.items():
                if attr.startswith("shell."):
                    if getattr(type(ip), attr[6:], None) is not before or attr[6:] in vars(ip):
                        bad.append(f"IPython {attr}")
                elif list(getattr(ip, attr, [])) != before:
                    bad.append(f"IPython {attr}")
        if (sys.gettrace(), sys.getprofile()) != trace:
            bad.append("sys.settrace/sys.setprofile")
        for k, f in genuine.items():
            if k in ns and ns[k] is not f and ns[k] is not private[k]:
                bad.append(f"{k} (rebound in the notebook)")
        for k, modname in aliases.items():
            if (
                k in ns
                and modname in sys.modules
                and ns[k] is not sys.modules[modname]
                and isinstance(sys.modules[modname], types.ModuleType)
                and modname in modules
            ):
                bad.append(f"{k} (rebound in the notebook)")
        return bad

    def __course_guard__(grade_id, ns):
        bad = problems(ns)
        if bad:
            shown = ", ".join(dict.fromkeys(bad))
            raise AssertionError(
                f"GRADING INTEGRITY: this test cannot be trusted, because the notebook replaced what the "
                f"tests use: {shown[:600]}. This test scores 0 and the instructor is told."
            )
        ns.update(private)
        token = hmac.new(key, str(grade_id).encode(), hashlib.sha256).hexdigest()[:24]
        _print(f"[grading guard {token}]", flush=True)

    builtins.__course_guard__ = __course_guard__


_MISSING = object()
if "_KEY_PATH" in globals():
    _install(globals()["_KEY_PATH"], globals()["_PRELOAD"])
