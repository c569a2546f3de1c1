"""Week 4 (autograd by hand, the PyTorch workflow): learners' mistakes, and honest answers written another way."""

from tests.mutants import Mutant, edit

_RECURSIVE_TOPO = """
topo, seen = [], set()
def build(v):
    if v not in seen:
        seen.add(v)
        for child in v._prev:
            build(child)
        topo.append(v)
build(self)
"""

_ITERATIVE_TOPO = """
topo, seen = [], set()
stack = [(self, False)]
while stack:
    v, expanded = stack.pop()
    if expanded:
        topo.append(v)
    elif v not in seen:
        seen.add(v)
        stack.append((v, True))
        stack.extend((child, False) for child in v._prev if child not in seen)
"""

MUTANTS = [
    # ------------------------------------------------------------------ TrainConfig (first: the round trip grades it)
    Mutant(
        "TrainConfig",
        "from_dict never converts the values (strings stay strings)",
        edit(
            """
            values = {}
            for name, value in overrides.items():
                default = known[name].default
                if isinstance(default, tuple):
                    parts = value.split(",") if isinstance(value, str) else value
                    values[name] = tuple(int(v) for v in parts)
                else:
                    values[name] = type(default)(value)
            """,
            "values = dict(overrides)",
        ),
        visible=True,
        learner=True,
        names_it="convert every value",
    ),
    Mutant(
        "TrainConfig",
        "unknown keys are skipped silently",
        edit(
            """
            if unknown:
                raise ValueError(f"unknown config field(s) {unknown}; known fields: {sorted(known)}")
            """,
            "",
            "for name, value in overrides.items():",
            "for name, value in [(k, v) for k, v in overrides.items() if k in known]:",
        ),
        visible=True,
        learner=True,
        names_it="ignored silently",
    ),
    Mutant(
        "TrainConfig",
        "hidden_sizes converted with tuple(...) like the other fields: a string becomes its characters",
        edit(
            """
            if isinstance(default, tuple):
                parts = value.split(",") if isinstance(value, str) else value
                values[name] = tuple(int(v) for v in parts)
            else:
                values[name] = type(default)(value)
            """,
            "values[name] = type(default)(value)",
        ),
        visible=True,
        learner=True,
        names_it="split the string",
    ),
    Mutant(
        "TrainConfig",
        "from_dict converts in place, changing the caller's dict",
        edit("values = {}", "values = overrides"),
        visible=True,
        learner=True,
        names_it="changed the dict",
    ),
    Mutant(
        "TrainConfig",
        "from_args ignores unknown options (parse_known_args)",
        edit("args = parser.parse_args(list(argv))", "args, _ = parser.parse_known_args(list(argv))"),
        visible=True,
        learner=True,
        names_it="parse_known_args",
    ),
    Mutant(
        "TrainConfig",
        "converts only strings: a float 7.0 for an int field stays a float",
        edit(
            "values[name] = type(default)(value)",
            "values[name] = type(default)(value) if isinstance(value, str) else value",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ Value
    Mutant(
        "Value",
        "= instead of += in the backward of +: a reused value keeps one contribution",
        edit(
            """
            self.grad += out.grad
            other.grad += out.grad
            """,
            """
            self.grad = out.grad
            other.grad = out.grad
            """,
        ),
        visible=True,
        learner=True,
        names_it="must accumulate (+=)",
    ),
    Mutant(
        "Value",
        "a recursive topological sort (RecursionError past about 1,000 nodes)",
        edit(_ITERATIVE_TOPO, _RECURSIVE_TOPO),
        visible=True,
        learner=True,
        names_it="RecursionError",
    ),
    Mutant(
        "Value",
        "the backward functions run in topological order, leaves first",
        edit("for v in reversed(topo):", "for v in topo:"),
        visible=True,
        learner=True,
        names_it="from the output to the leaves",
    ),
    Mutant(
        "Value",
        "no topological sort: each node's backward runs as the walk from the output reaches it",
        edit(
            _ITERATIVE_TOPO.rstrip("\n")
            + """
self.grad = 1.0
for v in reversed(topo):
    v._backward()
""",
            """
self.grad = 1.0
queue, seen = [self], {self}
while queue:
    v = queue.pop(0)
    v._backward()
    for child in v._prev:
        if child not in seen:
            seen.add(child)
            queue.append(child)
""",
        ),
        visible=True,
        learner=True,
        names_it="topological order",
    ),
    Mutant(
        "Value",
        "backward() zeroes every gradient before filling them",
        edit("self.grad = 1.0", "for v in topo:\n    v.grad = 0.0\nself.grad = 1.0"),
        visible=True,
        learner=True,
        names_it="reset the",
    ),
    Mutant(
        "Value",
        "relu's derivative is 1 at exactly 0 (>= instead of >)",
        edit(
            "self.grad += (1.0 if self.data > 0 else 0.0) * out.grad",
            "self.grad += (1.0 if self.data >= 0 else 0.0) * out.grad",
        ),
        visible=True,
        learner=True,
        names_it="not >= 0",
    ),
    Mutant(
        "Value",
        "__rsub__ computes self - other (1 - v gives v - 1)",
        edit("return other + (-self)", "return self + (-other)"),
        visible=True,
        learner=True,
        names_it="__rsub__",
    ),
    Mutant(
        "Value",
        "the course's reference Value, imported",
        "from helpers.reference.autograd import Value\n",
        visible=False,
    ),
    # ------------------------------------------------------------------ TorchMLP
    Mutant(
        "TorchMLP",
        "an activation after the last linear layer too",
        edit("if i < len(sizes) - 2:", "if i < len(sizes) - 1:"),
        visible=True,
        learner=True,
        names_it="no activation after the last",
    ),
    Mutant(
        "TorchMLP",
        "from_numpy copies W without transposing it",
        edit("tl.weight.copy_(torch.tensor(nl.W.T))", "tl.weight.copy_(torch.tensor(nl.W))"),
        visible=True,
        learner=True,
        names_it="without transposing",
    ),
    Mutant(
        "TorchMLP",
        "from_numpy stays float32",
        edit("model = cls(sizes, activation=activation).double()", "model = cls(sizes, activation=activation)"),
        visible=True,
        learner=True,
        names_it=".double()",
    ),
    Mutant(
        "TorchMLP",
        "from_numpy's parameters share memory with the numpy arrays (torch.from_numpy)",
        edit(
            """
            tl.weight.copy_(torch.tensor(nl.W.T))
            tl.bias.copy_(torch.tensor(nl.b))
            """,
            """
            tl.weight.data = torch.from_numpy(nl.W.T)
            tl.bias.data = torch.from_numpy(nl.b)
            """,
        ),
        visible=True,
        learner=True,
        names_it="share memory",
    ),
    Mutant(
        "TorchMLP",
        "from_numpy always builds a relu network",
        edit(
            'activation = "tanh" if any(type(layer).__name__ == "Tanh" for layer in mlp.layers) else "relu"',
            'activation = "relu"',
        ),
        visible=True,
        learner=True,
        names_it="class names",
    ),
    Mutant(
        "TorchMLP",
        "an unknown activation falls back to relu",
        edit(
            """
            if activation not in acts:
                raise ValueError(f"unknown activation {activation!r}; choose 'relu' or 'tanh'")
            """,
            "",
            "layers.append(acts[activation]())",
            "layers.append(acts.get(activation, nn.ReLU)())",
        ),
        visible=True,
        learner=True,
        names_it="raise ValueError",
    ),
    Mutant(
        "TorchMLP",
        "forward returns probabilities (a softmax on the logits)",
        edit("return self.net(x)", "return torch.softmax(self.net(x), dim=-1)"),
        visible=True,
        learner=True,
        names_it="no softmax",
    ),
    Mutant(
        "TorchMLP",
        "from_numpy freezes the copied weights (requires_grad=False): no gradient reaches them",
        edit(
            """
            tl.weight.copy_(torch.tensor(nl.W.T))
            tl.bias.copy_(torch.tensor(nl.b))
            """,
            """
            tl.weight = nn.Parameter(torch.tensor(nl.W.T), requires_grad=False)
            tl.bias = nn.Parameter(torch.tensor(nl.b), requires_grad=False)
            """,
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ DigitsDataset
    Mutant(
        "DigitsDataset",
        "torch.from_numpy: shares memory and keeps float64",
        edit(
            """
            self.X = torch.tensor(X, dtype=torch.float32)
            self.y = torch.tensor(y, dtype=torch.long)
            """,
            """
            self.X = torch.from_numpy(X)
            self.y = torch.from_numpy(y)
            """,
        ),
        visible=True,
        learner=True,
        names_it="kept numpy's dtype",
    ),
    Mutant(
        "DigitsDataset",
        "labels as float32",
        edit("self.y = torch.tensor(y, dtype=torch.long)", "self.y = torch.tensor(y, dtype=torch.float32)"),
        visible=True,
        learner=True,
        names_it="int64",
    ),
    Mutant(
        "DigitsDataset",
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
        names_it="raise ValueError",
    ),
    Mutant(
        "DigitsDataset",
        "torch.as_tensor for the labels: shares memory with an int64 numpy array",
        edit("self.y = torch.tensor(y, dtype=torch.long)", "self.y = torch.as_tensor(y, dtype=torch.long)"),
        visible=True,
        learner=True,
        names_it="shares memory",
    ),
    Mutant(
        "DigitsDataset",
        "a label of shape (1,) instead of a scalar",
        edit("return self.X[i], self.y[i]", "return self.X[i], self.y[i:i + 1]"),
        visible=True,
        learner=True,
    ),
    Mutant(
        "DigitsDataset",
        "labels keep numpy's integer dtype (int32 labels stay int32)",
        edit("self.y = torch.tensor(y, dtype=torch.long)", "self.y = torch.tensor(y)"),
        visible=False,
    ),
    # ------------------------------------------------------------------ train_one_epoch
    Mutant(
        "train_one_epoch",
        "the plain mean of the batch losses",
        edit(
            """
            total += loss.item() * len(y)
            count += len(y)
            """,
            """
            total += loss.item()
            count += 1
            """,
        ),
        visible=True,
        learner=True,
        names_it="weight each batch's loss",
    ),
    Mutant(
        "train_one_epoch",
        "never clears the gradients",
        edit("optimizer.zero_grad()", ""),
        visible=True,
        learner=True,
        names_it="zero_grad() every step",
    ),
    Mutant(
        "train_one_epoch",
        "clears the gradients between backward() and step()",
        edit(
            """
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            """,
            """
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.zero_grad()
            """,
        ),
        visible=True,
        learner=True,
        names_it="cleared after backward()",
    ),
    Mutant(
        "train_one_epoch",
        "never switches to train mode",
        edit("model.train()", ""),
        visible=True,
        learner=True,
        names_it="call model.train() at the start",
    ),
    Mutant(
        "train_one_epoch",
        "hard-coded: the visible example's answer",
        edit("return total / count", "return 2.875"),
        visible=False,
    ),
    # ------------------------------------------------------------------ evaluate
    Mutant(
        "evaluate",
        "always ends in train mode",
        edit("model.train(was_training)", "model.train()"),
        visible=True,
        learner=True,
        names_it="not always train mode",
    ),
    Mutant(
        "evaluate",
        "never puts the mode back",
        edit("model.train(was_training)", "pass"),
        visible=True,
        learner=True,
        names_it="left the model in eval mode",
    ),
    Mutant(
        "evaluate",
        "never switches to eval mode",
        edit("model.eval()", ""),
        visible=True,
        learner=True,
        names_it="switch to eval mode",
    ),
    Mutant(
        "evaluate",
        "no torch.no_grad(): a graph is recorded",
        edit("with torch.no_grad():", "if True:"),
        visible=True,
        learner=True,
        names_it="torch.no_grad()",
    ),
    Mutant(
        "evaluate",
        "the mean of the batch means",
        edit(
            "total_loss, correct, count = 0.0, 0, 0",
            "total_loss, correct, count, batches = 0.0, 0, 0, 0",
            'total_loss += F.cross_entropy(logits, y, reduction="sum").item()',
            "total_loss += F.cross_entropy(logits, y).item()\nbatches += 1",
            "return total_loss / count, correct / count",
            "return total_loss / batches, correct / count",
        ),
        visible=True,
        learner=True,
        names_it="every sample should count once",
    ),
    Mutant(
        "evaluate",
        "puts the mode back only when nothing fails (no try/finally)",
        edit(
            """
            try:
                with torch.no_grad():
                    for x, y in loader:
                        x, y = x.to(device), y.to(device)
                        logits = model(x)
                        total_loss += F.cross_entropy(logits, y, reduction="sum").item()
                        correct += (logits.argmax(dim=1) == y).sum().item()
                        count += len(y)
            finally:
                model.train(was_training)
            """,
            """
            with torch.no_grad():
                for x, y in loader:
                    x, y = x.to(device), y.to(device)
                    logits = model(x)
                    total_loss += F.cross_entropy(logits, y, reduction="sum").item()
                    correct += (logits.argmax(dim=1) == y).sum().item()
                    count += len(y)
            model.train(was_training)
            """,
        ),
        visible=True,
        learner=True,
        names_it="try/finally",
    ),
    Mutant(
        "evaluate",
        "hard-coded: the visible example's answer",
        edit("return total_loss / count, correct / count", "return 1.2418240308761597, 0.75"),
        visible=False,
    ),
    # ------------------------------------------------------------------ save_checkpoint
    Mutant(
        "save_checkpoint",
        "no scheduler state",
        edit('"scheduler_state": scheduler.state_dict() if scheduler is not None else None,', ""),
        visible=True,
        learner=True,
        names_it="restarts the learning-rate schedule",
    ),
    Mutant(
        "save_checkpoint",
        "no RNG states",
        edit('"rng_state": rng_state,', ""),
        visible=True,
        learner=True,
        names_it="other dropout masks",
    ),
    Mutant(
        "save_checkpoint",
        "the config object itself (not plain data)",
        edit('"config": asdict(config) if dataclasses.is_dataclass(config) else dict(config),', '"config": config,'),
        visible=True,
        learner=True,
        names_it="plain dict",
    ),
    Mutant(
        "save_checkpoint",
        "numpy's state saved as it is (a numpy key array)",
        edit(
            '"numpy": (name, torch.tensor(keys.astype(np.int64)), pos, has_gauss, cached),',
            '"numpy": np.random.get_state(),',
        ),
        visible=True,
        learner=True,
        names_it="as a numpy array",
    ),
    Mutant(
        "save_checkpoint",
        "does not create missing parent folders",
        edit("path.parent.mkdir(parents=True, exist_ok=True)", ""),
        visible=True,
        learner=True,
        names_it="create the missing parent folders",
    ),
    Mutant(
        "save_checkpoint",
        "writes straight onto the path (a failed save leaves a half-written file)",
        edit(
            """
            tmp = path.with_name(path.name + ".tmp")
            torch.save(ckpt, tmp)
            os.replace(tmp, path)
            """,
            "torch.save(ckpt, path)",
        ),
        visible=True,
        learner=True,
        names_it="half-written",
    ),
    Mutant(
        "save_checkpoint",
        "a path given as a str is not turned into a Path (.parent fails)",
        edit("path = Path(path)", ""),
        visible=False,
    ),
    # ------------------------------------------------------------------ load_checkpoint
    Mutant(
        "load_checkpoint",
        "returns only the model's state",
        edit(
            'return torch.load(path, map_location="cpu", weights_only=True)',
            'return torch.load(path, map_location="cpu", weights_only=True)["model_state"]',
        ),
        visible=True,
        learner=True,
        names_it="whole saved dict",
    ),
    Mutant(
        "load_checkpoint",
        "weights_only=False: pickled code runs",
        edit(
            'return torch.load(path, map_location="cpu", weights_only=True)',
            'return torch.load(path, map_location="cpu", weights_only=False)',
        ),
        visible=True,
        learner=True,
        names_it="weights_only=True",
    ),
    Mutant(
        "load_checkpoint",
        "returns None for a missing file",
        edit(
            'raise FileNotFoundError(f"no checkpoint at {path}: check the path, or train and save one first")',
            "return None",
        ),
        visible=True,
        learner=True,
        names_it="raise FileNotFoundError instead",
    ),
    Mutant(
        "load_checkpoint",
        "the error for a missing file does not say which",
        edit(
            'raise FileNotFoundError(f"no checkpoint at {path}: check the path, or train and save one first")',
            'raise FileNotFoundError("checkpoint not found")',
        ),
        visible=True,
        learner=True,
        names_it="contain the missing path",
    ),
    Mutant(
        "load_checkpoint",
        "exists() instead of is_file(): a folder is loaded as a checkpoint",
        edit("if not path.is_file():", "if not path.exists():"),
        visible=False,
    ),
    # ------------------------------------------------------------------ restore_checkpoint
    Mutant(
        "restore_checkpoint",
        "does not restore the scheduler",
        edit('scheduler.load_state_dict(ckpt["scheduler_state"])', ""),
        visible=True,
        learner=True,
        names_it="the schedule starts again",
    ),
    Mutant(
        "restore_checkpoint",
        "does not restore torch's global RNG",
        edit('torch.set_rng_state(rng["torch"])', ""),
        visible=True,
        learner=True,
        names_it="other dropout masks",
    ),
    Mutant(
        "restore_checkpoint",
        "does not restore numpy's RNG",
        edit("np.random.set_state((name, np.asarray(keys).astype(np.uint32), pos, has_gauss, cached))", ""),
        visible=True,
        learner=True,
        names_it="np.random's state",
    ),
    Mutant(
        "restore_checkpoint",
        "does not restore Python's RNG",
        edit('random.setstate(rng["python"])', ""),
        visible=True,
        learner=True,
        names_it="restore random's state",
    ),
    Mutant(
        "restore_checkpoint",
        "does not restore the DataLoader's generator",
        edit('generator.set_state(rng["generator"])', ""),
        visible=True,
        learner=True,
        names_it="generator.set_state",
    ),
    Mutant(
        "restore_checkpoint",
        "hard-coded: the visible example's epoch",
        edit('return int(ckpt["epoch"])', "return 4"),
        visible=False,
    ),
]

# Correct answers, written as another learner would.
HONEST = {
    "Value": '''
import math

class Value:
    """A scalar with a gradient; backward() uses Kahn's algorithm (count each node's users)."""

    def __init__(self, data, _children=(), _op=""):
        self.data, self.grad = float(data), 0.0
        self._prev, self._op = set(_children), _op
        self._backward = lambda: None

    @staticmethod
    def _lift(x):
        return x if isinstance(x, Value) else Value(x)

    def _node(self, data, parents, local_grads, op):
        out = Value(data, parents, op)
        def bw():
            for p, g in zip(parents, local_grads):
                p.grad += g * out.grad
        out._backward = bw
        return out

    def __add__(self, other):
        other = Value._lift(other)
        return self._node(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = Value._lift(other)
        return self._node(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __pow__(self, k):
        if isinstance(k, Value) or isinstance(k, bool) or not isinstance(k, (int, float)):
            raise TypeError("only int or float exponents")
        return self._node(self.data ** k, (self,), (k * self.data ** (k - 1),), "pow")

    def tanh(self):
        th = math.tanh(self.data)
        return self._node(th, (self,), (1 - th ** 2,), "tanh")

    def relu(self):
        on = self.data > 0
        return self._node(self.data if on else 0.0, (self,), (1.0 if on else 0.0,), "relu")

    def exp(self):
        ex = math.exp(self.data)
        return self._node(ex, (self,), (ex,), "exp")

    def __neg__(self):
        return self * (-1)

    def __sub__(self, other):
        return self + Value._lift(other) * (-1)

    def __rsub__(self, other):
        return Value._lift(other) + self * (-1)

    def __truediv__(self, other):
        return self * Value._lift(other) ** (-1)

    def __rtruediv__(self, other):
        return Value._lift(other) * self ** (-1)

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def backward(self):
        users, todo, found = {}, [self], {self}
        while todo:
            node = todo.pop()
            for c in node._prev:
                users[c] = users.get(c, 0) + 1
                if c not in found:
                    found.add(c)
                    todo.append(c)
        self.grad = 1.0
        ready = [self]
        while ready:
            node = ready.pop()
            node._backward()
            for c in node._prev:
                users[c] -= 1
                if users[c] == 0:
                    ready.append(c)

    def __repr__(self):
        return f"Value({self.data}, grad={self.grad})"
''',
    "TorchMLP": """
class TorchMLP(nn.Module):
    def __init__(self, sizes, activation="relu", dropout=0.0):
        super().__init__()
        if activation == "relu":
            make_act = nn.ReLU
        elif activation == "tanh":
            make_act = nn.Tanh
        else:
            raise ValueError(f"activation must be relu or tanh, not {activation}")
        mods = [nn.Linear(sizes[0], sizes[1])]
        for d_in, d_out in zip(sizes[1:-1], sizes[2:]):
            mods.append(make_act())
            if dropout > 0:
                mods.append(nn.Dropout(p=dropout))
            mods.append(nn.Linear(d_in, d_out))
        self.net = nn.Sequential(*mods)

    def forward(self, x):
        out = x
        for layer in self.net:
            out = layer(out)
        return out

    @classmethod
    def from_numpy(cls, mlp):
        Ws = [(l.W, l.b) for l in mlp.layers if type(l).__name__ == "Linear"]
        act = "tanh" if "Tanh" in [type(l).__name__ for l in mlp.layers] else "relu"
        net = cls([Ws[0][0].shape[0]] + [W.shape[1] for W, _ in Ws], act).to(torch.float64)
        layers = [m for m in net.net if isinstance(m, nn.Linear)]
        for lin, (W, b) in zip(layers, Ws):
            lin.weight.data = torch.tensor(W.T.copy(), dtype=torch.float64)
            lin.bias.data = torch.tensor(b.copy(), dtype=torch.float64)
        return net
""",
    "TrainConfig": """
@dataclass
class TrainConfig:
    seed: int = 0
    lr: float = 0.1
    momentum: float = 0.0
    batch_size: int = 32
    epochs: int = 60
    weight_decay: float = 0.0
    dropout: float = 0.0
    hidden_sizes: tuple = (256, 128)

    @classmethod
    def from_dict(cls, overrides):
        defaults = {f.name: f.default for f in fields(cls)}
        converted = {}
        for key in overrides:
            if key not in defaults:
                raise ValueError(f"{key!r} is not a TrainConfig field")
            raw = overrides[key]
            if key == "hidden_sizes":
                items = [s for s in raw.split(",")] if isinstance(raw, str) else list(raw)
                converted[key] = tuple(map(int, items))
            elif isinstance(defaults[key], int):
                converted[key] = int(float(raw))
            else:
                converted[key] = float(raw)
        return cls(**converted)

    @classmethod
    def from_args(cls, argv):
        import argparse
        p = argparse.ArgumentParser()
        for name in (f.name for f in fields(cls)):
            p.add_argument("--" + name)
        given = {k: v for k, v in vars(p.parse_args(argv)).items() if v is not None}
        return cls.from_dict(given)
""",
    "DigitsDataset": """
class DigitsDataset(Dataset):
    def __init__(self, X, y):
        X, y = np.array(X, dtype=np.float32), np.array(y, dtype=np.int64)   # np.array copies
        if X.shape[0] != y.shape[0]:
            raise ValueError("X and y differ in length")
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)

    def __len__(self):
        return int(self.X.shape[0])

    def __getitem__(self, idx):
        return self.X[idx], self.y[idx]
""",
    "train_one_epoch": """
def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    dev = next(iter(model.parameters())).device
    weighted, seen = [], 0
    for xb, yb in loader:
        xb, yb = xb.to(dev), yb.to(dev)
        for p in model.parameters():
            p.grad = None
        batch_loss = loss_fn(model(xb), yb)
        batch_loss.backward()
        optimizer.step()
        weighted.append(float(batch_loss) * yb.shape[0])
        seen += yb.shape[0]
    if not seen:
        raise ValueError("nothing to train on: the loader is empty")
    return sum(weighted) / seen
""",
    "evaluate": """
def evaluate(model, loader):
    mode = model.training
    dev = next(iter(model.parameters())).device
    model.train(False)
    losses, hits, n = [], 0, 0
    try:
        with torch.inference_mode():
            for xb, yb in loader:
                out = model(xb.to(dev))
                yb = yb.to(dev)
                losses.append(F.cross_entropy(out, yb, reduction="none"))
                hits += int((out.max(dim=1).indices == yb).sum())
                n += yb.numel()
    finally:
        model.train(mode)
    if n == 0:
        raise ValueError("empty loader")
    return float(torch.cat(losses).mean()), hits / n
""",
    "save_checkpoint": """
def save_checkpoint(path, model, optimizer, config, epoch, scheduler=None, generator=None):
    target = Path(path)
    os.makedirs(target.parent, exist_ok=True)
    np_state = list(np.random.get_state())
    np_state[1] = torch.from_numpy(np_state[1].astype(np.int64))
    cfg = dict(config) if isinstance(config, dict) else {f.name: getattr(config, f.name) for f in fields(config)}
    state = dict(
        model_state=model.state_dict(),
        optimizer_state=optimizer.state_dict(),
        scheduler_state=None if scheduler is None else scheduler.state_dict(),
        config=cfg,
        epoch=int(epoch),
        rng_state=dict(python=random.getstate(), numpy=tuple(np_state), torch=torch.get_rng_state(),
                       cuda=torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
                       generator=None if generator is None else generator.get_state()),
    )
    partial = target.parent / (target.name + ".partial")
    with open(partial, "wb") as fh:
        torch.save(state, fh)
    partial.replace(target)
    return target
""",
    "load_checkpoint": """
def load_checkpoint(path):
    import os.path
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} does not exist")
    return torch.load(str(path), weights_only=True, map_location=torch.device("cpu"))
""",
    "restore_checkpoint": """
def restore_checkpoint(ckpt, model, optimizer, scheduler=None, generator=None):
    states = ckpt["rng_state"]
    if scheduler is not None and ckpt.get("scheduler_state") is None:
        raise ValueError("a scheduler was given but the checkpoint has no scheduler_state")
    if generator is not None and states.get("generator") is None:
        raise ValueError("a generator was given but the checkpoint has no generator state")
    model.load_state_dict(ckpt["model_state"])
    optimizer.load_state_dict(ckpt["optimizer_state"])
    if scheduler is not None:
        scheduler.load_state_dict(ckpt["scheduler_state"])
    random.setstate(states["python"])
    np_state = list(states["numpy"])
    np_state[1] = np.array(np_state[1], dtype=np.uint32)
    np.random.set_state(tuple(np_state))
    torch.set_rng_state(states["torch"])
    if states["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
    if generator is not None:
        generator.set_state(states["generator"])
    return int(ckpt["epoch"])
""",
}
