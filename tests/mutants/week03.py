"""Week 3 (an MLP from scratch in numpy): learners' mistakes, and honest answers written another way."""

from tests.mutants import Mutant, edit

_HE = "self.W = rng.standard_normal((in_features, out_features)) * np.sqrt(2.0 / in_features)"
_RELU_FWD = """
self.mask = x > 0
return np.where(self.mask, x, 0.0)
"""
_TANH_FWD = """
self.out = np.tanh(x)
return self.out
"""
_TANH_BWD = "return dout * (1.0 - self.out ** 2)"
_SHIFT = "shifted = logits - logits.max(axis=1, keepdims=True)"
_LOGP = "log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))"
_LAST_ACT = """
if i < n_linear - 1:
    self.layers.append(acts[activation]())
"""
_ORDER = "order = np.random.default_rng(seed).permutation(len(X))"
_STEP = "param -= lr * grad"
_BATCH = """
loss, dlogits = softmax_cross_entropy(model.forward(Xb), yb)
model.backward(dlogits)
sgd_step(model, lr)
"""
_WEIGHTED = """
total += loss * len(yb)
count += len(yb)
"""

MUTANTS = [
    # ------------------------------------------------------------------ Linear
    Mutant(
        "Linear",
        "dx = dout @ W (not transposed)",
        edit("return dout @ self.W.T", "return dout @ self.W"),
        visible=True,
        learner=True,
        names_it="transpose of W",
    ),
    Mutant(
        "Linear",
        "db averaged over the batch instead of summed",
        edit("self.db = dout.sum(axis=0)", "self.db = dout.mean(axis=0)"),
        visible=True,
        learner=True,
        names_it="sum over the batch",
    ),
    Mutant(
        "Linear",
        "dW transposed (dout.T @ x)",
        edit("self.dW = self.x.T @ dout", "self.dW = dout.T @ self.x"),
        visible=True,
        learner=True,
        names_it="shape of W",
    ),
    Mutant(
        "Linear",
        "forward forgets the bias",
        edit("return x @ self.W + self.b", "return x @ self.W"),
        visible=True,
        learner=True,
        names_it="without the bias",
    ),
    Mutant(
        "Linear",
        "unscaled initialisation (standard deviation 1)",
        edit(_HE, "self.W = rng.standard_normal((in_features, out_features))"),
        visible=True,
        learner=True,
        names_it="sqrt(2 / in_features)",
    ),
    Mutant(
        "Linear",
        "the variance 2 / in_features used as the standard deviation",
        edit(_HE, "self.W = rng.standard_normal((in_features, out_features)) * (2.0 / in_features)"),
        visible=True,
        learner=True,
        names_it="square root",
    ),
    Mutant(
        "Linear",
        "scaled by the number of outputs (fan-out)",
        edit(_HE, "self.W = rng.standard_normal((in_features, out_features)) * np.sqrt(2.0 / out_features)"),
        visible=True,
        learner=True,
        names_it="number of inputs",
    ),
    Mutant(
        "Linear",
        "the global numpy generator (ignores the seed)",
        edit("rng = np.random.default_rng(seed)", "rng = np.random"),
        visible=True,
        learner=True,
        names_it="ignore the seed",
    ),
    Mutant(
        "Linear",
        "W laid out (out_features, in_features) as in torch",
        edit(
            _HE,
            "self.W = rng.standard_normal((out_features, in_features)) * np.sqrt(2.0 / in_features)",
            "return x @ self.W + self.b",
            "return x @ self.W.T + self.b",
        ),
        visible=True,
        learner=True,
        names_it="(in_features, out_features)",
    ),
    Mutant(
        "Linear",
        "the gradients accumulate over backward calls (+=)",
        edit(
            "self.dW = self.x.T @ dout",
            "self.dW = self.dW + self.x.T @ dout",
            "self.db = dout.sum(axis=0)",
            "self.db = self.db + dout.sum(axis=0)",
        ),
        visible=True,
        learner=True,
        names_it="nothing accumulates",
    ),
    Mutant(
        "Linear",
        "W drawn (out_features, in_features) and transposed (torch's layout)",
        edit(_HE, "self.W = (rng.standard_normal((out_features, in_features)) * np.sqrt(2.0 / in_features)).T"),
        visible=True,
        learner=True,
        names_it="of shape (in_features, out_features)",
    ),
    Mutant(
        "Linear",
        "dW from the first three samples only (right on the visible batches only)",
        edit("self.dW = self.x.T @ dout", "self.dW = self.x[:3].T @ dout[:3]"),
        visible=False,
    ),
    # ------------------------------------------------------------------ ReLU
    Mutant(
        "ReLU",
        "gradient 1 at x = 0 (x >= 0)",
        edit("self.mask = x > 0", "self.mask = x >= 0"),
        visible=True,
        learner=True,
        names_it="not >= 0",
    ),
    Mutant(
        "ReLU",
        "zeroes the negatives of the input in place",
        edit(_RELU_FWD, "self.mask = x > 0\nx[~self.mask] = 0.0\nreturn x"),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "ReLU",
        "masks by the sign of dout",
        edit("return dout * self.mask", "return np.maximum(dout, 0.0)"),
        visible=True,
        learner=True,
        names_it="input was positive",
    ),
    Mutant(
        "ReLU",
        "backward returns the mask, not dout times it",
        edit("return dout * self.mask", "return self.mask * 1.0"),
        visible=True,
        learner=True,
        names_it="multiply dout",
    ),
    Mutant(
        "ReLU",
        "the mask stored on the class (shared by every ReLU)",
        edit(_RELU_FWD, "ReLU.mask = x > 0\nreturn np.where(x > 0, x, 0.0)"),
        visible=True,
        learner=True,
        names_it="its own mask",
    ),
    Mutant(
        "ReLU",
        "keeps the mask of its first forward",
        edit("self.mask = x > 0", "if not hasattr(self, 'mask'):\n    self.mask = x > 0"),
        visible=False,
    ),
    Mutant(
        "ReLU",
        "backward zeroes dout in place and returns it",
        edit("return dout * self.mask", "dout[~self.mask] = 0.0\nreturn dout"),
        visible=True,
        learner=True,
        names_it="modified its argument",
    ),
    # ------------------------------------------------------------------ Tanh
    Mutant(
        "Tanh",
        "tanh from exponentials (overflows for large inputs)",
        edit("self.out = np.tanh(x)", "self.out = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))"),
        visible=True,
        learner=True,
        names_it="use np.tanh",
    ),
    Mutant(
        "Tanh",
        "derivative 1 - x**2 from the input",
        edit(
            _TANH_FWD,
            "self.x = x\nself.out = np.tanh(x)\nreturn self.out",
            _TANH_BWD,
            "return dout * (1.0 - self.x ** 2)",
        ),
        visible=True,
        learner=True,
        names_it="1 - x**2",
    ),
    Mutant(
        "Tanh",
        "derivative 1 - tanh(x), not squared",
        edit(_TANH_BWD, "return dout * (1.0 - self.out)"),
        visible=True,
        learner=True,
        names_it="(squared)",
    ),
    Mutant(
        "Tanh",
        "backward returns the derivative without dout",
        edit(_TANH_BWD, "return 1.0 - self.out ** 2"),
        visible=True,
        learner=True,
        names_it="multiply dout",
    ),
    Mutant(
        "Tanh",
        "writes tanh into the input (np.tanh(x, out=x))",
        edit("self.out = np.tanh(x)", "self.out = np.tanh(x, out=x)"),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "Tanh",
        "the output stored on the class (shared by every Tanh)",
        edit(_TANH_FWD, "Tanh.out = np.tanh(x)\nreturn Tanh.out"),
        visible=True,
        learner=True,
        names_it="its own output",
    ),
    Mutant(
        "Tanh",
        "keeps the output of its first forward",
        edit(_TANH_FWD, "if not hasattr(self, 'out'):\n    self.out = np.tanh(x)\nreturn np.tanh(x)"),
        visible=False,
    ),
    Mutant(
        "Tanh",
        "backward multiplies dout in place",
        edit(_TANH_BWD, "dout *= 1.0 - self.out ** 2\nreturn dout"),
        visible=True,
        learner=True,
        names_it="modified its argument",
    ),
    # ------------------------------------------------------------------ softmax_cross_entropy
    Mutant(
        "softmax_cross_entropy",
        "no max shift (overflow for large logits)",
        edit(_SHIFT, "shifted = logits"),
        visible=True,
        learner=True,
        names_it="row maximum",
    ),
    Mutant(
        "softmax_cross_entropy",
        "log of probabilities that underflowed to 0",
        edit(_LOGP, "log_probs = np.log(np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True))"),
        visible=True,
        learner=True,
        names_it="underflows to 0",
    ),
    Mutant(
        "softmax_cross_entropy",
        "the maximum of each column (axis=0)",
        edit(_SHIFT, "shifted = logits - logits.max(axis=0, keepdims=True)"),
        visible=True,
        learner=True,
        names_it="each column's",
    ),
    Mutant(
        "softmax_cross_entropy",
        "the maximum of the whole array",
        edit(_SHIFT, "shifted = logits - logits.max()"),
        visible=True,
        learner=True,
        names_it="whole array",
    ),
    Mutant(
        "softmax_cross_entropy",
        "gradient not divided by N",
        edit("return float(loss), dlogits / n", "return float(loss), dlogits"),
        visible=True,
        learner=True,
        names_it="dlogits is exactly N = 2 times too large",
    ),
    Mutant(
        "softmax_cross_entropy",
        "the sum of the losses, not the mean",
        edit("loss = -log_probs[np.arange(n), y].mean()", "loss = -log_probs[np.arange(n), y].sum()"),
        visible=True,
        learner=True,
        names_it="not the sum",
    ),
    Mutant(
        "softmax_cross_entropy",
        "log_probs[:, y] (an N x N matrix)",
        edit("loss = -log_probs[np.arange(n), y].mean()", "loss = -log_probs[:, y].mean()"),
        visible=True,
        learner=True,
        names_it="[np.arange(N), y]",
    ),
    Mutant(
        "softmax_cross_entropy",
        "forgets the -1 at the label",
        edit("dlogits[np.arange(n), y] -= 1.0", ""),
        visible=True,
        learner=True,
        names_it="subtract 1",
    ),
    Mutant(
        "softmax_cross_entropy",
        "shifts the caller's logits in place",
        edit(_SHIFT, "logits -= logits.max(axis=1, keepdims=True)\nshifted = logits"),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "softmax_cross_entropy",
        "float32 arithmetic",
        edit("n = logits.shape[0]", "n = logits.shape[0]\nlogits = logits.astype(np.float32)"),
        visible=False,
    ),
    # ------------------------------------------------------------------ MLP
    Mutant(
        "MLP",
        "an activation after the last layer too",
        edit(_LAST_ACT, "self.layers.append(acts[activation]())"),
        visible=True,
        learner=True,
        names_it="after the last Linear",
    ),
    Mutant(
        "MLP",
        "the same seed for every layer",
        edit(
            "self.layers.append(Linear(sizes[i], sizes[i + 1], seed=seed + i))",
            "self.layers.append(Linear(sizes[i], sizes[i + 1], seed=seed))",
        ),
        visible=True,
        learner=True,
        names_it="seed=seed + i",
    ),
    Mutant(
        "MLP",
        "params_and_grads yields copies (updates are lost)",
        edit(
            "yield layer.W, layer.dW\nyield layer.b, layer.db",
            "yield layer.W.copy(), layer.dW.copy()\nyield layer.b.copy(), layer.db.copy()",
        ),
        visible=True,
        learner=True,
        names_it="own arrays",
    ),
    Mutant(
        "MLP",
        "always ReLU (ignores activation)",
        edit("self.layers.append(acts[activation]())", "self.layers.append(ReLU())"),
        visible=True,
        learner=True,
        names_it="activation argument",
    ),
    Mutant(
        "MLP",
        "backward visits the layers first to last",
        edit("for layer in reversed(self.layers):", "for layer in self.layers:"),
        visible=True,
        learner=True,
        names_it="reverse order",
    ),
    Mutant(
        "MLP",
        "one activation object shared by every hidden layer",
        edit(
            "self.layers = []",
            "self.layers = []\nact = acts[activation]()",
            "self.layers.append(acts[activation]())",
            "self.layers.append(act)",
        ),
        visible=True,
        learner=True,
        names_it="new activation object",
    ),
    Mutant(
        "MLP",
        "backward gives dlogits to every layer (no chaining)",
        edit("d = layer.backward(d)", "d = layer.backward(dlogits)"),
        visible=True,
        learner=True,
        names_it="chain the gradient",
    ),
    Mutant(
        "MLP",
        "the (param, grad) pairs listed once in __init__ (stale gradients)",
        """
class MLP:
    def __init__(self, sizes, activation="relu", seed=0):
        acts = {"relu": ReLU, "tanh": Tanh}
        if activation not in acts:
            raise ValueError(f"activation must be 'relu' or 'tanh', got {activation!r}")
        self.layers = []
        for i in range(len(sizes) - 1):
            self.layers.append(Linear(sizes[i], sizes[i + 1], seed=seed + i))
            if i < len(sizes) - 2:
                self.layers.append(acts[activation]())
        self.pairs = []
        for layer in self.layers:
            if isinstance(layer, Linear):
                self.pairs += [(layer.W, layer.dW), (layer.b, layer.db)]

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dlogits):
        for layer in reversed(self.layers):
            dlogits = layer.backward(dlogits)
        return dlogits

    def params_and_grads(self):
        yield from self.pairs
""",
        visible=True,
        learner=True,
        names_it="current dW and db",
    ),
    Mutant(
        "MLP",
        "no check of the activation name",
        edit(
            """
            if activation not in acts:
                raise ValueError(f"unknown activation {activation!r}; choose 'relu' or 'tanh'")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="raise a ValueError",
    ),
    Mutant(
        "MLP",
        "the ValueError does not name the choices",
        edit(
            "raise ValueError(f\"unknown activation {activation!r}; choose 'relu' or 'tanh'\")",
            'raise ValueError("unknown activation")',
        ),
        visible=True,
        learner=True,
        names_it="two choices",
    ),
    Mutant(
        "MLP",
        "no layer at all for sizes [D, C] (the last layer added only after a hidden one)",
        edit(
            """
            for i in range(n_linear):
                self.layers.append(Linear(sizes[i], sizes[i + 1], seed=seed + i))
                if i < n_linear - 1:
                    self.layers.append(acts[activation]())
            """,
            """
            for i in range(n_linear - 1):
                self.layers += [Linear(sizes[i], sizes[i + 1], seed=seed + i), acts[activation]()]
            if n_linear > 1:
                self.layers.append(Linear(sizes[-2], sizes[-1], seed=seed + n_linear - 1))
            """,
        ),
        visible=False,
    ),
    Mutant(
        "MLP",
        "forward calls only the Linear layers (skips the activations)",
        """
class MLP:
    def __init__(self, sizes, activation="relu", seed=0):
        acts = {"relu": ReLU, "tanh": Tanh}
        if activation not in acts:
            raise ValueError(f"unknown activation {activation!r}; choose 'relu' or 'tanh'")
        n_linear = len(sizes) - 1
        self.layers = []
        for i in range(n_linear):
            self.layers.append(Linear(sizes[i], sizes[i + 1], seed=seed + i))
            if i < n_linear - 1:
                self.layers.append(acts[activation]())

    def forward(self, x):
        for layer in self.layers:
            if isinstance(layer, Linear):
                x = layer.forward(x)
        return x

    def backward(self, dlogits):
        for layer in reversed(self.layers):
            dlogits = layer.backward(dlogits)
        return dlogits

    def params_and_grads(self):
        for layer in self.layers:
            if isinstance(layer, Linear):
                yield layer.W, layer.dW
                yield layer.b, layer.db
""",
        visible=True,
        learner=True,
        names_it="skipped the activation layers",
    ),
    # ------------------------------------------------------------------ iterate_minibatches
    Mutant(
        "iterate_minibatches",
        "samples with replacement",
        edit(
            _ORDER,
            "rng = np.random.default_rng(seed)\norder = rng.permutation(len(X))",
            "idx = order[start:start + batch_size]",
            "idx = rng.integers(0, len(X), size=min(batch_size, len(X) - start))",
        ),
        visible=True,
        learner=True,
        names_it="with replacement",
    ),
    Mutant(
        "iterate_minibatches",
        "drops the last, smaller batch",
        edit(
            "for start in range(0, len(X), batch_size):", "for start in range(0, len(X) - batch_size + 1, batch_size):"
        ),
        visible=True,
        learner=True,
        names_it="keep the last, smaller batch",
    ),
    Mutant(
        "iterate_minibatches",
        "the global numpy generator (ignores the seed)",
        edit(_ORDER, "order = np.random.permutation(len(X))"),
        visible=True,
        learner=True,
        names_it="ignore the seed",
    ),
    Mutant(
        "iterate_minibatches",
        "shuffles X and y in place",
        edit(_ORDER, _ORDER + "\nX[:], y[:] = X[order], y[order]\norder = np.arange(len(X))"),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "iterate_minibatches",
        "X and y shuffled with two different permutations",
        edit(
            _ORDER,
            "rng = np.random.default_rng(seed)\norder, order_y = rng.permutation(len(X)), rng.permutation(len(X))",
            "yield X[idx], y[idx]",
            "yield X[idx], y[order_y[start:start + batch_size]]",
        ),
        visible=True,
        learner=True,
        names_it="same indices",
    ),
    Mutant(
        "iterate_minibatches",
        "no shuffling (the original order)",
        edit(_ORDER, "order = np.arange(len(X))"),
        visible=True,
        learner=True,
        names_it="original order",
    ),
    Mutant(
        "iterate_minibatches",
        "no check of batch_size",
        edit(
            """
            if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
                raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="positive int",
    ),
    Mutant(
        "iterate_minibatches",
        "no check that X and y have the same length",
        edit(
            """
            if len(X) != len(y):
                raise ValueError(f"X and y should have the same length, got {len(X)} and {len(y)}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="different lengths",
    ),
    Mutant(
        "iterate_minibatches",
        "range(0, N - 1, batch_size) drops a last batch of one sample",
        edit("for start in range(0, len(X), batch_size):", "for start in range(0, len(X) - 1, batch_size):"),
        visible=False,
    ),
    Mutant(
        "iterate_minibatches",
        "accepts only Python ints (type(batch_size) is int)",
        edit(
            "if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:",
            "if type(batch_size) is not int or batch_size < 1:",
        ),
        visible=True,
        learner=True,
        names_it="np.integer",
    ),
    Mutant(
        "iterate_minibatches",
        "checks only batch_size < 1 (2.5 gets a TypeError from range)",
        edit(
            "if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:",
            "if batch_size < 1:",
        ),
        visible=True,
        learner=True,
        names_it="raised TypeError",
    ),
    # ------------------------------------------------------------------ sgd_step
    Mutant(
        "sgd_step",
        "rebinds a local name instead of updating in place",
        edit(_STEP, "param = param - lr * grad"),
        visible=True,
        learner=True,
        names_it="only rebinds",
    ),
    Mutant(
        "sgd_step",
        "adds the gradient (ascent)",
        edit(_STEP, "param += lr * grad"),
        visible=True,
        learner=True,
        names_it="moved up the gradient",
    ),
    Mutant(
        "sgd_step",
        "returns after the first pair",
        edit(_STEP, "param -= lr * grad\nreturn"),
        visible=True,
        learner=True,
        names_it="every pair",
    ),
    Mutant(
        "sgd_step",
        "zeroes the gradients after the update",
        edit(_STEP, "param -= lr * grad\ngrad[...] = 0.0"),
        visible=True,
        learner=True,
        names_it="leave the gradients",
    ),
    Mutant(
        "sgd_step",
        "returns the model",
        edit(
            "for param, grad in model.params_and_grads():\n    param -= lr * grad",
            "for param, grad in model.params_and_grads():\n    param -= lr * grad\nreturn model",
        ),
        visible=True,
        learner=True,
        names_it="return None",
    ),
    Mutant(
        "sgd_step",
        "a learning rate of 0.1 written in (ignores lr)",
        edit(_STEP, "param -= 0.1 * grad"),
        visible=True,
        learner=True,
        names_it="use the lr passed in",
    ),
    Mutant(
        "sgd_step",
        "updates the first two pairs only (right on the two-parameter toy only)",
        edit(
            "for param, grad in model.params_and_grads():",
            "for param, grad in list(model.params_and_grads())[:2]:",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ train_mlp
    Mutant(
        "train_mlp",
        "plain mean of the batch losses",
        edit(_WEIGHTED, "total += loss\ncount += 1"),
        visible=True,
        learner=True,
        names_it="weight each batch's loss by its batch size",
    ),
    Mutant(
        "train_mlp",
        "the same seed every epoch",
        edit(
            "for Xb, yb in iterate_minibatches(X, y, batch_size, seed + epoch):",
            "for Xb, yb in iterate_minibatches(X, y, batch_size, seed):",
        ),
        visible=True,
        learner=True,
        names_it="epoch e uses seed + e",
    ),
    Mutant(
        "train_mlp",
        "update before backward (uses the previous batch's gradient)",
        edit("model.backward(dlogits)\nsgd_step(model, lr)", "sgd_step(model, lr)\nmodel.backward(dlogits)"),
        visible=True,
        learner=True,
        names_it="in that order",
    ),
    Mutant(
        "train_mlp",
        "never calls backward",
        edit("model.backward(dlogits)", ""),
        visible=True,
        learner=True,
        names_it="in that order",
    ),
    Mutant(
        "train_mlp",
        "returns one loss per batch",
        edit(_WEIGHTED, "losses.append(float(loss))", "losses.append(float(total / count))", ""),
        visible=True,
        learner=True,
        names_it="one loss per epoch",
    ),
    Mutant(
        "train_mlp",
        "the loss of the whole data in every step",
        edit(
            "loss, dlogits = softmax_cross_entropy(model.forward(Xb), yb)",
            "loss, dlogits = softmax_cross_entropy(model.forward(X), y)",
        ),
        visible=True,
        learner=True,
        names_it="forward the batch",
    ),
    Mutant(
        "train_mlp",
        "a learning rate of 0.5 written in (ignores lr)",
        edit("sgd_step(model, lr)", "sgd_step(model, 0.5)"),
        visible=False,
    ),
    Mutant(
        "train_mlp",
        "the running total and count never reset: each epoch reports the mean over all epochs so far",
        edit(
            """
            losses = []
            for epoch in range(epochs):
                total, count = 0.0, 0
            """,
            """
            losses = []
            total, count = 0.0, 0
            for epoch in range(epochs):
            """,
        ),
        visible=True,
        learner=True,
        names_it="reset the running total",
    ),
]

# Correct answers, written as another learner would.
HONEST = {
    "Linear": """
class Linear:
    def __init__(self, in_features, out_features, seed=0):
        gen = np.random.default_rng(seed)
        std = (2.0 / in_features) ** 0.5
        self.W = gen.normal(0.0, std, size=(in_features, out_features))
        self.b = np.zeros((out_features,))

    def forward(self, x):
        self.inp = np.asarray(x, dtype=float)
        return np.dot(self.inp, self.W) + self.b

    def backward(self, dout):
        self.dW = np.einsum("ni,no->io", self.inp, dout)
        self.db = np.sum(dout, axis=0)
        return np.dot(dout, self.W.T)
""",
    "ReLU": """
class ReLU:
    def forward(self, x):
        out = np.maximum(x, 0.0)
        self.active = out > 0
        return out

    def backward(self, dout):
        return np.where(self.active, dout, 0.0)
""",
    "Tanh": """
class Tanh:
    def forward(self, x):
        self.y = np.tanh(np.asarray(x, dtype=float))
        return self.y.copy()

    def backward(self, dout):
        return dout * (1 - np.square(self.y))
""",
    "softmax_cross_entropy": """
def softmax_cross_entropy(logits, y):
    N = len(logits)
    z = logits - np.max(logits, axis=1)[:, None]
    lse = np.log(np.sum(np.exp(z), axis=1))
    rows = np.arange(N)
    loss = np.mean(lse - z[rows, y])
    probs = np.exp(z - lse[:, None])
    onehot = np.zeros_like(probs)
    onehot[rows, y] = 1.0
    return float(loss), (probs - onehot) / N
""",
    "MLP": """
class MLP:
    def __init__(self, sizes, activation="relu", seed=0):
        if activation == "relu":
            make_act = ReLU
        elif activation == "tanh":
            make_act = Tanh
        else:
            raise ValueError(f"activation should be 'relu' or 'tanh', not {activation!r}")
        self.layers = []
        for i, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            if i > 0:
                self.layers.append(make_act())
            self.layers.append(Linear(d_in, d_out, seed=seed + i))

    def forward(self, x):
        out = x
        for layer in self.layers:
            out = layer.forward(out)
        return out

    def backward(self, dlogits):
        grad = dlogits
        for layer in self.layers[::-1]:
            grad = layer.backward(grad)
        return grad

    def params_and_grads(self):
        linears = [l for l in self.layers if isinstance(l, Linear)]
        return [pair for l in linears for pair in ((l.W, l.dW), (l.b, l.db))]
""",
    "iterate_minibatches": """
def iterate_minibatches(X, y, batch_size, seed):
    if type(batch_size) is bool or not isinstance(batch_size, (int, np.integer)):
        raise ValueError("batch_size must be an int")
    if batch_size <= 0:
        raise ValueError("batch_size must be positive")
    if X.shape[0] != y.shape[0]:
        raise ValueError("X and y differ in length")
    perm = np.random.default_rng(seed).permutation(X.shape[0])
    n_batches = -(-len(perm) // batch_size)
    batches = []
    for k in range(n_batches):
        sel = perm[k * batch_size:(k + 1) * batch_size]
        batches.append((X[sel], y[sel]))
    return iter(batches)
""",
    "sgd_step": """
def sgd_step(model, lr):
    for p, g in list(model.params_and_grads()):
        np.subtract(p, lr * g, out=p)
""",
    "train_mlp": """
def train_mlp(model, X, y, epochs, batch_size, lr, seed=0):
    history = []
    n = len(y)
    for e in range(epochs):
        weighted = 0.0
        for xb, yb in iterate_minibatches(X, y, batch_size, seed=seed + e):
            logits = model.forward(xb)
            batch_loss, grad = softmax_cross_entropy(logits, yb)
            model.backward(grad)
            sgd_step(model, lr)
            weighted += batch_loss * len(yb) / n
        history.append(float(weighted))
    return history
""",
}
