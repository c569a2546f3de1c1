"""Plausible wrong implementations of the Week 3 exercises."""

from tests.mutants import Mutant

_LINEAR_INIT = """
    def __init__(self, in_features, out_features, seed=0):
        rng = np.random.default_rng(seed)
        self.W = rng.standard_normal((in_features, out_features)) * np.sqrt(2.0 / in_features)
        self.b = np.zeros(out_features)
"""

MUTANTS = [
    # Linear
    Mutant(
        "Linear",
        "dx = dout @ W (not transposed)",
        """
class Linear:"""
        + _LINEAR_INIT
        + """
    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W
""",
        visible=True,
    ),
    Mutant(
        "Linear",
        "db averaged over the batch instead of summed",
        """
class Linear:"""
        + _LINEAR_INIT
        + """
    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.mean(axis=0)
        return dout @ self.W.T
""",
        visible=False,
    ),
    Mutant(
        "Linear",
        "unscaled initialisation (standard deviation 1)",
        """
class Linear:
    def __init__(self, in_features, out_features, seed=0):
        rng = np.random.default_rng(seed)
        self.W = rng.standard_normal((in_features, out_features))
        self.b = np.zeros(out_features)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T
""",
        visible=False,
    ),
    Mutant(
        "Linear",
        "ignores the seed (global numpy generator)",
        """
class Linear:
    def __init__(self, in_features, out_features, seed=0):
        self.W = np.random.randn(in_features, out_features) * np.sqrt(2.0 / in_features)
        self.b = np.zeros(out_features)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T
""",
        visible=False,
    ),
    Mutant(
        "Linear",
        "dW transposed (dout.T @ x)",
        """
class Linear:"""
        + _LINEAR_INIT
        + """
    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = dout.T @ self.x
        self.db = dout.sum(axis=0)
        return dout @ self.W.T
""",
        visible=True,
        names_it="dW = x.T @ dout has the shape of W",
    ),
    # ReLU
    Mutant(
        "ReLU",
        "gradient 1 at x = 0 (x >= 0)",
        """
class ReLU:
    def forward(self, x):
        self.mask = x >= 0
        return np.where(self.mask, x, 0.0)

    def backward(self, dout):
        return dout * self.mask
""",
        visible=False,
    ),
    Mutant(
        "ReLU",
        "zeroes negatives of the input in place",
        """
class ReLU:
    def forward(self, x):
        x[x < 0] = 0.0
        self.mask = x > 0
        return x

    def backward(self, dout):
        return dout * self.mask
""",
        visible=False,
    ),
    Mutant(
        "ReLU",
        "masks by the sign of dout",
        """
class ReLU:
    def forward(self, x):
        return np.maximum(x, 0.0)

    def backward(self, dout):
        return np.maximum(dout, 0.0)
""",
        visible=True,
        names_it="where the input was positive",
    ),
    # Tanh
    Mutant(
        "Tanh",
        "tanh from exponentials (overflows for large inputs)",
        """
class Tanh:
    def forward(self, x):
        self.out = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out ** 2)
""",
        visible=False,
    ),
    Mutant(
        "Tanh",
        "derivative 1 - x**2 from the input",
        """
class Tanh:
    def forward(self, x):
        self.x = x
        return np.tanh(x)

    def backward(self, dout):
        return dout * (1.0 - self.x ** 2)
""",
        visible=True,
        names_it="1 - tanh(x)**2",
    ),
    # softmax_cross_entropy
    Mutant(
        "softmax_cross_entropy",
        "no max shift (overflow for large logits)",
        """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()
    d = p.copy(); d[np.arange(n), y] -= 1
    return float(loss), d / n
""",
        visible=False,
    ),
    Mutant(
        "softmax_cross_entropy",
        "log of probabilities that underflowed to 0",
        """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()
    d = p.copy(); d[np.arange(n), y] -= 1
    return float(loss), d / n
""",
        visible=False,
    ),
    Mutant(
        "softmax_cross_entropy",
        "gradient not divided by N",
        """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    s = logits - logits.max(axis=1, keepdims=True)
    lp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    d = np.exp(lp); d[np.arange(n), y] -= 1
    return float(-lp[np.arange(n), y].mean()), d
""",
        visible=True,
        names_it="exactly N = 2 times too large",
    ),
    Mutant(
        "softmax_cross_entropy",
        "modifies logits in place (shifts them)",
        """
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    logits -= logits.max(axis=1, keepdims=True)
    lp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    d = np.exp(lp); d[np.arange(n), y] -= 1
    return float(-lp[np.arange(n), y].mean()), d / n
""",
        visible=False,
    ),
    # MLP
    Mutant(
        "MLP",
        "an activation after the last layer too",
        """
class MLP:
    def __init__(self, sizes, activation="relu", seed=0):
        acts = {"relu": ReLU, "tanh": Tanh}
        if activation not in acts:
            raise ValueError(activation)
        self.layers = []
        for i in range(len(sizes) - 1):
            self.layers += [Linear(sizes[i], sizes[i + 1], seed=seed + i), acts[activation]()]

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, d):
        for layer in reversed(self.layers):
            d = layer.backward(d)
        return d

    def params_and_grads(self):
        for layer in self.layers:
            if isinstance(layer, Linear):
                yield layer.W, layer.dW
                yield layer.b, layer.db
""",
        visible=True,
    ),
    Mutant(
        "MLP",
        "the same seed for every layer",
        """
class MLP:
    def __init__(self, sizes, activation="relu", seed=0):
        acts = {"relu": ReLU, "tanh": Tanh}
        if activation not in acts:
            raise ValueError(activation)
        self.layers = []
        for i in range(len(sizes) - 1):
            self.layers.append(Linear(sizes[i], sizes[i + 1], seed=seed))
            if i < len(sizes) - 2:
                self.layers.append(acts[activation]())

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, d):
        for layer in reversed(self.layers):
            d = layer.backward(d)
        return d

    def params_and_grads(self):
        for layer in self.layers:
            if isinstance(layer, Linear):
                yield layer.W, layer.dW
                yield layer.b, layer.db
""",
        visible=False,
    ),
    Mutant(
        "MLP",
        "params_and_grads yields copies (updates are lost)",
        """
class MLP:
    def __init__(self, sizes, activation="relu", seed=0):
        acts = {"relu": ReLU, "tanh": Tanh}
        if activation not in acts:
            raise ValueError(activation)
        self.layers = []
        for i in range(len(sizes) - 1):
            self.layers.append(Linear(sizes[i], sizes[i + 1], seed=seed + i))
            if i < len(sizes) - 2:
                self.layers.append(acts[activation]())

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, d):
        for layer in reversed(self.layers):
            d = layer.backward(d)
        return d

    def params_and_grads(self):
        for layer in self.layers:
            if isinstance(layer, Linear):
                yield layer.W.copy(), layer.dW.copy()
                yield layer.b.copy(), layer.db.copy()
""",
        visible=False,
    ),
    Mutant(
        "MLP",
        "always ReLU (ignores activation)",
        """
class MLP:
    def __init__(self, sizes, activation="relu", seed=0):
        self.layers = []
        for i in range(len(sizes) - 1):
            self.layers.append(Linear(sizes[i], sizes[i + 1], seed=seed + i))
            if i < len(sizes) - 2:
                self.layers.append(ReLU())

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, d):
        for layer in reversed(self.layers):
            d = layer.backward(d)
        return d

    def params_and_grads(self):
        for layer in self.layers:
            if isinstance(layer, Linear):
                yield layer.W, layer.dW
                yield layer.b, layer.db
""",
        visible=False,
    ),
]

MUTANTS += [
    # MLP: a named mistake for the visible checks (stand-in layers)
    Mutant(
        "MLP",
        "backward visits the layers first to last",
        """
class MLP:
    def __init__(self, sizes, activation="relu", seed=0):
        acts = {"relu": ReLU, "tanh": Tanh}
        if activation not in acts:
            raise ValueError(activation)
        self.layers = []
        for i in range(len(sizes) - 1):
            self.layers.append(Linear(sizes[i], sizes[i + 1], seed=seed + i))
            if i < len(sizes) - 2:
                self.layers.append(acts[activation]())

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, d):
        for layer in self.layers:
            d = layer.backward(d)
        return d

    def params_and_grads(self):
        for layer in self.layers:
            if isinstance(layer, Linear):
                yield layer.W, layer.dW
                yield layer.b, layer.db
""",
        visible=True,
        names_it="reverse order",
    ),
    # iterate_minibatches
    Mutant(
        "iterate_minibatches",
        "samples with replacement",
        """
def iterate_minibatches(X, y, batch_size, seed):
    rng = np.random.default_rng(seed)
    for start in range(0, len(X), batch_size):
        idx = rng.integers(0, len(X), size=min(batch_size, len(X) - start))
        yield X[idx], y[idx]
""",
        visible=True,
        names_it="did you sample with replacement",
    ),
    Mutant(
        "iterate_minibatches",
        "drops the last, smaller batch",
        """
def iterate_minibatches(X, y, batch_size, seed):
    order = np.random.default_rng(seed).permutation(len(X))
    for start in range(0, len(X) - batch_size + 1, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]
""",
        visible=True,
        names_it="keep the last, smaller batch",
    ),
    Mutant(
        "iterate_minibatches",
        "global numpy generator (ignores the seed)",
        """
def iterate_minibatches(X, y, batch_size, seed):
    order = np.random.permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]
""",
        visible=True,
        names_it="np.random.default_rng(seed).permutation",
    ),
    Mutant(
        "iterate_minibatches",
        "shuffles X and y in place",
        """
def iterate_minibatches(X, y, batch_size, seed):
    order = np.random.default_rng(seed).permutation(len(X))
    X[:] = X[order]
    y[:] = y[order]
    for start in range(0, len(X), batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]
""",
        visible=False,
    ),
    Mutant(
        "iterate_minibatches",
        "no argument checks",
        """
def iterate_minibatches(X, y, batch_size, seed):
    order = np.random.default_rng(seed).permutation(len(X))
    for start in range(0, len(X), max(1, int(batch_size))):
        idx = order[start:start + max(1, int(batch_size))]
        yield X[idx], y[idx]
""",
        visible=False,
    ),
    # sgd_step
    Mutant(
        "sgd_step",
        "rebinds a local name instead of updating in place",
        """
def sgd_step(model, lr):
    for param, grad in model.params_and_grads():
        param = param - lr * grad
""",
        visible=True,
        names_it="update them in place",
    ),
    Mutant(
        "sgd_step",
        "adds the gradient (ascent)",
        """
def sgd_step(model, lr):
    for param, grad in model.params_and_grads():
        param += lr * grad
""",
        visible=True,
        names_it="moved up the gradient",
    ),
    Mutant(
        "sgd_step",
        "hard-coded learning rate 0.1",
        """
def sgd_step(model, lr):
    for param, grad in model.params_and_grads():
        param -= 0.1 * grad
""",
        visible=False,
    ),
    Mutant(
        "sgd_step",
        "zeroes the gradients after the update",
        """
def sgd_step(model, lr):
    for param, grad in model.params_and_grads():
        param -= lr * grad
        grad[...] = 0.0
""",
        visible=False,
    ),
    # train_mlp
    Mutant(
        "train_mlp",
        "plain mean of the batch losses",
        """
def train_mlp(model, X, y, epochs, batch_size, lr, seed=0):
    losses = []
    for epoch in range(epochs):
        batch_losses = []
        for Xb, yb in iterate_minibatches(X, y, batch_size, seed + epoch):
            loss, dlogits = softmax_cross_entropy(model.forward(Xb), yb)
            model.backward(dlogits)
            sgd_step(model, lr)
            batch_losses.append(loss)
        losses.append(float(np.mean(batch_losses)))
    return losses
""",
        visible=True,
        names_it="weight each batch's loss by its batch size",
    ),
    Mutant(
        "train_mlp",
        "the same seed every epoch",
        """
def train_mlp(model, X, y, epochs, batch_size, lr, seed=0):
    losses = []
    for epoch in range(epochs):
        total, count = 0.0, 0
        for Xb, yb in iterate_minibatches(X, y, batch_size, seed):
            loss, dlogits = softmax_cross_entropy(model.forward(Xb), yb)
            model.backward(dlogits)
            sgd_step(model, lr)
            total += loss * len(yb)
            count += len(yb)
        losses.append(float(total / count))
    return losses
""",
        visible=True,
        names_it="epoch e uses seed + e",
    ),
    Mutant(
        "train_mlp",
        "update before backward (uses the previous batch's gradient)",
        """
def train_mlp(model, X, y, epochs, batch_size, lr, seed=0):
    losses = []
    for epoch in range(epochs):
        total, count = 0.0, 0
        for Xb, yb in iterate_minibatches(X, y, batch_size, seed + epoch):
            loss, dlogits = softmax_cross_entropy(model.forward(Xb), yb)
            sgd_step(model, lr)
            model.backward(dlogits)
            total += loss * len(yb)
            count += len(yb)
        losses.append(float(total / count))
    return losses
""",
        visible=False,
    ),
]
