"""Plausible wrong implementations of the Week 3 exercises."""

from tests.mutants import Mutant

_LINEAR_INIT = '''
    def __init__(self, in_features, out_features, seed=0):
        rng = np.random.default_rng(seed)
        self.W = rng.standard_normal((in_features, out_features)) * np.sqrt(2.0 / in_features)
        self.b = np.zeros(out_features)
'''

MUTANTS = [
    # Linear
    Mutant("Linear", "dx = dout @ W (not transposed)", '''
class Linear:''' + _LINEAR_INIT + '''
    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W
''', visible=True),
    Mutant("Linear", "db averaged over the batch instead of summed", '''
class Linear:''' + _LINEAR_INIT + '''
    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.mean(axis=0)
        return dout @ self.W.T
''', visible=False),
    Mutant("Linear", "unscaled initialisation (standard deviation 1)", '''
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
''', visible=False),
    Mutant("Linear", "ignores the seed (global numpy generator)", '''
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
''', visible=False),
    Mutant("Linear", "dW transposed (dout.T @ x)", '''
class Linear:''' + _LINEAR_INIT + '''
    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = dout.T @ self.x
        self.db = dout.sum(axis=0)
        return dout @ self.W.T
''', visible=True),
    # ReLU
    Mutant("ReLU", "gradient 1 at x = 0 (x >= 0)", '''
class ReLU:
    def forward(self, x):
        self.mask = x >= 0
        return np.where(self.mask, x, 0.0)

    def backward(self, dout):
        return dout * self.mask
''', visible=False),
    Mutant("ReLU", "zeroes negatives of the input in place", '''
class ReLU:
    def forward(self, x):
        x[x < 0] = 0.0
        self.mask = x > 0
        return x

    def backward(self, dout):
        return dout * self.mask
''', visible=False),
    Mutant("ReLU", "masks by the sign of dout", '''
class ReLU:
    def forward(self, x):
        return np.maximum(x, 0.0)

    def backward(self, dout):
        return np.maximum(dout, 0.0)
''', visible=True),
    # Tanh
    Mutant("Tanh", "tanh from exponentials (overflows for large inputs)", '''
class Tanh:
    def forward(self, x):
        self.out = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out ** 2)
''', visible=False),
    Mutant("Tanh", "derivative 1 - x**2 from the input", '''
class Tanh:
    def forward(self, x):
        self.x = x
        return np.tanh(x)

    def backward(self, dout):
        return dout * (1.0 - self.x ** 2)
''', visible=True),
    # softmax_cross_entropy
    Mutant("softmax_cross_entropy", "no max shift (overflow for large logits)", '''
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()
    d = p.copy(); d[np.arange(n), y] -= 1
    return float(loss), d / n
''', visible=False),
    Mutant("softmax_cross_entropy", "log of probabilities that underflowed to 0", '''
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()
    d = p.copy(); d[np.arange(n), y] -= 1
    return float(loss), d / n
''', visible=False),
    Mutant("softmax_cross_entropy", "gradient not divided by N", '''
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    s = logits - logits.max(axis=1, keepdims=True)
    lp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    d = np.exp(lp); d[np.arange(n), y] -= 1
    return float(-lp[np.arange(n), y].mean()), d
''', visible=True),
    Mutant("softmax_cross_entropy", "modifies logits in place (shifts them)", '''
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    logits -= logits.max(axis=1, keepdims=True)
    lp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    d = np.exp(lp); d[np.arange(n), y] -= 1
    return float(-lp[np.arange(n), y].mean()), d / n
''', visible=False),
    # MLP
    Mutant("MLP", "an activation after the last layer too", '''
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
''', visible=True),
    Mutant("MLP", "the same seed for every layer", '''
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
''', visible=False),
    Mutant("MLP", "params_and_grads yields copies (updates are lost)", '''
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
''', visible=False),
    Mutant("MLP", "always ReLU (ignores activation)", '''
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
''', visible=False),
]
