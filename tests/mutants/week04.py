"""Plausible wrong implementations of the Week 4 exercises."""

from tests.mutants import Mutant


def _torch_mlp(init_body: str, from_numpy_body: str) -> str:
    return f"""
class TorchMLP(nn.Module):
    def __init__(self, sizes, activation="relu", dropout=0.0):
        super().__init__()
{init_body}
    def forward(self, x):
        return self.net(x)

    @classmethod
    def from_numpy(cls, mlp):
{from_numpy_body}
"""


_INIT = """        acts = {"relu": nn.ReLU, "tanh": nn.Tanh}
        if activation not in acts:
            raise ValueError(activation)
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
            if i < len(sizes) - 2:
                layers.append(acts[activation]())
                if dropout > 0:
                    layers.append(nn.Dropout(dropout))
        self.net = nn.Sequential(*layers)
"""

_FROM_NUMPY = """        linears = [layer for layer in mlp.layers if hasattr(layer, "W")]
        sizes = [linears[0].W.shape[0]] + [layer.W.shape[1] for layer in linears]
        activation = "tanh" if any(type(layer).__name__ == "Tanh" for layer in mlp.layers) else "relu"
        model = cls(sizes, activation=activation).double()
        with torch.no_grad():
            for tl, nl in zip([m for m in model.net if isinstance(m, nn.Linear)], linears):
                tl.weight.copy_(torch.tensor(nl.W.T))
                tl.bias.copy_(torch.tensor(nl.b))
        return model
"""

_CONFIG_FIELDS = """
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
"""

_FROM_ARGS = """
    @classmethod
    def from_args(cls, argv):
        import argparse
        parser = argparse.ArgumentParser()
        for f in fields(cls):
            parser.add_argument(f"--{f.name}", type=str, default=None)
        args = parser.parse_args(list(argv))
        return cls.from_dict({k: v for k, v in vars(args).items() if v is not None})
"""

_SAVE = """
def save_checkpoint(path, model, optimizer, config, epoch, scheduler=None, generator=None):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    name, keys, pos, has_gauss, cached = np.random.get_state()
    rng_state = {{"python": random.getstate(), "numpy": (name, torch.tensor(keys.astype(np.int64)), pos, has_gauss, cached),
                 "torch": torch.get_rng_state(), "cuda": [],
                 "generator": {gen}}}
    ckpt = {{"model_state": model.state_dict(), "optimizer_state": {opt},
            "scheduler_state": {sched},
            "config": {cfg}, "epoch": {epoch}, "rng_state": rng_state}}
    torch.save(ckpt, path)
    return path
"""

_CFG = "asdict(config) if dataclasses.is_dataclass(config) else dict(config)"
_OK = dict(
    opt="optimizer.state_dict()",
    cfg=_CFG,
    epoch="int(epoch)",
    sched="scheduler.state_dict() if scheduler is not None else None",
    gen="generator.get_state() if generator is not None else None",
)


def _save(**changes):
    return _SAVE.format(**{**_OK, **changes})


_VALUE = """
import math

class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))
        def _backward():
            self.grad {acc} out.grad
            other.grad {acc} out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))
        def _backward():
            self.grad {acc} other.data * out.grad
            other.grad {acc} self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        if not isinstance(k, (int, float)):
            raise TypeError("number exponents only")
        out = Value(self.data ** k, (self,))
        def _backward():
            self.grad {acc} k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,))
        def _backward():
            self.grad {acc} (1.0 - t * t) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,))
        def _backward():
            self.grad {acc} (1.0 if self.data {relu_cmp} 0 else 0.0) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        e = math.exp(self.data)
        out = Value(e, (self,))
        def _backward():
            self.grad {acc} e * out.grad
        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return self * other ** -1.0

    def __rtruediv__(self, other):
        return other * self ** -1.0

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
{backward}
"""

_TOPO = """        topo, seen = [], set()
        def build(v):
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)
        build(self)
{reset}        self.grad = 1.0
        for v in reversed(topo):
            v._backward()"""

_NAIVE = """        self.grad = 1.0
        stack = [self]
        while stack:
            v = stack.pop()
            v._backward()
            stack.extend(v._prev)"""


def _value(acc="+=", relu_cmp=">", backward=_TOPO.format(reset="")):
    return _VALUE.format(acc=acc, relu_cmp=relu_cmp, backward=backward)


_LOOP = """
def train_one_epoch(model, loader, optimizer, loss_fn):
    {mode}
    device = next(model.parameters()).device
    total, count, losses = 0.0, 0, []
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        {zero}
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
        losses.append(loss.item())
    if count == 0:
        raise ValueError("empty loader")
    return {ret}
"""


def _loop(mode="model.train()", zero="optimizer.zero_grad()", ret="total / count"):
    return _LOOP.format(mode=mode, zero=zero, ret=ret)


_EVAL = """
def evaluate(model, loader):
    was_training = model.training
    device = next(model.parameters()).device
    total_loss, correct, count = 0.0, 0, 0
    {mode}
    try:
        with {ctx}:
            for x, y in loader:
                x, y = x.to(device), y.to(device)
                logits = model(x)
                total_loss += {loss}
                correct += (logits.argmax(dim=1) == y).sum().item()
                count += len(y)
    finally:
        {restore}
    if count == 0:
        raise ValueError("empty loader")
    return total_loss / count, correct / count
"""


def _eval(
    mode="model.eval()",
    ctx="torch.no_grad()",
    loss='F.cross_entropy(logits, y, reduction="sum").item()',
    restore="model.train(was_training)",
):
    return _EVAL.format(mode=mode, ctx=ctx, loss=loss, restore=restore)


_RESTORE = """
def restore_checkpoint(ckpt, model, optimizer, scheduler=None, generator=None):
    model.load_state_dict(ckpt["model_state"])
    optimizer.load_state_dict(ckpt["optimizer_state"])
    if scheduler is not None and {sched}:
        if ckpt.get("scheduler_state") is None:
            raise ValueError("no scheduler state")
        scheduler.load_state_dict(ckpt["scheduler_state"])
    rng = ckpt["rng_state"]
    if {rng}:
        random.setstate(rng["python"])
        name, keys, pos, has_gauss, cached = rng["numpy"]
        np.random.set_state((name, np.asarray(keys).astype(np.uint32), pos, has_gauss, cached))
        torch.set_rng_state(rng["torch"])
    if generator is not None and {gen}:
        if rng.get("generator") is None:
            raise ValueError("no generator state")
        generator.set_state(rng["generator"])
    return {ret}
"""


def _restore(sched="True", rng="True", gen="True", ret='int(ckpt["epoch"])'):
    return _RESTORE.format(sched=sched, rng=rng, gen=gen, ret=ret)


MUTANTS = [
    # TorchMLP
    Mutant(
        "TorchMLP",
        "from_numpy copies W without transposing (reshaped to (out, in))",
        _torch_mlp(_INIT, _FROM_NUMPY.replace("torch.tensor(nl.W.T)", "torch.tensor(nl.W).reshape(tl.weight.shape)")),
        visible=True,
    ),
    Mutant(
        "TorchMLP",
        "from_numpy shares memory with the numpy arrays (torch.from_numpy)",
        _torch_mlp(
            _INIT,
            """        linears = [layer for layer in mlp.layers if hasattr(layer, "W")]
        sizes = [linears[0].W.shape[0]] + [layer.W.shape[1] for layer in linears]
        activation = "tanh" if any(type(layer).__name__ == "Tanh" for layer in mlp.layers) else "relu"
        model = cls(sizes, activation=activation).double()
        for tl, nl in zip([m for m in model.net if isinstance(m, nn.Linear)], linears):
            tl.weight = nn.Parameter(torch.from_numpy(nl.W.T))
            tl.bias = nn.Parameter(torch.from_numpy(nl.b))
        return model
""",
        ),
        visible=False,
    ),
    Mutant(
        "TorchMLP",
        "from_numpy always uses ReLU",
        _torch_mlp(
            _INIT,
            _FROM_NUMPY.replace(
                'activation = "tanh" if any(type(layer).__name__ == "Tanh" for layer in mlp.layers) else "relu"',
                'activation = "relu"',
            ),
        ),
        visible=False,
    ),
    Mutant(
        "TorchMLP",
        "a Dropout module even when dropout=0",
        _torch_mlp(
            _INIT.replace(
                "                if dropout > 0:\n                    layers.append(nn.Dropout(dropout))",
                "                layers.append(nn.Dropout(dropout))",
            ),
            _FROM_NUMPY,
        ),
        visible=False,
    ),
    Mutant(
        "TorchMLP",
        "from_numpy keeps float32",
        _torch_mlp(
            _INIT,
            _FROM_NUMPY.replace(
                "model = cls(sizes, activation=activation).double()", "model = cls(sizes, activation=activation)"
            ),
        ),
        visible=True,
        names_it=".double()",
    ),
    Mutant(
        "TorchMLP",
        "an activation after the last layer",
        _torch_mlp(
            _INIT.replace(
                "            if i < len(sizes) - 2:\n                layers.append(acts[activation]())",
                "            layers.append(acts[activation]())\n            if i < len(sizes) - 2:\n                pass",
            ),
            _FROM_NUMPY,
        ),
        visible=True,
    ),
    # TrainConfig
    Mutant(
        "TrainConfig",
        "from_dict does not convert types",
        _CONFIG_FIELDS
        + """
    @classmethod
    def from_dict(cls, overrides):
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}")
        return cls(**overrides)
"""
        + _FROM_ARGS,
        visible=False,
    ),
    Mutant(
        "TrainConfig",
        "from_dict silently ignores unknown keys",
        _CONFIG_FIELDS
        + """
    @classmethod
    def from_dict(cls, overrides):
        values = {}
        for f in fields(cls):
            if f.name in overrides:
                v = overrides[f.name]
                if isinstance(f.default, tuple):
                    values[f.name] = tuple(int(x) for x in (v.split(",") if isinstance(v, str) else v))
                else:
                    values[f.name] = type(f.default)(v)
        return cls(**values)
"""
        + _FROM_ARGS,
        visible=False,
    ),
    Mutant(
        "TrainConfig",
        "from_args parses every option as a float",
        _CONFIG_FIELDS
        + """
    @classmethod
    def from_dict(cls, overrides):
        known = {f.name: f for f in fields(cls)}
        unknown = set(overrides) - set(known)
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}")
        values = {}
        for k, v in overrides.items():
            d = known[k].default
            values[k] = tuple(int(x) for x in (v.split(",") if isinstance(v, str) else v)) if isinstance(d, tuple) else v
        return cls(**values)

    @classmethod
    def from_args(cls, argv):
        import argparse
        parser = argparse.ArgumentParser()
        for f in fields(cls):
            parser.add_argument(f"--{f.name}", type=str if f.name == "hidden_sizes" else float, default=None)
        args = parser.parse_args(list(argv))
        return cls.from_dict({k: v for k, v in vars(args).items() if v is not None})
""",
        visible=False,
    ),
    Mutant(
        "TrainConfig",
        "default learning rate 0.01",
        _CONFIG_FIELDS.replace("lr: float = 0.1", "lr: float = 0.01")
        + """
    @classmethod
    def from_dict(cls, overrides):
        return cls(**overrides)
"""
        + _FROM_ARGS,
        visible=True,
        names_it="keep the given defaults",
    ),
    # Value
    Mutant(
        "Value",
        "gradients overwritten (=) instead of accumulated (+=)",
        _value(acc="="),
        visible=True,
        names_it="must accumulate (+=), not be overwritten",
    ),
    Mutant(
        "Value",
        "backward without a topological order (a node before all its users)",
        _value(backward=_NAIVE),
        visible=True,
        names_it="reverse topological order",
    ),
    Mutant("Value", "relu gradient 1 at exactly 0 (>=)", _value(relu_cmp=">="), visible=False),
    Mutant(
        "Value",
        "backward zeroes every gradient first",
        _value(backward=_TOPO.format(reset="        for v in topo:\n            v.grad = 0.0\n")),
        visible=False,
    ),
    # DigitsDataset
    Mutant(
        "DigitsDataset",
        "keeps numpy's float64",
        """
class DigitsDataset(Dataset):
    def __init__(self, X, y):
        if len(X) != len(y):
            raise ValueError("lengths differ")
        self.X = torch.tensor(X)
        self.y = torch.tensor(y, dtype=torch.long)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.X[i], self.y[i]
""",
        visible=True,
        names_it="you kept numpy's dtype",
    ),
    Mutant(
        "DigitsDataset",
        "labels of shape (1,) instead of scalars",
        """
class DigitsDataset(Dataset):
    def __init__(self, X, y):
        if len(X) != len(y):
            raise ValueError("lengths differ")
        self.X = torch.tensor(X, dtype=torch.float32)
        self.y = torch.tensor(y, dtype=torch.long)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.X[i], self.y[i:i + 1]
""",
        visible=False,
    ),
    Mutant(
        "DigitsDataset",
        "no check that X and y have the same length",
        """
class DigitsDataset(Dataset):
    def __init__(self, X, y):
        self.X = torch.tensor(X, dtype=torch.float32)
        self.y = torch.tensor(y, dtype=torch.long)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], self.y[i]
""",
        visible=False,
    ),
    # train_one_epoch
    Mutant(
        "train_one_epoch",
        "never calls zero_grad (gradients accumulate over batches)",
        _loop(zero="pass"),
        visible=True,
        names_it="call optimizer.zero_grad() every step",
    ),
    Mutant(
        "train_one_epoch",
        "plain mean of the batch losses",
        _loop(ret="sum(losses) / len(losses)"),
        visible=True,
        names_it="weight each batch's loss by its batch size",
    ),
    Mutant(
        "train_one_epoch",
        "does not switch to train mode",
        _loop(mode="pass"),
        visible=True,
        names_it="call model.train() at the start",
    ),
    Mutant(
        "train_one_epoch",
        "switches to eval mode at the end",
        _loop(ret="(model.eval(), total / count)[1]"),
        visible=False,
    ),
    Mutant(
        "train_one_epoch",
        "no error for an empty loader",
        """
def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    device = next(model.parameters()).device
    total, count = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / max(count, 1)
""",
        visible=False,
    ),
    # evaluate
    Mutant(
        "evaluate",
        "leaves the model in eval mode",
        _eval(restore="pass"),
        visible=True,
        names_it="evaluate left the model in eval mode",
    ),
    Mutant(
        "evaluate",
        "forgets model.eval()",
        _eval(mode="pass"),
        visible=True,
        names_it="call model.eval() inside evaluate",
    ),
    Mutant(
        "evaluate",
        "records gradients (no torch.no_grad())",
        _eval(ctx="torch.enable_grad()"),
        visible=True,
        names_it="torch.no_grad()",
    ),
    Mutant("evaluate", "always ends in train mode (model.train())", _eval(restore="model.train()"), visible=False),
    Mutant(
        "evaluate",
        "averages the batch means (unweighted)",
        """
def evaluate(model, loader):
    was_training = model.training
    model.eval()
    losses, correct, count = [], 0, 0
    try:
        with torch.no_grad():
            for x, y in loader:
                logits = model(x)
                losses.append(F.cross_entropy(logits, y).item())
                correct += (logits.argmax(dim=1) == y).sum().item()
                count += len(y)
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("empty loader")
    return sum(losses) / len(losses), correct / count
""",
        visible=True,
    ),
    # save_checkpoint
    Mutant(
        "save_checkpoint",
        "no scheduler state",
        _save().replace('"scheduler_state": scheduler.state_dict() if scheduler is not None else None,', ""),
        visible=True,
        names_it="restarts the learning-rate schedule",
    ),
    Mutant(
        "save_checkpoint",
        "no RNG states",
        _save().replace('"epoch": int(epoch), "rng_state": rng_state', '"epoch": int(epoch)'),
        visible=True,
        names_it="other dropout masks",
    ),
    Mutant("save_checkpoint", "pickles the config object (not plain data)", _save(cfg="config"), visible=False),
    Mutant("save_checkpoint", "forgets the optimizer state", _save(opt="{}"), visible=False),
    Mutant("save_checkpoint", "forgets the DataLoader's generator", _save(gen="None"), visible=False),
    Mutant(
        "save_checkpoint",
        "numpy's state as a numpy array (not plain data)",
        _save().replace(
            '"numpy": (name, torch.tensor(keys.astype(np.int64)), pos, has_gauss, cached)',
            '"numpy": np.random.get_state()',
        ),
        visible=False,
    ),
    Mutant(
        "save_checkpoint",
        "does not create the parent folder",
        _save().replace("    path.parent.mkdir(parents=True, exist_ok=True)\n", ""),
        visible=False,
    ),
    Mutant("save_checkpoint", "saves the next epoch", _save(epoch="int(epoch) + 1"), visible=True),
    # load_checkpoint
    Mutant(
        "load_checkpoint",
        "weights_only=False (runs pickled code)",
        """
def load_checkpoint(path):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    return torch.load(path, map_location="cpu", weights_only=False)
""",
        visible=False,
    ),
    Mutant(
        "load_checkpoint",
        "returns an empty dict for a missing file",
        """
def load_checkpoint(path):
    if not Path(path).exists():
        return {}
    return torch.load(path, map_location="cpu", weights_only=True)
""",
        visible=False,
    ),
    Mutant(
        "load_checkpoint",
        "returns only the model state",
        """
def load_checkpoint(path):
    return torch.load(path, map_location="cpu", weights_only=True)["model_state"]
""",
        visible=True,
        names_it="return the whole saved dict",
    ),
    # restore_checkpoint
    Mutant(
        "restore_checkpoint",
        "does not restore the scheduler",
        _restore(sched="False"),
        visible=True,
        names_it="the schedule starts again",
    ),
    Mutant(
        "restore_checkpoint",
        "does not restore the RNG states",
        _restore(rng="False"),
        visible=True,
        names_it="other dropout masks",
    ),
    Mutant("restore_checkpoint", "does not restore the DataLoader's generator", _restore(gen="False"), visible=False),
    Mutant("restore_checkpoint", "returns nothing", _restore(ret="None"), visible=False),
]
