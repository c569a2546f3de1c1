import numpy as np
import pytest

from helpers.reference.gradcheck import check_gradient, numerical_gradient, relative_error


def test_numerical_gradient_of_quadratic_matches_analytic():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    x = rng.normal(size=4)
    f = lambda v: float(v @ A @ v)
    num = numerical_gradient(f, x)
    assert num.shape == x.shape
    assert relative_error(num, (A + A.T) @ x) < 1e-8


def test_numerical_gradient_handles_matrices_and_leaves_x_unchanged():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(3, 5))
    W0 = W.copy()
    num = numerical_gradient(lambda M: float(np.sum(np.sin(M))), W)
    assert np.array_equal(W, W0)  # exact restore, bit for bit
    assert relative_error(num, np.cos(W)) < 1e-8


def test_numerical_gradient_perturbs_the_array_f_closes_over():
    # f reads a captured array (as a layer's weights are read); perturbing x in place must be seen by f
    w = np.array([1.0, -2.0, 0.5])
    num = numerical_gradient(lambda _: float(np.sum(w**3)), w)
    assert relative_error(num, 3 * w**2) < 1e-8


def test_numerical_gradient_eps_and_errors():
    x = np.array([2.0])
    # central differences are exact for quadratics whatever the step
    assert numerical_gradient(lambda v: float(v[0] ** 2), x, eps=0.5)[0] == pytest.approx(4.0)
    with pytest.raises(TypeError, match="float"):
        numerical_gradient(lambda v: 0.0, np.array([1, 2]))
    with pytest.raises(TypeError, match="numpy array"):
        numerical_gradient(lambda v: 0.0, [1.0, 2.0])
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(lambda v: 0.0, x, eps=0.0)


def test_relative_error_formula():
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert relative_error(1.0, 3.0) == pytest.approx(0.5)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0  # the 1e-8 floor avoids 0/0
    assert relative_error(np.array([0.0, 1e-9]), np.array([0.0, 0.0])) == pytest.approx(0.1)
    assert relative_error([1.0, 10.0], [1.0, 11.0]) == pytest.approx(1 / 21)  # the max over entries
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.zeros(2), np.zeros(3))


def test_check_gradient_flags_a_wrong_gradient():
    x = np.array([0.3, -0.7])
    f = lambda v: float(np.sum(v**2))
    assert check_gradient(f, x, 2 * x) < 1e-8
    assert check_gradient(f, x, x) > 0.3
