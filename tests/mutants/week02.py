"""Week 2 (gradients and optimizers): learners' mistakes, and honest answers written another way."""

from tests.mutants import Mutant, edit

_GD_STEP = """
losses.append(mse_loss(X @ w + b, y))
dw, db = linear_regression_gradients(X, y, w, b)
w, b = w - lr * dw, b - lr * db
"""
_SGD_STEP = """
losses.append(mse_loss(Xb @ w + b, yb))
dw, db = linear_regression_gradients(Xb, yb, w, b)
w, b = w - lr * dw, b - lr * db
"""
_MOMENTUM = """
velocity = beta * velocity + grad
return w - lr * velocity, velocity
"""
_ADAM_MOMENTS = """
m = beta1 * m + (1 - beta1) * grad
v = beta2 * v + (1 - beta2) * grad ** 2
"""
_ADAM_CORRECTION = """
m_hat = m / (1 - beta1 ** t)
v_hat = v / (1 - beta2 ** t)
"""
_ADAM_RETURN = "return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v"
_SIGMOID_BODY = """
out = np.empty_like(z)
pos = z >= 0
out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
ez = np.exp(z[~pos])
out[~pos] = ez / (1.0 + ez)
return out
"""
_BCE_RETURN = "return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))"
_NG_PROBE = """
x[i] = old + eps
f_plus = float(f(x))
x[i] = old - eps
f_minus = float(f(x))
x[i] = old
"""
_RE_RETURN = "return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))"

MUTANTS = [
    # ------------------------------------------------------------------ mse_loss
    Mutant(
        "mse_loss",
        "sum instead of mean",
        edit("return float(np.mean((y_pred - y) ** 2))", "return float(np.sum((y_pred - y) ** 2))"),
        visible=True,
        learner=True,
        names_it="instead of averaging",
    ),
    Mutant(
        "mse_loss",
        "mean absolute error",
        edit("return float(np.mean((y_pred - y) ** 2))", "return float(np.mean(np.abs(y_pred - y)))"),
        visible=True,
        learner=True,
        names_it="mean absolute error",
    ),
    Mutant(
        "mse_loss",
        "the root of the MSE (RMSE)",
        edit("return float(np.mean((y_pred - y) ** 2))", "return float(np.sqrt(np.mean((y_pred - y) ** 2)))"),
        visible=True,
        learner=True,
        names_it="RMSE",
    ),
    Mutant(
        "mse_loss",
        "the square of the mean error",
        edit("return float(np.mean((y_pred - y) ** 2))", "return float(np.mean(y_pred - y) ** 2)"),
        visible=True,
        learner=True,
        names_it="square of the mean error",
    ),
    Mutant(
        "mse_loss",
        "np.var of the errors (subtracts their mean)",
        edit("return float(np.mean((y_pred - y) ** 2))", "return float(np.var(y_pred - y))"),
        visible=True,
        learner=True,
        names_it="variance",
    ),
    Mutant(
        "mse_loss",
        "no shape check: (N, 1) against (N,) broadcasts silently",
        edit(
            """
            if y_pred.shape != y.shape:
                raise ValueError(f"mse_loss: y_pred has shape {y_pred.shape} but y has shape {y.shape}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="broadcast",
    ),
    Mutant(
        "mse_loss",
        "the ValueError does not say the shapes",
        edit(
            'raise ValueError(f"mse_loss: y_pred has shape {y_pred.shape} but y has shape {y.shape}")',
            'raise ValueError("y_pred and y have different shapes")',
        ),
        visible=True,
        learner=True,
        names_it="both shapes",
    ),
    Mutant(
        "mse_loss",
        "float32 arithmetic",
        edit(
            "y_pred, y = np.asarray(y_pred, dtype=float), np.asarray(y, dtype=float)",
            "y_pred, y = np.asarray(y_pred, dtype=np.float32), np.asarray(y, dtype=np.float32)",
        ),
        visible=False,
    ),
    Mutant(
        "mse_loss",
        "half the MSE (a factor 1/2 in front)",
        edit("return float(np.mean((y_pred - y) ** 2))", "return float(0.5 * np.mean((y_pred - y) ** 2))"),
        visible=True,
        learner=True,
        names_it="half the MSE",
    ),
    Mutant(
        "mse_loss",
        "divides by N - 1",
        edit("return float(np.mean((y_pred - y) ** 2))", "return float(np.sum((y_pred - y) ** 2) / (len(y) - 1))"),
        visible=True,
        learner=True,
        names_it="not by N - 1",
    ),
    # ------------------------------------------------------------------ linear_regression_gradients
    Mutant(
        "linear_regression_gradients",
        "forgets the factor 2",
        edit(
            "dw = 2.0 / n * (X.T @ r)",
            "dw = 1.0 / n * (X.T @ r)",
            "db = 2.0 / n * float(np.sum(r))",
            "db = 1.0 / n * float(np.sum(r))",
        ),
        visible=True,
        learner=True,
        names_it="factor 2",
    ),
    Mutant(
        "linear_regression_gradients",
        "residual with the wrong sign (target minus prediction)",
        edit("r = X @ w + b - y", "r = y - (X @ w + b)"),
        visible=True,
        learner=True,
        names_it="wrong sign",
    ),
    Mutant(
        "linear_regression_gradients",
        "leaves the bias out of the residual",
        edit("r = X @ w + b - y", "r = X @ w - y"),
        visible=True,
        learner=True,
        names_it="include the bias",
    ),
    Mutant(
        "linear_regression_gradients",
        "divides by the number of features D",
        edit("n = X.shape[0]", "n = X.shape[1]"),
        visible=True,
        learner=True,
        names_it="D = 2 features",
    ),
    Mutant(
        "linear_regression_gradients",
        "a sum over the samples, not a mean",
        edit(
            "dw = 2.0 / n * (X.T @ r)",
            "dw = 2.0 * (X.T @ r)",
            "db = 2.0 / n * float(np.sum(r))",
            "db = 2.0 * float(np.sum(r))",
        ),
        visible=True,
        learner=True,
        names_it="N = 3 times too large",
    ),
    Mutant(
        "linear_regression_gradients",
        "folds the bias into y in place",
        edit("r = X @ w + b - y", "y -= b\nr = X @ w - y"),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "linear_regression_gradients",
        "float32 arithmetic",
        edit(
            "X, y, w = np.asarray(X, dtype=float), np.asarray(y, dtype=float), np.asarray(w, dtype=float)",
            "X, y, w = (np.asarray(a, dtype=np.float32) for a in (X, y, w))",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ fit_linear_gd
    Mutant(
        "fit_linear_gd",
        "records the loss after the update",
        edit(
            _GD_STEP,
            """
            dw, db = linear_regression_gradients(X, y, w, b)
            w, b = w - lr * dw, b - lr * db
            losses.append(mse_loss(X @ w + b, y))
            """,
        ),
        visible=True,
        learner=True,
        names_it="after the update",
    ),
    Mutant(
        "fit_linear_gd",
        "gradient ascent (adds the gradient)",
        edit("w, b = w - lr * dw, b - lr * db", "w, b = w + lr * dw, b + lr * db"),
        visible=True,
        learner=True,
        names_it="instead of subtracting",
    ),
    Mutant(
        "fit_linear_gd",
        "also appends the loss after the last update",
        edit("return w, float(b), losses", "losses.append(mse_loss(X @ w + b, y))\nreturn w, float(b), losses"),
        visible=True,
        learner=True,
        names_it="after the last update",
    ),
    Mutant(
        "fit_linear_gd",
        "b's gradient taken after w moved",
        edit(
            """
            dw, db = linear_regression_gradients(X, y, w, b)
            w, b = w - lr * dw, b - lr * db
            """,
            """
            dw, _ = linear_regression_gradients(X, y, w, b)
            w = w - lr * dw
            _, db = linear_regression_gradients(X, y, w, b)
            b = b - lr * db
            """,
        ),
        visible=True,
        learner=True,
        names_it="where the step starts",
    ),
    Mutant(
        "fit_linear_gd",
        "returns the losses as a numpy array",
        edit("return w, float(b), losses", "return w, float(b), np.array(losses)"),
        visible=True,
        learner=True,
        names_it="list",
    ),
    Mutant(
        "fit_linear_gd",
        "no argument checks",
        edit(
            """
            if lr <= 0 or steps < 0:
                raise ValueError(f"fit_linear_gd needs lr > 0 and steps >= 0, got lr={lr}, steps={steps}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="lr <= 0 or steps < 0",
    ),
    Mutant(
        "fit_linear_gd",
        "a learning rate of 0.1 written into the update (ignores lr)",
        edit("w, b = w - lr * dw, b - lr * db", "w, b = w - 0.1 * dw, b - 0.1 * db"),
        visible=True,
        learner=True,
        names_it="use the lr passed in",
    ),
    Mutant(
        "fit_linear_gd",
        "the loop capped at 30 steps (to keep it fast)",
        edit("for _ in range(steps):", "for _ in range(min(steps, 30)):"),
        visible=False,
    ),
    Mutant(
        "fit_linear_gd",
        "stops early once the loss grows",
        edit(
            """
            for _ in range(steps):
                losses.append(mse_loss(X @ w + b, y))          # the loss where this step starts
            """,
            """
            for _ in range(steps):
                if losses and mse_loss(X @ w + b, y) > losses[-1]:
                    break
                losses.append(mse_loss(X @ w + b, y))
            """,
        ),
        visible=True,
        learner=True,
        names_it="no early stop",
    ),
    Mutant(
        "fit_linear_gd",
        "zeros of the input's dtype (integer data gives integer w for steps=0)",
        edit(
            """
            X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
            w, b = np.zeros(X.shape[1]), 0.0
            """,
            """
            w, b = np.zeros(np.shape(X)[1], dtype=np.asarray(X).dtype), 0 * np.asarray(y).dtype.type(0)
            X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
            """,
        ),
        visible=True,
        learner=True,
        names_it="float64",
    ),
    # ------------------------------------------------------------------ fit_linear_sgd
    Mutant(
        "fit_linear_sgd",
        "drops the last, smaller batch",
        edit(
            "for start in range(0, len(y), batch_size):", "for start in range(0, len(y) - batch_size + 1, batch_size):"
        ),
        visible=True,
        learner=True,
        names_it="drop the last batch",
    ),
    Mutant(
        "fit_linear_sgd",
        "samples the batches with replacement",
        edit(
            "idx = order[start:start + batch_size]",
            "idx = rng.integers(0, len(y), size=len(order[start:start + batch_size]))",
        ),
        visible=True,
        learner=True,
        names_it="with replacement",
    ),
    Mutant(
        "fit_linear_sgd",
        "a new generator every epoch (the same order each epoch)",
        edit(
            "rng = np.random.default_rng(seed)",
            "",
            "order = rng.permutation(len(y))",
            "order = np.random.default_rng(seed).permutation(len(y))",
        ),
        visible=True,
        learner=True,
        names_it="ONE generator",
    ),
    Mutant(
        "fit_linear_sgd",
        "a generator seeded with seed + epoch",
        edit(
            "rng = np.random.default_rng(seed)",
            "",
            "for _ in range(epochs):",
            "for epoch in range(epochs):",
            "order = rng.permutation(len(y))",
            "order = np.random.default_rng(seed + epoch).permutation(len(y))",
        ),
        visible=True,
        learner=True,
        names_it="second permutation drawn from the same generator",
    ),
    Mutant(
        "fit_linear_sgd",
        "the global numpy generator (ignores the seed)",
        edit("order = rng.permutation(len(y))", "order = np.random.permutation(len(y))"),
        visible=True,
        learner=True,
        names_it="ignore the seed",
    ),
    Mutant(
        "fit_linear_sgd",
        "shuffles the caller's X and y in place",
        edit(
            "order = rng.permutation(len(y))",
            "order = rng.permutation(len(y))\nX[:], y[:] = X[order], y[order]",
            "idx = order[start:start + batch_size]",
            "idx = np.arange(start, min(start + batch_size, len(y)))",
        ),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "fit_linear_sgd",
        "records the loss of the whole data",
        edit("losses.append(mse_loss(Xb @ w + b, yb))", "losses.append(mse_loss(X @ w + b, y))"),
        visible=True,
        learner=True,
        names_it="MSE of the whole data",
    ),
    Mutant(
        "fit_linear_sgd",
        "records each batch's loss after its update",
        edit(
            _SGD_STEP,
            """
            dw, db = linear_regression_gradients(Xb, yb, w, b)
            w, b = w - lr * dw, b - lr * db
            losses.append(mse_loss(Xb @ w + b, yb))
            """,
        ),
        visible=True,
        learner=True,
        names_it="before the update",
    ),
    Mutant(
        "fit_linear_sgd",
        "one loss per epoch (the mean of its batches)",
        edit(
            "losses = []",
            "losses, epoch_losses = [], []",
            "order = rng.permutation(len(y))",
            "if epoch_losses:\n    losses.append(float(np.mean(epoch_losses)))\nepoch_losses = []\norder = rng.permutation(len(y))",
            "losses.append(mse_loss(Xb @ w + b, yb))",
            "epoch_losses.append(mse_loss(Xb @ w + b, yb))",
            "return w, float(b), losses",
            "if epoch_losses:\n    losses.append(float(np.mean(epoch_losses)))\nreturn w, float(b), losses",
        ),
        visible=True,
        learner=True,
        names_it="one loss per batch",
    ),
    Mutant(
        "fit_linear_sgd",
        "no argument checks",
        edit(
            """
            if lr <= 0 or epochs < 0 or batch_size < 1:
                raise ValueError(f"fit_linear_sgd needs lr > 0, epochs >= 0, batch_size >= 1; got {lr}, {epochs}, {batch_size}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="raise a ValueError when lr <= 0",
    ),
    Mutant(
        "fit_linear_sgd",
        "one feature written in (w = np.zeros(1))",
        edit("w, b = np.zeros(X.shape[1]), 0.0", "w, b = np.zeros(1), 0.0"),
        visible=False,
    ),
    # ------------------------------------------------------------------ momentum_step
    Mutant(
        "momentum_step",
        "dampening (an exponential average of the gradients)",
        edit("velocity = beta * velocity + grad", "velocity = beta * velocity + (1 - beta) * grad"),
        visible=True,
        learner=True,
        names_it="dampening",
    ),
    Mutant(
        "momentum_step",
        "the other textbook form (v = beta*v - lr*g)",
        edit(_MOMENTUM, "velocity = beta * velocity - lr * grad\nreturn w + velocity, velocity"),
        visible=True,
        learner=True,
        names_it="other textbook form",
    ),
    Mutant(
        "momentum_step",
        "lr inside the velocity (v = beta*v + lr*g, w -= v)",
        edit(_MOMENTUM, "velocity = beta * velocity + lr * grad\nreturn w - velocity, velocity"),
        visible=True,
        learner=True,
        names_it="lr went into the velocity",
    ),
    Mutant(
        "momentum_step",
        "steps with the old velocity",
        edit(_MOMENTUM, "return w - lr * velocity, beta * velocity + grad"),
        visible=True,
        learner=True,
        names_it="old velocity",
    ),
    Mutant(
        "momentum_step",
        "updates the caller's arrays in place",
        edit(_MOMENTUM, "velocity *= beta\nvelocity += grad\nw -= lr * velocity\nreturn w, velocity"),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "momentum_step",
        "no shape check (a wrong-shaped velocity broadcasts)",
        edit(
            """
            if grad.shape != w.shape or velocity.shape != w.shape:
                raise ValueError(f"grad {grad.shape} and velocity {velocity.shape} must have the shape of w {w.shape}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="broadcast",
    ),
    Mutant(
        "momentum_step",
        "returns (velocity, w)",
        edit("return w - lr * velocity, velocity", "return velocity, w - lr * velocity"),
        visible=True,
        learner=True,
        names_it="swapped",
    ),
    Mutant(
        "momentum_step",
        "ignores the velocity passed in",
        edit("velocity = beta * velocity + grad", "velocity = beta * np.zeros_like(w) + grad"),
        visible=True,
        learner=True,
        names_it="velocity passed in was ignored",
    ),
    Mutant(
        "momentum_step",
        "float32 arithmetic (drifts from torch beyond 1e-9)",
        edit(
            "w, grad, velocity = (np.asarray(a, dtype=float) for a in (w, grad, velocity))",
            "w, grad, velocity = (np.asarray(a, dtype=np.float32) for a in (w, grad, velocity))",
        ),
        visible=True,
        learner=True,
        names_it="float64",
    ),
    Mutant(
        "momentum_step",
        "steps with torch.optim.SGD inside (not from scratch)",
        edit(
            _MOMENTUM,
            """
            import torch

            p = torch.tensor(w, requires_grad=True)
            opt = torch.optim.SGD([p], lr=lr, momentum=beta)
            opt.state[p]["momentum_buffer"] = torch.tensor(velocity)
            p.grad = torch.tensor(grad)
            opt.step()
            return p.detach().numpy().copy(), opt.state[p]["momentum_buffer"].numpy().copy()
            """,
        ),
        visible=False,
    ),
    Mutant(
        "momentum_step",
        "compares sizes, not shapes: a (1, 2) grad broadcasts against a (2, 1) w",
        edit(
            "if grad.shape != w.shape or velocity.shape != w.shape:",
            "if grad.size != w.size or velocity.size != w.size:",
        ),
        visible=True,
        learner=True,
        names_it="not their .size",
    ),
    # ------------------------------------------------------------------ adam_step
    Mutant(
        "adam_step",
        "no bias correction",
        edit(_ADAM_CORRECTION, "m_hat, v_hat = m, v"),
        visible=True,
        learner=True,
        names_it="bias correction",
    ),
    Mutant(
        "adam_step",
        "0-based t in the bias correction",
        edit(_ADAM_CORRECTION, "m_hat = m / (1 - beta1 ** (t - 1))\nv_hat = v / (1 - beta2 ** (t - 1))"),
        visible=True,
        learner=True,
        names_it="1-based",
    ),
    Mutant(
        "adam_step",
        "returns the bias-corrected m_hat, v_hat as the state",
        edit(_ADAM_RETURN, "return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat"),
        visible=True,
        learner=True,
        names_it="uncorrected",
    ),
    Mutant(
        "adam_step",
        "eps inside the square root",
        edit(_ADAM_RETURN, "return w - lr * m_hat / np.sqrt(v_hat + eps), m, v"),
        visible=True,
        learner=True,
        names_it="inside the square root",
    ),
    Mutant(
        "adam_step",
        "updates m and v in place",
        edit(_ADAM_MOMENTS, "m *= beta1\nm += (1 - beta1) * grad\nv *= beta2\nv += (1 - beta2) * grad ** 2"),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "adam_step",
        "the default betas written in",
        edit(
            _ADAM_MOMENTS.strip() + "\n" + _ADAM_CORRECTION.strip(),
            """
            m = 0.9 * m + 0.1 * grad
            v = 0.999 * v + 0.001 * grad ** 2
            m_hat = m / (1 - 0.9 ** t)
            v_hat = v / (1 - 0.999 ** t)
            """,
        ),
        visible=True,
        learner=True,
        names_it="passed in",
    ),
    Mutant(
        "adam_step",
        "ignores eps (always 1e-8)",
        edit(_ADAM_RETURN, "return w - lr * m_hat / (np.sqrt(v_hat) + 1e-8), m, v"),
        visible=True,
        learner=True,
        names_it="as given",
    ),
    Mutant(
        "adam_step",
        "no check of t",
        edit(
            """
            if t < 1:
                raise ValueError(f"t is the 1-based step number (1 on the first step), got {t}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="t < 1",
    ),
    Mutant(
        "adam_step",
        "no shape check",
        edit(
            """
            if not grad.shape == m.shape == v.shape == w.shape:
                raise ValueError(f"grad {grad.shape}, m {m.shape} and v {v.shape} must have the shape of w {w.shape}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="broadcast",
    ),
    Mutant(
        "adam_step",
        "float32 arithmetic (drifts from torch beyond 1e-9)",
        edit(
            "w, grad, m, v = (np.asarray(a, dtype=float) for a in (w, grad, m, v))",
            "w, grad, m, v = (np.asarray(a, dtype=np.float32) for a in (w, grad, m, v))",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ sigmoid
    Mutant(
        "sigmoid",
        "the textbook formula (overflows for large negative z)",
        edit(_SIGMOID_BODY, "return 1.0 / (1.0 + np.exp(-z))"),
        visible=True,
        learner=True,
        names_it="overflow",
    ),
    Mutant(
        "sigmoid",
        "np.where evaluates both branches (overflow warnings)",
        edit(_SIGMOID_BODY, "return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))"),
        visible=True,
        learner=True,
        names_it="np.where",
    ),
    Mutant(
        "sigmoid",
        "exp(z) instead of exp(-z)",
        edit(
            "out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))",
            "out[pos] = 1.0 / (1.0 + np.exp(z[pos]))",
            "ez = np.exp(z[~pos])",
            "ez = np.exp(-z[~pos])",
        ),
        visible=True,
        learner=True,
        names_it="minus sign",
    ),
    Mutant(
        "sigmoid",
        "integers out for integers in (np.empty_like of the input)",
        edit("z = np.asarray(z, dtype=float)", "z = np.asarray(z)"),
        visible=True,
        learner=True,
        names_it="np.empty_like",
    ),
    Mutant(
        "sigmoid",
        "writes the result into z",
        edit(
            _SIGMOID_BODY,
            """
            pos = z >= 0
            ez = np.exp(z[~pos])
            z[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
            z[~pos] = ez / (1.0 + ez)
            return z
            """,
        ),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "sigmoid",
        "1 - sigmoid(-z) for negative z (cancellation: 0 instead of 1.9e-22 at z = -50)",
        edit(
            """
            ez = np.exp(z[~pos])
            out[~pos] = ez / (1.0 + ez)
            """,
            "out[~pos] = 1.0 - 1.0 / (1.0 + np.exp(z[~pos]))",
        ),
        visible=True,
        learner=True,
        names_it="cancels to 0",
    ),
    Mutant(
        "sigmoid",
        "answer hard-coded for the visible shapes (2-D arrays all 0.5)",
        edit("out = np.empty_like(z)", "out = np.empty_like(z)\nif z.ndim == 2:\n    return np.full(z.shape, 0.5)"),
        visible=False,
    ),
    Mutant(
        "sigmoid",
        "computes in float32",
        edit("z = np.asarray(z, dtype=float)", "z = np.asarray(z, dtype=np.float32)"),
        visible=True,
        learner=True,
        names_it="float32 keeps only 7 digits",
    ),
    # ------------------------------------------------------------------ binary_cross_entropy
    Mutant(
        "binary_cross_entropy",
        "no clipping (log 0)",
        edit("p = np.clip(p, eps, 1 - eps)", ""),
        visible=True,
        learner=True,
        names_it="clip p",
    ),
    Mutant(
        "binary_cross_entropy",
        "clips at a fixed 1e-7 (ignores eps)",
        edit("p = np.clip(p, eps, 1 - eps)", "p = np.clip(p, 1e-7, 1 - 1e-7)"),
        visible=True,
        learner=True,
        names_it="eps argument",
    ),
    Mutant(
        "binary_cross_entropy",
        "the two terms swapped",
        edit(_BCE_RETURN, "return float(-np.mean((1 - y) * np.log(p) + y * np.log(1 - p)))"),
        visible=True,
        learner=True,
        names_it="two terms swapped",
    ),
    Mutant(
        "binary_cross_entropy",
        "sum instead of mean",
        edit(_BCE_RETURN, "return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))"),
        visible=True,
        learner=True,
        names_it="instead of the mean",
    ),
    Mutant(
        "binary_cross_entropy",
        "forgets the minus sign",
        edit(_BCE_RETURN, "return float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))"),
        visible=True,
        learner=True,
        names_it="minus sign",
    ),
    Mutant(
        "binary_cross_entropy",
        "clips the caller's p in place",
        edit("p = np.clip(p, eps, 1 - eps)", "np.clip(p, eps, 1 - eps, out=p)"),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "binary_cross_entropy",
        "no shape check",
        edit(
            """
            if p.shape != y.shape:
                raise ValueError(f"binary_cross_entropy: p has shape {p.shape} but y has shape {y.shape}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="broadcast",
    ),
    Mutant(
        "binary_cross_entropy",
        "the mean of the first three samples (right on the visible examples only)",
        edit(_BCE_RETURN, "return float(-np.mean((y * np.log(p) + (1 - y) * np.log(1 - p))[:3]))"),
        visible=False,
    ),
    Mutant(
        "binary_cross_entropy",
        "adds eps to p instead of clipping it",
        edit(
            """
            p = np.clip(p, eps, 1 - eps)
            """
            + _BCE_RETURN,
            "return float(-np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)))",
        ),
        visible=True,
        learner=True,
        names_it="you added eps to p",
    ),
    Mutant(
        "binary_cross_entropy",
        "clips the logs to [log eps, 0] instead of p",
        edit(
            """
            p = np.clip(p, eps, 1 - eps)
            """
            + _BCE_RETURN,
            """
            with np.errstate(divide="ignore"):
                log_p, log_q = np.log(p), np.log(1 - p)
            log_p, log_q = np.clip(log_p, np.log(eps), 0.0), np.clip(log_q, np.log(eps), 0.0)
            return float(-np.mean(y * log_p + (1 - y) * log_q))
            """,
        ),
        visible=True,
        learner=True,
        names_it="clip p to [0.1, 0.9] first",
    ),
    # ------------------------------------------------------------------ logistic_regression_gradients
    Mutant(
        "logistic_regression_gradients",
        "y - p instead of p - y",
        edit("dz = (p - y) / n", "dz = (y - p) / n"),
        visible=True,
        learner=True,
        names_it="wrong sign",
    ),
    Mutant(
        "logistic_regression_gradients",
        "forgets the bias in z",
        edit("p = sigmoid(X @ w + b)", "p = sigmoid(X @ w)"),
        visible=True,
        learner=True,
        names_it="include the bias",
    ),
    Mutant(
        "logistic_regression_gradients",
        "unsimplified chain rule (0/0 at saturated p)",
        edit("dz = (p - y) / n", "dz = (-y / p + (1 - y) / (1 - p)) * p * (1 - p) / n"),
        visible=True,
        learner=True,
        names_it="no division by p",
    ),
    Mutant(
        "logistic_regression_gradients",
        "forgets to divide by N",
        edit("dz = (p - y) / n", "dz = p - y"),
        visible=True,
        learner=True,
        names_it="divide by N",
    ),
    Mutant(
        "logistic_regression_gradients",
        "the factor 2 of the squared error",
        edit("dz = (p - y) / n", "dz = 2 * (p - y) / n"),
        visible=True,
        learner=True,
        names_it="factor 2",
    ),
    Mutant(
        "logistic_regression_gradients",
        "an extra p(1 - p) (the squared error's gradient through the sigmoid)",
        edit("dz = (p - y) / n", "dz = (p - y) * p * (1 - p) / n"),
        visible=True,
        learner=True,
        names_it="p(1 - p)",
    ),
    Mutant(
        "logistic_regression_gradients",
        "the textbook sigmoid written inline (overflows at z = -1000)",
        edit("p = sigmoid(X @ w + b)", "p = 1.0 / (1.0 + np.exp(-(X @ w + b)))"),
        visible=True,
        learner=True,
        names_it="use your sigmoid",
    ),
    Mutant(
        "logistic_regression_gradients",
        "divides by a written-in 4 (the visible examples' N)",
        edit("dz = (p - y) / n", "dz = (p - y) / 4"),
        visible=False,
    ),
    Mutant(
        "logistic_regression_gradients",
        "divides by D (the features) instead of N",
        edit("n = X.shape[0]", "n = X.shape[1]"),
        visible=True,
        learner=True,
        names_it="D = 2 features",
    ),
    # ------------------------------------------------------------------ numerical_gradient
    Mutant(
        "numerical_gradient",
        "forward difference",
        edit(
            """
            x[i] = old - eps
            f_minus = float(f(x))
            x[i] = old
            grad[i] = (f_plus - f_minus) / (2 * eps)
            """,
            """
            x[i] = old
            grad[i] = (f_plus - float(f(x))) / eps
            """,
        ),
        visible=True,
        learner=True,
        names_it="central difference",
    ),
    Mutant(
        "numerical_gradient",
        "ignores the eps argument",
        edit(
            "x[i] = old + eps",
            "x[i] = old + 1e-5",
            "x[i] = old - eps",
            "x[i] = old - 1e-5",
            "grad[i] = (f_plus - f_minus) / (2 * eps)",
            "grad[i] = (f_plus - f_minus) / 2e-5",
        ),
        visible=True,
        learner=True,
        names_it="eps passed in",
    ),
    Mutant(
        "numerical_gradient",
        "loops over the rows only (1-D arrays)",
        edit(
            """
            grad = np.zeros(x.shape, dtype=float)
            for i in np.ndindex(x.shape):
            """,
            """
            grad = np.zeros(len(x))
            for i in range(len(x)):
            """,
        ),
        visible=True,
        learner=True,
        names_it="np.ndindex",
    ),
    Mutant(
        "numerical_gradient",
        "forgets to restore x",
        edit(_NG_PROBE, "x[i] = old + eps\nf_plus = float(f(x))\nx[i] = old - eps\nf_minus = float(f(x))"),
        visible=True,
        learner=True,
        names_it="original value",
    ),
    Mutant(
        "numerical_gradient",
        "restores x by adding eps back",
        edit(_NG_PROBE, "x[i] += eps\nf_plus = float(f(x))\nx[i] -= 2 * eps\nf_minus = float(f(x))\nx[i] += eps"),
        visible=True,
        learner=True,
        names_it="bit for bit",
    ),
    Mutant(
        "numerical_gradient",
        "moves every entry at once",
        edit(_NG_PROBE, "f_plus = float(f(x + eps))\nf_minus = float(f(x - eps))"),
        visible=True,
        learner=True,
        names_it="one entry at a time",
    ),
    Mutant(
        "numerical_gradient",
        "divides by eps, not 2 eps",
        edit("grad[i] = (f_plus - f_minus) / (2 * eps)", "grad[i] = (f_plus - f_minus) / eps"),
        visible=True,
        learner=True,
        names_it="2 * eps",
    ),
    Mutant(
        "numerical_gradient",
        "perturbs a copy of x (f that reads x itself sees nothing)",
        edit("grad = np.zeros(x.shape, dtype=float)", "grad = np.zeros(x.shape, dtype=float)\nx = x.copy()"),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "numerical_gradient",
        "two nested loops (1-D and 2-D arrays only)",
        """
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    X2, G2 = np.atleast_2d(x), np.atleast_2d(grad)   # views: a 1-D x becomes one row
    for r in range(X2.shape[0]):
        for c in range(X2.shape[1]):
            old = X2[r, c]
            X2[r, c] = old + eps
            fp = float(f(x))
            X2[r, c] = old - eps
            fm = float(f(x))
            X2[r, c] = old
            G2[r, c] = (fp - fm) / (2 * eps)
    return grad
""",
        visible=False,
    ),
    Mutant(
        "numerical_gradient",
        "walks a reshape(-1) of x (a copy when x is not contiguous)",
        """
def numerical_gradient(f, x, eps=1e-5):
    flat = x.reshape(-1)
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i].copy()
        flat[i] = old + eps
        f_plus = float(f(x))
        flat[i] = old - eps
        f_minus = float(f(x))
        flat[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad.reshape(x.shape)
""",
        visible=True,
        learner=True,
        names_it="not contiguous",
    ),
    # ------------------------------------------------------------------ relative_error
    Mutant(
        "relative_error",
        "no 1e-8 floor (0/0 for zero gradients)",
        edit(_RE_RETURN, "return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))"),
        visible=True,
        learner=True,
        names_it="floor the denominator",
    ),
    Mutant(
        "relative_error",
        "mean instead of max",
        edit(_RE_RETURN, "return float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))"),
        visible=True,
        learner=True,
        names_it="take the largest",
    ),
    Mutant(
        "relative_error",
        "|a + b| in the denominator",
        edit(_RE_RETURN, "return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a + b))))"),
        visible=True,
        learner=True,
        names_it="absolute values first",
    ),
    Mutant(
        "relative_error",
        "divides by |a| only",
        edit(_RE_RETURN, "return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a))))"),
        visible=True,
        learner=True,
        names_it="|a| only",
    ),
    Mutant(
        "relative_error",
        "the largest difference over the largest denominator",
        edit(_RE_RETURN, "return float(np.max(np.abs(a - b)) / max(1e-8, np.max(np.abs(a) + np.abs(b))))"),
        visible=True,
        learner=True,
        names_it="entry by entry",
    ),
    Mutant(
        "relative_error",
        "max(|a|, |b|) in the denominator",
        edit(_RE_RETURN, "return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.maximum(np.abs(a), np.abs(b)))))"),
        visible=True,
        learner=True,
        names_it="not the larger of the two",
    ),
    Mutant(
        "relative_error",
        "the floor replaces exact zeros only",
        edit(
            _RE_RETURN,
            """
            den = np.abs(a) + np.abs(b)
            return float(np.max(np.abs(a - b) / np.where(den == 0, 1e-8, den)))
            """,
        ),
        visible=True,
        learner=True,
        names_it="not only exact zeros",
    ),
    Mutant(
        "relative_error",
        "the floor added to the denominator",
        edit(_RE_RETURN, "return float(np.max(np.abs(a - b) / (1e-8 + np.abs(a) + np.abs(b))))"),
        visible=True,
        learner=True,
        names_it="not an amount added",
    ),
    Mutant(
        "relative_error",
        "float32 arithmetic",
        edit(
            "a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)",
            "a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)",
        ),
        visible=False,
    ),
]

# Correct answers, written as another learner would.
HONEST = {
    "mse_loss": """
def mse_loss(y_pred, y):
    pred, target = np.array(y_pred, dtype=np.float64), np.array(y, dtype=np.float64)
    if pred.shape != target.shape:
        raise ValueError(f"shape mismatch: y_pred {pred.shape} vs y {target.shape}")
    diff = pred - target
    return float(diff @ diff / diff.size)
""",
    "linear_regression_gradients": """
def linear_regression_gradients(X, y, w, b):
    X = np.asarray(X, dtype=np.float64)
    N = len(X)
    err = X.dot(w) + b - np.asarray(y, dtype=np.float64)
    grad_w = (2 / N) * np.einsum("nd,n->d", X, err)
    grad_b = 2 * err.mean()
    return grad_w, float(grad_b)
""",
    "fit_linear_gd": """
def fit_linear_gd(X, y, lr=0.1, steps=500):
    if not lr > 0:
        raise ValueError("the learning rate must be positive")
    if steps < 0:
        raise ValueError("steps must be >= 0")
    Xf = np.array(X, dtype=np.float64)
    yf = np.array(y, dtype=np.float64)
    weights = np.zeros(Xf.shape[1])
    bias = 0.0
    history = []
    step = 0
    while step < steps:
        history.append(float(mse_loss(Xf.dot(weights) + bias, yf)))
        grad_w, grad_b = linear_regression_gradients(Xf, yf, weights, bias)
        weights = weights - lr * grad_w
        bias -= lr * grad_b
        step += 1
    return weights, float(bias), history
""",
    "fit_linear_sgd": """
def fit_linear_sgd(X, y, lr, epochs, batch_size, seed=0):
    if lr <= 0:
        raise ValueError("lr must be positive")
    if epochs < 0 or batch_size < 1:
        raise ValueError("epochs must be >= 0 and batch_size >= 1")
    X = np.array(X, dtype=np.float64)
    y = np.array(y, dtype=np.float64)
    gen = np.random.default_rng(seed)
    weights, bias, history = np.zeros(X.shape[1]), 0.0, []
    n = len(X)
    for epoch in range(epochs):
        idx = np.arange(n)
        gen.shuffle(idx)                       # the same draws as gen.permutation(n)
        n_batches = (n + batch_size - 1) // batch_size
        for k in range(n_batches):
            rows = idx[k * batch_size:(k + 1) * batch_size]
            xb, yb = X[rows], y[rows]
            history.append(float(mse_loss(xb @ weights + bias, yb)))
            gw, gb = linear_regression_gradients(xb, yb, weights, bias)
            weights = weights - lr * gw
            bias = bias - lr * gb
    return weights, float(bias), history
""",
    "momentum_step": """
def momentum_step(w, grad, velocity, lr, beta):
    w = np.array(w, dtype=np.float64)            # copies: the caller's arrays stay as they were
    g = np.array(grad, dtype=np.float64)
    v = np.array(velocity, dtype=np.float64)
    if g.shape != w.shape:
        raise ValueError(f"grad has shape {g.shape}, w has shape {w.shape}")
    if v.shape != w.shape:
        raise ValueError(f"velocity has shape {v.shape}, w has shape {w.shape}")
    v *= beta
    v += g
    w -= lr * v
    return w, v
""",
    "adam_step": """
def adam_step(w, grad, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    if t <= 0:
        raise ValueError("the step count t starts at 1")
    arrays = [np.array(a, dtype=np.float64) for a in (w, grad, m, v)]
    if len({a.shape for a in arrays}) != 1:
        raise ValueError("w, grad, m and v must all have the same shape")
    w, g, m_new, v_new = arrays
    m_new = beta1 * m_new + (1.0 - beta1) * g
    v_new = beta2 * v_new + (1.0 - beta2) * np.square(g)
    step_size = lr / (1.0 - beta1 ** t)
    denom = np.sqrt(v_new / (1.0 - beta2 ** t)) + eps
    return w - step_size * m_new / denom, m_new, v_new
""",
    "sigmoid": """
def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -z))      # log(1 + e^-z) without overflow
""",
    "binary_cross_entropy": """
def binary_cross_entropy(p, y, eps=1e-12):
    probs = np.array(p, dtype=np.float64)
    labels = np.array(y, dtype=np.float64)
    if probs.shape != labels.shape:
        raise ValueError(f"p {probs.shape} and y {labels.shape} differ")
    probs = np.minimum(np.maximum(probs, eps), 1.0 - eps)
    per_sample = np.where(labels == 1, -np.log(probs), -np.log(1.0 - probs))
    return float(per_sample.mean())
""",
    "logistic_regression_gradients": """
def logistic_regression_gradients(X, y, w, b):
    X = np.array(X, dtype=np.float64)
    probs = sigmoid(X.dot(w) + b)
    err = probs - np.asarray(y, dtype=np.float64)
    grad_w = np.mean(X * err[:, None], axis=0)
    return grad_w, float(np.mean(err))
""",
    "numerical_gradient": """
def numerical_gradient(f, x, eps=1e-5):
    out = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        idx = it.multi_index
        saved = float(x[idx])
        x[idx] = saved + eps
        up = f(x)
        x[idx] = saved - eps
        down = f(x)
        x[idx] = saved
        out[idx] = (up - down) / (2.0 * eps)
        it.iternext()
    return out
""",
    "relative_error": """
def relative_error(a, b):
    a = np.atleast_1d(np.asarray(a, dtype=np.float64))
    b = np.atleast_1d(np.asarray(b, dtype=np.float64))
    worst = 0.0
    for ai, bi in zip(a.ravel(), b.ravel()):
        worst = max(worst, abs(ai - bi) / max(1e-8, abs(ai) + abs(bi)))
    return float(worst)
""",
}
