"""Checks used in the notebooks' test cells.

Every check raises ``AssertionError`` with a sentence that says what was expected, what was
given and, where it helps, where the first difference is and a likely cause. Checks accept
numpy arrays, torch tensors, Python scalars and lists alike.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np


def _to_numpy(x: Any) -> np.ndarray:
    """A numpy view of ``x`` (tensors are detached and moved to the CPU)."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor, without importing torch
        x = x.detach().cpu()
        if str(x.dtype) == "torch.bfloat16":
            x = x.float()
        return x.numpy()
    return np.asarray(x)


def _shape(x: Any) -> tuple:
    return tuple(_to_numpy(x).shape)


def _fmt(x: Any, limit: int = 6) -> str:
    arr = _to_numpy(x)
    if arr.ndim == 0:
        return repr(arr.item())
    flat = arr.ravel()
    body = np.array2string(flat[:limit], precision=6, separator=", ")
    return body if flat.size <= limit else body[:-1] + ", ...]"


def fail(message: str) -> None:
    """Raise the AssertionError a learner sees."""
    raise AssertionError(message)


def check(condition: bool, message: str) -> None:
    """``assert`` with a message that survives ``python -O`` and says what went wrong."""
    if not condition:
        fail(message)


def check_type(value: Any, expected: type | tuple, name: str = "the result") -> None:
    if not isinstance(value, expected):
        names = " or ".join(t.__name__ for t in (expected if isinstance(expected, tuple) else (expected,)))
        fail(f"{name} should be a {names}, got a {type(value).__name__}: {value!r:.80}")


def check_shape(value: Any, expected: tuple, name: str = "the result", hint: str = "") -> None:
    """Check the shape of an array or tensor. ``None`` in ``expected`` matches any size."""
    got = _shape(value)
    expected = tuple(expected)
    ok = len(got) == len(expected) and all(e is None or e == g for e, g in zip(expected, got))
    if not ok:
        msg = f"{name}: expected shape {expected}, got {got}"
        if (
            len(got) == len(expected)
            and sorted(got) == sorted(e for e in expected if e is not None)
            and got != expected
        ):
            msg += " (the same sizes in another order: is something transposed?)"
        elif len(got) == len(expected) + 1 and 1 in got:
            msg += " (an extra dimension of size 1: did you forget to squeeze or to reduce?)"
        elif len(got) + 1 == len(expected):
            msg += " (one dimension missing: did you reduce over an axis you should keep?)"
        fail(msg + (f". {hint}" if hint else ""))


def check_dtype(value: Any, kind: str, name: str = "the result") -> None:
    """Check the dtype family: ``kind`` is 'float', 'int', 'bool' (or an exact dtype name)."""
    dt = _to_numpy(value).dtype
    families = {"float": "f", "int": "iu", "bool": "b"}
    ok = dt.kind in families[kind] if kind in families else str(dt) == kind
    if not ok:
        fail(f"{name}: expected a {kind} dtype, got {dt}")


def check_close(
    value: Any,
    expected: Any,
    name: str = "the result",
    atol: float = 1e-6,
    rtol: float = 1e-5,
    hint: str = "",
) -> None:
    """Check values match within tolerance; on failure report the largest error and where it is."""
    got, want = _to_numpy(value), _to_numpy(expected)
    if got.shape != want.shape:
        check_shape(got, want.shape, name, hint)
    if not np.issubdtype(got.dtype, np.number) and got.dtype != bool:
        fail(f"{name}: expected numbers, got values of type {got.dtype}")
    got64, want64 = got.astype(np.float64), want.astype(np.float64)
    if np.isnan(got64).any() and not np.isnan(want64).any():
        where = tuple(int(i) for i in np.argwhere(np.isnan(got64))[0])
        fail(
            f"{name}: contains NaN (first at index {where}); expected finite values like {_fmt(want)}. "
            "NaN usually comes from log(0), 0/0 or an overflow."
        )
    if not np.allclose(got64, want64, atol=atol, rtol=rtol, equal_nan=True):
        err = np.abs(got64 - want64)
        err = np.where(np.isnan(err), np.inf, err)
        if got.ndim == 0:
            msg = f"{name}: expected {want.item()!r}, got {got.item()!r} (error {err.item():.3g})"
        else:
            idx = np.unravel_index(int(np.argmax(err)), err.shape)
            idx = tuple(int(i) for i in idx)
            n_bad = int((err > atol + rtol * np.abs(want64)).sum())
            msg = (
                f"{name}: {n_bad} of {err.size} values differ; max error {err[idx]:.3g} at index {idx} "
                f"(expected {want64[idx]:.6g}, got {got64[idx]:.6g}). "
                f"Expected {_fmt(want)}, got {_fmt(got)}"
            )
            ratio = np.divide(got64, want64, out=np.full_like(got64, np.nan), where=np.abs(want64) > 1e-12)
            finite = ratio[np.isfinite(ratio)]
            if finite.size and np.allclose(finite, -1.0, atol=1e-6):
                msg += " (every value has the wrong sign)"
            elif finite.size and np.allclose(finite, finite[0], rtol=1e-6) and abs(finite[0]) > 1e-9:
                msg += f" (off by a constant factor {finite[0]:.4g}: a missing or extra mean/scale?)"
        fail(msg + (f". {hint}" if hint else ""))


def check_equal(value: Any, expected: Any, name: str = "the result", hint: str = "") -> None:
    """Exact equality for scalars, strings, lists and integer/bool arrays."""
    if isinstance(expected, (str, bytes, dict, tuple, list, int, bool, type(None))) and not hasattr(value, "shape"):
        if value != expected:
            fail(f"{name}: expected {expected!r:.200}, got {value!r:.200}" + (f". {hint}" if hint else ""))
        return
    got, want = _to_numpy(value), _to_numpy(expected)
    if got.shape != want.shape:
        check_shape(got, want.shape, name, hint)
    if not np.array_equal(got, want):
        bad = np.argwhere(got != want)
        idx = tuple(int(i) for i in bad[0])
        fail(
            f"{name}: {len(bad)} of {got.size} entries differ; first at index {idx} "
            f"(expected {want[idx]!r}, got {got[idx]!r})" + (f". {hint}" if hint else "")
        )


def check_unchanged(fn: Callable, *args: Any, name: str | None = None, **kwargs: Any) -> Any:
    """Call ``fn(*args, **kwargs)`` and check it did not modify any array argument in place.

    Returns what ``fn`` returned.
    """
    before = [copy.deepcopy(_to_numpy(a)) if _is_arraylike(a) else None for a in args]
    result = fn(*args, **kwargs)
    label = name or getattr(fn, "__name__", "the function")
    for i, (a, b) in enumerate(zip(args, before)):
        if b is not None and not np.array_equal(_to_numpy(a), b, equal_nan=True):
            fail(
                f"{label} modified its argument #{i + 1} in place; work on a copy "
                "(e.g. x = x.copy()) so the caller's data is left as it was"
            )
    return result


def _is_arraylike(a: Any) -> bool:
    return isinstance(a, np.ndarray) or (hasattr(a, "detach") and hasattr(a, "shape"))


def check_raises(fn: Callable, exc: type = Exception, name: str = "the call", hint: str = "") -> BaseException:
    """Check that ``fn()`` raises ``exc`` (e.g. a clear error on bad input)."""
    try:
        fn()
    except exc as e:  # noqa: PERF203
        return e
    fail(f"{name} should raise {exc.__name__}, but it returned normally" + (f". {hint}" if hint else ""))
    raise AssertionError  # unreachable; keeps type checkers happy


def quietly(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` with Python warnings silenced, returning what it returns.

    nbgrader scores a graded test cell 0 when it writes anything on stderr, so a test cell calls a
    learner's function through this where correct code may warn harmlessly (``float()`` of a loss
    that requires grad, numpy's copy deprecation for ``np.array(tensor)``); errors still propagate.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def passed(what: str) -> None:
    """The line a test cell prints when the visible checks pass."""
    print(f"✓ {what}: the visible checks pass.")


class ExerciseError(RuntimeError):
    """A later cell failed inside code an exercise asked for: the message says which to revisit."""


class uses_exercises:
    """Run a demonstration or training cell that calls the learner's own answers; if it fails,
    say which exercise to go back to instead of leaving a traceback far from the cause::

        with uses_exercises("train_babygpt (exercise 9)", "lr_at (exercise 8)"):
            history = train_babygpt(model, ...)
    """

    def __init__(self, *exercises: str) -> None:
        self.exercises = exercises

    def __enter__(self) -> uses_exercises:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or not isinstance(exc, Exception) or isinstance(exc, ExerciseError):
            return False
        names = ", ".join(self.exercises)
        if isinstance(exc, NotImplementedError):
            msg = (
                f"this cell needs your answer to {names}, which is not written yet (it still raises "
                "NotImplementedError): write it, run its test cell, then come back"
            )
        else:
            msg = (
                f"this cell runs your code from {names} and stopped with {type(exc).__name__}: {exc}. "
                "The cause is most likely there (a case its visible checks do not try): go back to that "
                "exercise, re-read its contract, run its test cell, then run this cell again"
            )
        raise ExerciseError(msg) from exc
