import numpy as np
import pytest
import torch

from helpers import checks as g


def msg(fn, *a, **k):
    with pytest.raises(AssertionError) as e:
        fn(*a, **k)
    return str(e.value)


def test_check_shape_messages():
    g.check_shape(np.zeros((4, 3)), (4, 3))
    g.check_shape(torch.zeros(2, 5), (2, None))
    m = msg(g.check_shape, np.zeros((3, 4)), (4, 3), "W")
    assert "expected shape (4, 3), got (3, 4)" in m and "transposed" in m
    assert "extra dimension" in msg(g.check_shape, np.zeros((4, 1)), (4,))
    assert "one dimension missing" in msg(g.check_shape, np.zeros(4), (4, 3))


def test_check_dtype():
    g.check_dtype(np.zeros(2), "float")
    g.check_dtype(torch.zeros(2, dtype=torch.long), "int")
    assert "expected a int dtype, got float64" in msg(g.check_dtype, np.zeros(2), "int")


def test_check_close_reports_where_and_how():
    g.check_close(np.array([1.0, 2.0]), [1.0, 2.0 + 1e-9])
    g.check_close(torch.tensor([1.0]), np.array([1.0]))
    m = msg(g.check_close, np.array([1.0, 2.0, 3.5]), np.array([1.0, 2.0, 3.0]), "out")
    assert "1 of 3 values differ" in m and "index (2,)" in m and "expected 3" in m and "got 3.5" in m
    assert "wrong sign" in msg(g.check_close, np.array([-1.0, 2.0]), np.array([1.0, -2.0]))
    assert "constant factor 0.5" in msg(g.check_close, np.array([0.5, 1.0]), np.array([1.0, 2.0]))
    assert "NaN" in msg(g.check_close, np.array([np.nan]), np.array([1.0]))
    assert "expected 2.0, got 3.0" in msg(g.check_close, 3.0, 2.0)
    assert "expected shape (2,), got (3,)" in msg(g.check_close, np.zeros(3), np.zeros(2))


def test_check_equal():
    g.check_equal([1, 2], [1, 2])
    g.check_equal(np.array([1, 2]), np.array([1, 2]))
    assert "expected 'ab', got 'ac'" in msg(g.check_equal, "ac", "ab")
    m = msg(g.check_equal, np.array([1, 0, 3]), np.array([1, 2, 3]))
    assert "1 of 3 entries differ; first at index (1,)" in m


def test_check_unchanged_catches_in_place_edits():
    x = np.arange(3.0)
    assert g.check_unchanged(lambda a: a * 2, x).tolist() == [0.0, 2.0, 4.0]

    def bad(a):
        a += 1
        return a

    assert "modified its argument #1 in place" in msg(g.check_unchanged, bad, np.arange(3.0))
    t = torch.zeros(2)
    assert "in place" in msg(g.check_unchanged, lambda a: a.add_(1), t)


def test_check_raises_and_check():
    e = g.check_raises(lambda: 1 / 0, ZeroDivisionError)
    assert isinstance(e, ZeroDivisionError)
    assert "should raise ValueError" in msg(g.check_raises, lambda: None, ValueError)
    g.check(True, "never")
    assert msg(g.check, False, "what went wrong") == "what went wrong"
    assert "should be a int" in msg(g.check_type, "x", int)


def test_passed_prints(capsys):
    g.passed("f")
    assert "f: the visible checks pass" in capsys.readouterr().out


def test_quietly_silences_warnings_only(capsys):
    import warnings

    def noisy(x):
        warnings.warn("harmless", UserWarning, stacklevel=2)
        return x + 1

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert g.quietly(noisy, 1) == 2
    assert not seen
    with pytest.raises(ZeroDivisionError):
        g.quietly(lambda: 1 / 0)
