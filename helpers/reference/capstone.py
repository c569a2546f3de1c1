"""The modern GPT of the week 10 capstone: RMSNorm, rotary position embeddings, a SwiGLU MLP and
the Muon optimizer (week 10's capstone exercises), and the ``ModernGPT`` built from them.

The capstone notebook (``solutions/week10/capstone_pretraining.ipynb``) has the learner write
``RMSNorm``, ``apply_rope``, ``SwiGLU``, ``newton_schulz`` and ``Muon``; ``ModernGPT`` assembles them
on week 8's attention (``helpers.reference.gpt.MultiHeadSelfAttention``) and generation
(``GPT.generate``). Week 11 may import this module (its kit holds week 10's answers); week 10's
own notebooks never do (part 2 loads the learner's model with ``helpers.model_io``).

    config = ModernConfig(vocab_size=2048, block_size=128, n_layer=4, n_head=4, n_embd=192)
    model = ModernGPT(config)
    muon_params, adamw_params = split_parameters(model)     # 2-D block matrices vs the rest

Shapes: B batch, T time, C = n_embd, nh heads, hs = C // nh head size.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.reference.gpt import GPT, MLP, LayerNorm, MultiHeadSelfAttention

# quintic Newton-Schulz coefficients (Keller Jordan's Muon): chosen so that a few iterations push
# every singular value of X / ||X||_F into roughly [0.7, 1.2], fast, rather than exactly to 1
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)


class RMSNorm(nn.Module):
    """``x / sqrt(mean(x**2) + eps) * weight`` over the last dimension (no mean subtracted, no bias),
    as ``torch.nn.RMSNorm(d, eps)``; ``weight`` starts at ones."""

    def __init__(self, d: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean_square = x.pow(2).mean(dim=-1, keepdim=True)  # (..., 1)
        return x * torch.rsqrt(mean_square + self.eps) * self.weight


def rope_angles(T_positions: torch.Tensor, head_size: int, base: float = 10000.0) -> torch.Tensor:
    """(T, hs/2) angles ``position * base**(-2i/hs)`` of channel pair i."""
    inv_freq = base ** (-torch.arange(0, head_size, 2, dtype=torch.float64, device=T_positions.device) / head_size)
    return T_positions.to(torch.float64)[:, None] * inv_freq[None, :]


def apply_rope(x: torch.Tensor, positions, base: float = 10000.0) -> torch.Tensor:
    """Rotary position embedding of queries or keys ``x`` (B, nh, T, hs) at ``positions`` (T integers).

    Channels (2i, 2i+1) form pair i, rotated by the angle ``positions[t] * base**(-2i/hs)``:
    ``(x0, x1) -> (x0 cos - x1 sin, x0 sin + x1 cos)``. Dot products of rotated queries and keys
    then depend on their positions only through the offset between them. Returns a new tensor of
    x's shape and dtype."""
    if x.dim() != 4:
        raise ValueError(f"apply_rope expects (B, n_head, T, head_size), got shape {tuple(x.shape)}")
    T, hs = x.shape[-2], x.shape[-1]
    if hs % 2:
        raise ValueError(f"head_size must be even to form channel pairs, got {hs}")
    positions = torch.as_tensor(positions, device=x.device)
    if positions.shape != (T,):
        raise ValueError(
            f"positions should hold one position per time step, shape ({T},), got {tuple(positions.shape)}"
        )
    angle = rope_angles(positions, hs, base)  # (T, hs/2)
    cos, sin = angle.cos().to(x.dtype), angle.sin().to(x.dtype)
    x0, x1 = x[..., 0::2], x[..., 1::2]  # (B, nh, T, hs/2) each
    return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1).flatten(-2)  # (B, nh, T, hs)


class SwiGLU(nn.Module):
    """The gated MLP of Llama: ``w2(silu(w1(x)) * w3(x))``, three bias-free linear layers
    (``w1``, ``w3``: d -> hidden, ``w2``: hidden -> d)."""

    def __init__(self, d: int, hidden: int) -> None:
        super().__init__()
        self.w1 = nn.Linear(d, hidden, bias=False)
        self.w3 = nn.Linear(d, hidden, bias=False)
        self.w2 = nn.Linear(hidden, d, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


def newton_schulz(G: torch.Tensor, steps: int = 5, eps: float = 1e-7) -> torch.Tensor:
    """An approximately orthogonal matrix with G's singular vectors: ``steps`` quintic Newton-Schulz
    iterations ``X <- a X + (b A + c A A) X``, ``A = X X^T``, from ``X = G / (||G||_F + eps)``, on the
    wide orientation (a tall G is transposed and back). Computed in float32, returned in G's
    dtype and shape; G is not modified."""
    if G.dim() != 2:
        raise ValueError(f"newton_schulz expects a matrix (2-D), got shape {tuple(G.shape)}")
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    a, b, c = NS_COEFFICIENTS
    X = G.float()
    X = X / (X.norm() + eps)
    tall = X.size(0) > X.size(1)
    if tall:
        X = X.T  # (n, m) with n < m: A = X X^T is the small Gram matrix
    for _ in range(steps):
        A = X @ X.T
        B = b * A + c * (A @ A)
        X = a * X + B @ X
    if tall:
        X = X.T
    return X.to(G.dtype)


class Muon(torch.optim.Optimizer):
    """Momentum, then an orthogonalised update, for 2-D weight matrices.

    For each parameter with a gradient ``g``: the buffer ``m <- momentum * m + (1 - momentum) * g``
    (zeros at first; an exponential moving average of the gradients); the update direction
    ``u = (1 - momentum) * g + momentum * m`` (Nesterov) or ``u = m``; ``O = newton_schulz(u,
    ns_steps)``; ``p <- p * (1 - lr * weight_decay) - lr * sqrt(max(1, rows / cols)) * O``. The same
    algorithm as ``torch.optim.Muon`` (which runs Newton-Schulz in bfloat16; here float32).
    Parameters that are not matrices raise ``ValueError`` (give them to AdamW: embeddings, norm
    weights, biases and the LM head stay on AdamW)."""

    def __init__(
        self,
        params,
        lr: float = 0.02,
        momentum: float = 0.95,
        nesterov: bool = True,
        ns_steps: int = 5,
        weight_decay: float = 0.0,
    ) -> None:
        if lr <= 0:
            raise ValueError(f"lr must be positive, got {lr}")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        defaults = dict(lr=lr, momentum=momentum, nesterov=nesterov, ns_steps=ns_steps, weight_decay=weight_decay)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.dim() != 2:
                    raise ValueError(
                        f"Muon updates matrices only; got a parameter of shape {tuple(p.shape)}: give it to AdamW"
                    )

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            mu, lr = group["momentum"], group["lr"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = torch.zeros_like(g)
                buf = state["momentum_buffer"]
                buf.lerp_(g, 1 - mu)  # m <- mu m + (1 - mu) g
                u = g.lerp(buf, mu) if group["nesterov"] else buf  # (1 - mu) g + mu m
                update = newton_schulz(u, group["ns_steps"])
                if group["weight_decay"]:
                    p.mul_(1 - lr * group["weight_decay"])
                p.add_(update, alpha=-lr * max(1.0, p.size(0) / p.size(1)) ** 0.5)
        return loss


# ----------------------------------------------------------------------------- the model


@dataclass
class ModernConfig:
    vocab_size: int
    block_size: int
    n_layer: int
    n_head: int
    n_embd: int
    mlp_hidden: int | None = None  # SwiGLU hidden size; None: 8/3 n_embd rounded up to 16 (GELU: 4 n_embd)
    norm: str = "rms"  # "rms" or "layer" (week 8's LayerNorm)
    positions: str = "rope"  # "rope" or "learned" (week 8's table)
    mlp: str = "swiglu"  # "swiglu" or "gelu" (week 8's MLP)
    tie_weights: bool = True
    rope_base: float = 10000.0
    dropout: float = 0.0
    bias: bool = False

    def __post_init__(self) -> None:
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"ModernConfig.{name} must be a positive integer, got {value!r}")
        if self.n_embd % self.n_head or (self.n_embd // self.n_head) % 2:
            raise ValueError(f"n_embd={self.n_embd} must split into n_head={self.n_head} heads of even size")
        if (
            self.norm not in ("rms", "layer")
            or self.positions not in ("rope", "learned")
            or self.mlp
            not in (
                "swiglu",
                "gelu",
            )
        ):
            raise ValueError(f"unknown norm/positions/mlp: {self.norm!r}, {self.positions!r}, {self.mlp!r}")

    @property
    def hidden(self) -> int:
        if self.mlp_hidden is not None:
            return self.mlp_hidden
        return 4 * self.n_embd if self.mlp == "gelu" else 16 * math.ceil(8 * self.n_embd / 3 / 16)

    def to_dict(self) -> dict:
        return asdict(self)


class RopeSelfAttention(MultiHeadSelfAttention):
    """Week 8's causal multi-head attention with rotary embeddings applied to queries and keys."""

    def __init__(self, config: ModernConfig) -> None:
        super().__init__(config)
        self.rope_base = config.rope_base

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self._heads(x)  # 3 x (B, nh, T, hs)
        pos = torch.arange(T, device=x.device)
        q, k = apply_rope(q, pos, self.rope_base), apply_rope(k, pos, self.rope_base)
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.dropout if self.training else 0.0, is_causal=True)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C)
        return self.resid_dropout(self.c_proj(y))


class ModernBlock(nn.Module):
    """Pre-norm block: x + attn(norm_1(x)), then x + mlp(norm_2(x))."""

    def __init__(self, config: ModernConfig) -> None:
        super().__init__()
        C = config.n_embd
        norm = (lambda: RMSNorm(C)) if config.norm == "rms" else (lambda: LayerNorm(C, bias=config.bias))
        self.norm_1, self.norm_2 = norm(), norm()
        self.attn = RopeSelfAttention(config) if config.positions == "rope" else MultiHeadSelfAttention(config)
        if config.mlp == "swiglu":
            self.mlp = SwiGLU(C, config.hidden)
        else:
            self.mlp = MLP(config)  # week 8's GELU MLP, 4C wide

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm_1(x))
        return x + self.mlp(self.norm_2(x))


class ModernGPT(nn.Module):
    """Token embedding (no position table with RoPE), n_layer ModernBlocks, a final norm and an LM
    head (tied to the embedding by default). ``forward`` and ``generate`` as week 8's GPT."""

    generate = GPT.generate

    def __init__(self, config: ModernConfig) -> None:
        super().__init__()
        self.config = config
        self.tok_emb = nn.Embedding(config.vocab_size, config.n_embd)
        if config.positions == "learned":
            self.pos_emb = nn.Embedding(config.block_size, config.n_embd)
        self.blocks = nn.ModuleList([ModernBlock(config) for _ in range(config.n_layer)])
        self.norm_f = RMSNorm(config.n_embd) if config.norm == "rms" else LayerNorm(config.n_embd, bias=config.bias)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        if config.tie_weights:
            self.lm_head.weight = self.tok_emb.weight
        self.apply(GPT._init_weights)

    def num_parameters(self, embeddings: bool = True) -> int:
        n = sum(p.numel() for p in self.parameters())
        if not embeddings:
            n -= self.tok_emb.weight.numel() + (self.pos_emb.weight.numel() if hasattr(self, "pos_emb") else 0)
            if not self.config.tie_weights:
                n -= self.lm_head.weight.numel()
        return n

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        B, T = idx.shape
        if T > self.config.block_size:
            raise ValueError(f"sequence of length {T} is longer than block_size={self.config.block_size}")
        x = self.tok_emb(idx)  # (B, T, C)
        if self.config.positions == "learned":
            x = x + self.pos_emb(torch.arange(T, device=idx.device))
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(self.norm_f(x))  # (B, T, V)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(B * T, -1).float(), targets.reshape(B * T))
        return logits, loss


def split_parameters(model: nn.Module) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
    """(Muon's, AdamW's) parameters: the 2-D weights of the blocks' linear layers go to Muon;
    embeddings, the LM head, norm weights and biases to AdamW. Each parameter once."""
    embeddings = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
    head = getattr(model, "lm_head", None)
    skip = embeddings | ({id(head.weight)} if head is not None else set())
    muon, adamw, seen = [], [], set()
    for name, p in model.named_parameters():
        if id(p) in seen or not p.requires_grad:
            continue
        seen.add(id(p))
        (muon if p.dim() == 2 and id(p) not in skip and name.startswith("blocks.") else adamw).append(p)
    return muon, adamw
