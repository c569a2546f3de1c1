"""Week 10, the capstone (capstone_pretraining.ipynb): learners' mistakes in the modern block and
Muon, as edits of the reference cells, and honest answers written another way."""

from tests.mutants import Mutant, edit

MUTANTS = [
    # ------------------------------------------------------------------ RMSNorm
    Mutant(
        "RMSNorm",
        "subtracts the mean first (LayerNorm without the shift)",
        edit(
            "mean_square = x.pow(2).mean(dim=-1, keepdim=True)",
            """
            x = x - x.mean(dim=-1, keepdim=True)
            mean_square = x.pow(2).mean(dim=-1, keepdim=True)
            """,
        ),
        visible=True,
        learner=True,
        names_it="which is LayerNorm",
    ),
    Mutant(
        "RMSNorm",
        "root of the sum of squares (x / ||x||)",
        edit("mean_square = x.pow(2).mean(dim=-1, keepdim=True)", "mean_square = x.pow(2).sum(dim=-1, keepdim=True)"),
        visible=True,
        learner=True,
        names_it="MEAN of the squares",
    ),
    Mutant(
        "RMSNorm",
        "eps added outside the square root",
        edit(
            "return x * torch.rsqrt(mean_square + self.eps) * self.weight",
            "return x / (torch.sqrt(mean_square) + self.eps) * self.weight",
        ),
        visible=True,
        learner=True,
        names_it="inside the square root",
    ),
    Mutant(
        "RMSNorm",
        "normalises over the first dimension (across the batch)",
        edit("mean_square = x.pow(2).mean(dim=-1, keepdim=True)", "mean_square = x.pow(2).mean(dim=0, keepdim=True)"),
        visible=True,
        learner=True,
        names_it="last dimension",
    ),
    Mutant(
        "RMSNorm",
        "divides by the standard deviation",
        edit(
            "return x * torch.rsqrt(mean_square + self.eps) * self.weight",
            "return x / torch.sqrt(x.var(dim=-1, keepdim=True) + self.eps) * self.weight",
        ),
        visible=True,
        learner=True,
        names_it="standard deviation",
    ),
    Mutant(
        "RMSNorm",
        "the gain starts at zeros",
        edit("self.weight = nn.Parameter(torch.ones(d))", "self.weight = nn.Parameter(torch.zeros(d))"),
        visible=True,
        learner=True,
        names_it="starts at ones",
    ),
    Mutant(
        "RMSNorm",
        "a bias as well (LayerNorm's shift)",
        edit(
            "self.weight = nn.Parameter(torch.ones(d))",
            """
            self.weight = nn.Parameter(torch.ones(d))
            self.bias = nn.Parameter(torch.zeros(d))
            """,
            "return x * torch.rsqrt(mean_square + self.eps) * self.weight",
            "return x * torch.rsqrt(mean_square + self.eps) * self.weight + self.bias",
        ),
        visible=True,
        learner=True,
        names_it="no bias",
    ),
    Mutant(
        "RMSNorm",
        "eps argument ignored (1e-6 written in)",
        edit(
            "return x * torch.rsqrt(mean_square + self.eps) * self.weight",
            "return x * torch.rsqrt(mean_square + 1e-6) * self.weight",
        ),
        visible=True,
        learner=True,
        names_it="not used",
    ),
    Mutant(
        "RMSNorm",
        "calls torch's F.rms_norm",
        edit(
            "return x * torch.rsqrt(mean_square + self.eps) * self.weight",
            "return F.rms_norm(x, (x.size(-1),), self.weight, self.eps)",
        ),
        visible=False,
    ),
    Mutant(
        "RMSNorm",
        "default eps 1e-5 (LayerNorm's)",
        """
class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + self.eps) * self.weight
""",
        visible=False,
    ),
    # ------------------------------------------------------------------ apply_rope
    Mutant(
        "apply_rope",
        "pairs channel i with i + head_size/2 (rotate half)",
        edit(
            "first, second = x[..., 0::2], x[..., 1::2]",
            "first, second = x[..., : hs // 2], x[..., hs // 2 :]",
            """
            turned = torch.stack([first * cos - second * sin, first * sin + second * cos], dim=-1)
            return turned.flatten(-2)
            """,
            "return torch.cat([first * cos - second * sin, first * sin + second * cos], dim=-1)",
        ),
        visible=True,
        learner=True,
        names_it="rotate half",
    ),
    Mutant(
        "apply_rope",
        "turns clockwise (minus the angle)",
        edit(
            "turned = torch.stack([first * cos - second * sin, first * sin + second * cos], dim=-1)",
            "turned = torch.stack([first * cos + second * sin, second * cos - first * sin], dim=-1)",
        ),
        visible=True,
        learner=True,
        names_it="clockwise",
    ),
    Mutant(
        "apply_rope",
        "rate of pair i uses i instead of 2i",
        edit(
            "rates = base ** (-torch.arange(0, hs, 2, dtype=torch.float64, device=x.device) / hs)",
            "rates = base ** (-torch.arange(0, hs // 2, dtype=torch.float64, device=x.device) / hs)",
        ),
        visible=True,
        learner=True,
        names_it="with 2i",
    ),
    Mutant(
        "apply_rope",
        "turns by 0..T-1 instead of the given positions",
        edit(
            "angle = positions.to(torch.float64)[:, None] * rates[None, :]",
            "angle = torch.arange(T, dtype=torch.float64, device=x.device)[:, None] * rates[None, :]",
        ),
        visible=True,
        learner=True,
        names_it="positions you are given",
    ),
    Mutant(
        "apply_rope",
        "base argument ignored (10000 written in)",
        edit(
            "rates = base ** (-torch.arange(0, hs, 2, dtype=torch.float64, device=x.device) / hs)",
            "rates = 10000 ** (-torch.arange(0, hs, 2, dtype=torch.float64, device=x.device) / hs)",
        ),
        visible=True,
        learner=True,
        names_it="base you are given",
    ),
    Mutant(
        "apply_rope",
        "turned halves concatenated instead of put back in their pairs",
        edit(
            """
            turned = torch.stack([first * cos - second * sin, first * sin + second * cos], dim=-1)
            return turned.flatten(-2)
            """,
            "return torch.cat([first * cos - second * sin, first * sin + second * cos], dim=-1)",
        ),
        visible=True,
        learner=True,
        names_it="wrong channels",
    ),
    Mutant(
        "apply_rope",
        "writes the result into x (in place)",
        edit(
            """
            turned = torch.stack([first * cos - second * sin, first * sin + second * cos], dim=-1)
            return turned.flatten(-2)
            """,
            """
            x[..., 0::2], x[..., 1::2] = first * cos - second * sin, first * sin + second * cos
            return x
            """,
        ),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "apply_rope",
        "no ValueError for an odd head size",
        edit(
            """
            if hs % 2:
                raise ValueError(f"head_size must be even (channels come in pairs), got {hs}")
            """,
            "",
        ),
        visible=True,
        learner=True,
    ),
    Mutant(
        "apply_rope",
        "angles in float32 (imprecise far from 0)",
        edit(
            "angle = positions.to(torch.float64)[:, None] * rates[None, :]",
            "angle = positions.to(torch.float32)[:, None] * rates.float()[None, :]",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ SwiGLU
    Mutant(
        "SwiGLU",
        "SiLU on the w3 branch",
        edit(
            "gate = F.silu(self.w1(x))",
            "gate = F.silu(self.w3(x))",
            "return self.w2(gate * self.w3(x))",
            "return self.w2(gate * self.w1(x))",
        ),
        visible=True,
        learner=True,
        names_it="on the w3 branch",
    ),
    Mutant(
        "SwiGLU",
        "sigmoid gate (GLU) instead of SiLU",
        edit("gate = F.silu(self.w1(x))", "gate = torch.sigmoid(self.w1(x))"),
        visible=True,
        learner=True,
        names_it="sigmoid gate",
    ),
    Mutant(
        "SwiGLU",
        "GELU instead of SiLU",
        edit("gate = F.silu(self.w1(x))", "gate = F.gelu(self.w1(x))"),
        visible=True,
        learner=True,
        names_it="GELU",
    ),
    Mutant(
        "SwiGLU",
        "no gate: w2(silu(w1 x))",
        edit("return self.w2(gate * self.w3(x))", "return self.w2(gate)"),
        visible=True,
        learner=True,
        names_it="no gate",
    ),
    Mutant(
        "SwiGLU",
        "linear layers with biases",
        edit(
            "self.w1 = nn.Linear(d, hidden, bias=False)",
            "self.w1 = nn.Linear(d, hidden)",
            "self.w3 = nn.Linear(d, hidden, bias=False)",
            "self.w3 = nn.Linear(d, hidden)",
        ),
        visible=True,
        learner=True,
        names_it="bias-free",
    ),
    Mutant(
        "SwiGLU",
        "w2 maps d -> hidden (shapes swapped)",
        edit("self.w2 = nn.Linear(hidden, d, bias=False)", "self.w2 = nn.Linear(d, hidden, bias=False)"),
        visible=True,
        learner=True,
        names_it="hidden -> d",
    ),
    Mutant(
        "SwiGLU",
        "assumes a (B, T, d) input",
        edit(
            "return self.w2(gate * self.w3(x))",
            "return self.w2(gate * self.w3(x)).view(x.shape[0], x.shape[1], -1)",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ newton_schulz
    Mutant(
        "newton_schulz",
        "no normalisation (G itself iterated)",
        edit("X = X / (X.norm() + 1e-7)", ""),
        visible=True,
        learner=True,
        names_it="Frobenius norm first",
    ),
    Mutant(
        "newton_schulz",
        "divides by the largest entry instead of the Frobenius norm",
        edit("X = X / (X.norm() + 1e-7)", "X = X / (X.abs().max() + 1e-7)"),
        visible=True,
        learner=True,
        names_it="largest entry",
    ),
    Mutant(
        "newton_schulz",
        "the cubic iteration 1.5 X - 0.5 X X^T X",
        edit("X = a * X + (b * A + c * A @ A) @ X", "X = 1.5 * X - 0.5 * A @ X"),
        visible=True,
        learner=True,
        names_it="cubic",
    ),
    Mutant(
        "newton_schulz",
        "a tall matrix is not transposed back",
        edit(
            """
            if tall:
                X = X.T
            return X.to(G.dtype)
            """,
            "return X.to(G.dtype)",
        ),
        visible=True,
        learner=True,
        names_it="transpose the result back",
    ),
    Mutant(
        "newton_schulz",
        "always five iterations (steps ignored)",
        edit("for _ in range(steps):", "for _ in range(5):"),
        visible=True,
        learner=True,
        names_it="steps you are given",
    ),
    Mutant(
        "newton_schulz",
        "no eps: the zero matrix gives NaN",
        edit("X = X / (X.norm() + 1e-7)", "X = X / X.norm()"),
        visible=True,
        learner=True,
        names_it="add eps",
    ),
    Mutant(
        "newton_schulz",
        "normalises G in place",
        edit(
            """
            X = G.float()
            X = X / (X.norm() + 1e-7)
            """,
            """
            X = G.float()
            X.div_(X.norm() + 1e-7)
            """,
        ),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "newton_schulz",
        "returns float32 whatever G's dtype",
        edit("return X.to(G.dtype)", "return X"),
        visible=False,
    ),
    # ------------------------------------------------------------------ Muon
    Mutant(
        "Muon",
        "no Nesterov: steps along the momentum alone",
        edit('u = g.lerp(m, mu) if group["nesterov"] else m', "u = m"),
        visible=True,
        learner=True,
        names_it="nesterov=True",
    ),
    Mutant(
        "Muon",
        "the momentum buffer starts from zero at every step",
        edit(
            """
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = torch.zeros_like(g)
            """,
            'state["momentum_buffer"] = torch.zeros_like(g)',
        ),
        visible=True,
        learner=True,
        names_it="between steps",
    ),
    Mutant(
        "Muon",
        "no sqrt(max(1, rows / cols)) scale",
        edit("p.add_(O, alpha=-lr * max(1.0, p.size(0) / p.size(1)) ** 0.5)", "p.add_(O, alpha=-lr)"),
        visible=True,
        learner=True,
        names_it="sqrt(max(1, rows / cols))",
    ),
    Mutant(
        "Muon",
        "lr stored at construction (a schedule has no effect)",
        edit(
            "super().__init__(params, defaults)",
            """
            super().__init__(params, defaults)
            self.lr = lr
            """,
            'mu, lr = group["momentum"], group["lr"]',
            'mu, lr = group["momentum"], self.lr',
        ),
        visible=True,
        learner=True,
        names_it="param_groups",
    ),
    Mutant(
        "Muon",
        "momentum of the orthogonalised updates",
        edit(
            """
            m.lerp_(g, 1 - mu)
            u = g.lerp(m, mu) if group["nesterov"] else m
            O = newton_schulz(u, group["ns_steps"])
            """,
            """
            ortho = newton_schulz(g, group["ns_steps"])
            m.lerp_(ortho, 1 - mu)
            O = ortho.lerp(m, mu) if group["nesterov"] else m
            """,
        ),
        visible=True,
        learner=True,
        names_it="orthogonalise u once",
    ),
    Mutant(
        "Muon",
        "accepts vectors (no ValueError)",
        edit(
            """
            for group in self.param_groups:
                for p in group["params"]:
                    if p.dim() != 2:
                        raise ValueError(f"Muon updates matrices only, got a parameter of shape {tuple(p.shape)}: give it to AdamW")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="matrices only",
    ),
    Mutant(
        "Muon",
        "weight decay after the update",
        edit(
            """
            p.mul_(1 - lr * group["weight_decay"])
            p.add_(O, alpha=-lr * max(1.0, p.size(0) / p.size(1)) ** 0.5)
            """,
            """
            p.add_(O, alpha=-lr * max(1.0, p.size(0) / p.size(1)) ** 0.5)
            p.mul_(1 - lr * group["weight_decay"])
            """,
        ),
        visible=True,
        learner=True,
    ),
    Mutant(
        "Muon",
        "ns_steps ignored (always the default)",
        edit('O = newton_schulz(u, group["ns_steps"])', "O = newton_schulz(u)"),
        visible=False,
    ),
]

# Correct answers, written as another learner would.
HONEST = {
    "RMSNorm": """
class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.eps = float(eps)
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        rms = torch.sqrt((x * x).mean(-1, keepdim=True) + self.eps)
        return self.weight * (x / rms)
""",
    "apply_rope": """
def apply_rope(x, positions, base=10000):
    if x.ndim != 4 or x.shape[-1] % 2 != 0:
        raise ValueError("x must be (B, n_head, T, head_size) with an even head_size")
    pos = torch.as_tensor(positions, device=x.device).double()
    if pos.ndim != 1 or pos.numel() != x.shape[2]:
        raise ValueError("need exactly one position per time step")
    half = x.shape[-1] // 2
    inv = 1.0 / (base ** (torch.arange(half, dtype=torch.float64, device=x.device) * 2 / x.shape[-1]))
    rot = torch.polar(torch.ones(len(pos), half, dtype=torch.float64, device=x.device), torch.outer(pos, inv))
    as_complex = torch.view_as_complex(x.double().reshape(*x.shape[:-1], half, 2))
    out = torch.view_as_real(as_complex * rot).reshape(x.shape)
    return out.to(x.dtype)
""",
    "SwiGLU": """
class SwiGLU(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.w1, self.w3 = (nn.Linear(d, hidden, bias=False) for _ in range(2))
        self.w2 = nn.Linear(hidden, d, bias=False)

    def forward(self, x):
        a = self.w1(x)
        return self.w2(a * torch.sigmoid(a) * self.w3(x))
""",
    "newton_schulz": """
def newton_schulz(G, steps=5):
    if G.ndim != 2 or steps < 0:
        raise ValueError("newton_schulz needs a matrix and steps >= 0")
    flip = G.shape[0] > G.shape[1]
    Y = (G.T if flip else G).to(torch.float32)
    Y = Y / (torch.linalg.matrix_norm(Y) + 1e-7)
    for _ in range(steps):
        gram = Y @ Y.mT
        Y = 3.4445 * Y - 4.7750 * (gram @ Y) + 2.0315 * (gram @ (gram @ Y))
    return (Y.T if flip else Y).to(dtype=G.dtype)
""",
    "Muon": """
class Muon(torch.optim.Optimizer):
    def __init__(self, params, lr=0.02, momentum=0.95, nesterov=True, ns_steps=5, weight_decay=0.0):
        super().__init__(params, {"lr": lr, "momentum": momentum, "nesterov": nesterov,
                                  "ns_steps": ns_steps, "weight_decay": weight_decay})
        if any(q.ndim != 2 for grp in self.param_groups for q in grp["params"]):
            raise ValueError("Muon only takes 2-D weight matrices")

    @torch.no_grad()
    def step(self, closure=None):
        result = None
        if closure is not None:
            with torch.enable_grad():
                result = closure()
        for grp in self.param_groups:
            beta = grp["momentum"]
            for w in grp["params"]:
                if w.grad is None:
                    continue
                st = self.state[w]
                buf = st.get("momentum_buffer")
                if buf is None:
                    buf = st["momentum_buffer"] = torch.zeros_like(w)
                buf.mul_(beta).add_((1 - beta) * w.grad)
                direction = (1 - beta) * w.grad + beta * buf if grp["nesterov"] else buf
                rows, cols = w.shape
                w.mul_(1.0 - grp["lr"] * grp["weight_decay"])
                w.sub_(grp["lr"] * math.sqrt(max(1.0, rows / cols)) * newton_schulz(direction, grp["ns_steps"]))
        return result
""",
}
