"""Plausible wrong implementations of the Week 4 exercises."""

from tests.mutants import Mutant


def _torch_mlp(init_body: str, from_numpy_body: str) -> str:
    return f'''
class TorchMLP(nn.Module):
    def __init__(self, sizes, activation="relu", dropout=0.0):
        super().__init__()
{init_body}
    def forward(self, x):
        return self.net(x)

    @classmethod
    def from_numpy(cls, mlp):
{from_numpy_body}
'''


_INIT = '''        acts = {"relu": nn.ReLU, "tanh": nn.Tanh}
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
'''

_FROM_NUMPY = '''        linears = [layer for layer in mlp.layers if hasattr(layer, "W")]
        sizes = [linears[0].W.shape[0]] + [layer.W.shape[1] for layer in linears]
        activation = "tanh" if any(type(layer).__name__ == "Tanh" for layer in mlp.layers) else "relu"
        model = cls(sizes, activation=activation).double()
        with torch.no_grad():
            for tl, nl in zip([m for m in model.net if isinstance(m, nn.Linear)], linears):
                tl.weight.copy_(torch.tensor(nl.W.T))
                tl.bias.copy_(torch.tensor(nl.b))
        return model
'''

_CONFIG_FIELDS = '''
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
'''

_FROM_ARGS = '''
    @classmethod
    def from_args(cls, argv):
        import argparse
        parser = argparse.ArgumentParser()
        for f in fields(cls):
            parser.add_argument(f"--{f.name}", type=str, default=None)
        args = parser.parse_args(list(argv))
        return cls.from_dict({k: v for k, v in vars(args).items() if v is not None})
'''

_SAVE = '''
def save_checkpoint(path, model, optimizer, config, epoch):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ckpt = {{"model_state": model.state_dict(), "optimizer_state": {opt},
            "config": {cfg}, "epoch": {epoch}}}
    torch.save(ckpt, path)
    return path
'''

MUTANTS = [
    # TorchMLP
    Mutant("TorchMLP", "from_numpy copies W without transposing (reshaped to (out, in))",
           _torch_mlp(_INIT, _FROM_NUMPY.replace("torch.tensor(nl.W.T)", "torch.tensor(nl.W).reshape(tl.weight.shape)")),
           visible=True),
    Mutant("TorchMLP", "from_numpy shares memory with the numpy arrays (torch.from_numpy)",
           _torch_mlp(_INIT, '''        linears = [layer for layer in mlp.layers if hasattr(layer, "W")]
        sizes = [linears[0].W.shape[0]] + [layer.W.shape[1] for layer in linears]
        activation = "tanh" if any(type(layer).__name__ == "Tanh" for layer in mlp.layers) else "relu"
        model = cls(sizes, activation=activation).double()
        for tl, nl in zip([m for m in model.net if isinstance(m, nn.Linear)], linears):
            tl.weight = nn.Parameter(torch.from_numpy(nl.W.T))
            tl.bias = nn.Parameter(torch.from_numpy(nl.b))
        return model
'''), visible=False),
    Mutant("TorchMLP", "from_numpy always uses ReLU",
           _torch_mlp(_INIT, _FROM_NUMPY.replace(
               'activation = "tanh" if any(type(layer).__name__ == "Tanh" for layer in mlp.layers) else "relu"',
               'activation = "relu"')), visible=False),
    Mutant("TorchMLP", "a Dropout module even when dropout=0",
           _torch_mlp(_INIT.replace("                if dropout > 0:\n                    layers.append(nn.Dropout(dropout))",
                                    "                layers.append(nn.Dropout(dropout))"), _FROM_NUMPY), visible=False),
    Mutant("TorchMLP", "from_numpy keeps float32",
           _torch_mlp(_INIT, _FROM_NUMPY.replace("model = cls(sizes, activation=activation).double()",
                                                 "model = cls(sizes, activation=activation)")), visible=True),
    Mutant("TorchMLP", "an activation after the last layer",
           _torch_mlp(_INIT.replace("            if i < len(sizes) - 2:\n                layers.append(acts[activation]())",
                                    "            layers.append(acts[activation]())\n            if i < len(sizes) - 2:\n                pass"),
                      _FROM_NUMPY), visible=True),
    # TrainConfig
    Mutant("TrainConfig", "from_dict does not convert types", _CONFIG_FIELDS + '''
    @classmethod
    def from_dict(cls, overrides):
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}")
        return cls(**overrides)
''' + _FROM_ARGS, visible=False),
    Mutant("TrainConfig", "from_dict silently ignores unknown keys", _CONFIG_FIELDS + '''
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
''' + _FROM_ARGS, visible=False),
    Mutant("TrainConfig", "from_args parses every option as a float", _CONFIG_FIELDS + '''
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
''', visible=False),
    Mutant("TrainConfig", "default learning rate 0.01", _CONFIG_FIELDS.replace("lr: float = 0.1", "lr: float = 0.01") + '''
    @classmethod
    def from_dict(cls, overrides):
        return cls(**overrides)
''' + _FROM_ARGS, visible=True),
    # save_checkpoint
    Mutant("save_checkpoint", "pickles the config object (not plain data)",
           _SAVE.format(opt="optimizer.state_dict()", cfg="config", epoch="int(epoch)"), visible=False),
    Mutant("save_checkpoint", "forgets the optimizer state",
           _SAVE.format(opt="{}", cfg="asdict(config) if dataclasses.is_dataclass(config) else dict(config)",
                        epoch="int(epoch)"), visible=False),
    Mutant("save_checkpoint", "does not create the parent folder", '''
def save_checkpoint(path, model, optimizer, config, epoch):
    ckpt = {"model_state": model.state_dict(), "optimizer_state": optimizer.state_dict(),
            "config": asdict(config) if dataclasses.is_dataclass(config) else dict(config), "epoch": int(epoch)}
    torch.save(ckpt, path)
    return Path(path)
''', visible=False),
    Mutant("save_checkpoint", "saves the next epoch",
           _SAVE.format(opt="optimizer.state_dict()", cfg="asdict(config) if dataclasses.is_dataclass(config) else dict(config)",
                        epoch="int(epoch) + 1"), visible=True),
    # load_checkpoint
    Mutant("load_checkpoint", "weights_only=False (runs pickled code)", '''
def load_checkpoint(path):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    return torch.load(path, map_location="cpu", weights_only=False)
''', visible=False),
    Mutant("load_checkpoint", "returns an empty dict for a missing file", '''
def load_checkpoint(path):
    if not Path(path).exists():
        return {}
    return torch.load(path, map_location="cpu", weights_only=True)
''', visible=False),
    Mutant("load_checkpoint", "returns only the model state", '''
def load_checkpoint(path):
    return torch.load(path, map_location="cpu", weights_only=True)["model_state"]
''', visible=True),
]
