"""BabyGPT: a small decoder-only Transformer, nanoGPT-style (weeks 8-10).

Week 8 builds these pieces as exercises; later weeks import them from here.

    config = GPTConfig(vocab_size=84, block_size=128, n_layer=4, n_head=4, n_embd=128)
    model = GPT(config)
    logits, loss = model(idx, targets)          # idx, targets: (B, T) token ids
    out = model.generate(idx, max_new_tokens=200, temperature=0.8, top_k=20)

Shapes: B batch, T time (sequence length), C = n_embd channels, nh heads, hs = C // nh head size,
V vocabulary size. Week 8 also writes ``LayerNorm`` (from tensor operations), ``configure_optimizer``
(AdamW, decay on matrices only), ``lr_at`` (warm-up + cosine) and ``train_babygpt`` (the training
loop); they are here too. The KV cache is week 9's exercise: ``helpers.reference.kv_cache``.
The week 8 notebook's classes are the same definitions (``tests/test_helpers_gpt.py`` proves it).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

POSITION_KINDS = ("learned", "sinusoidal", "none")


@dataclass
class GPTConfig:
    vocab_size: int
    block_size: int  # the context window: the longest sequence the model sees
    n_layer: int
    n_head: int
    n_embd: int
    dropout: float = 0.0
    bias: bool = True  # biases in the Linear layers and LayerNorms
    positions: str = "learned"  # "learned", "sinusoidal" or "none" (an ablation)
    residual: bool = True  # False removes the residual connections (an ablation)
    tie_weights: bool = False  # True: lm_head shares tok_emb's weight (an ablation)

    def __post_init__(self) -> None:
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"GPTConfig.{name} must be a positive integer, got {value!r}")
        if self.n_embd % self.n_head != 0:
            raise ValueError(
                f"n_embd={self.n_embd} must be divisible by n_head={self.n_head} "
                "(each head gets n_embd // n_head channels)"
            )
        if self.positions not in POSITION_KINDS:
            raise ValueError(f"positions must be one of {POSITION_KINDS}, got {self.positions!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    def to_dict(self) -> dict:
        return asdict(self)


def causal_mask(T: int, device=None) -> torch.Tensor:
    """Boolean (T, T) mask, True on and below the diagonal: query t may attend to keys 0..t."""
    if T < 1:
        raise ValueError(f"causal_mask needs T >= 1, got {T}")
    return torch.ones(T, T, dtype=torch.bool, device=device).tril()


# the sinusoidal table is multiplied by this before it is added to the token embeddings, so that its
# entries have standard deviation 0.02, that of the freshly initialised token (and learned position)
# embeddings: sin and cos have RMS 1/sqrt(2), so 0.02 * sqrt(2). Unscaled (amplitude 1) the positions
# would outweigh the tokens ~50x at the start of training.
SINUSOIDAL_SCALE = 0.02 * math.sqrt(2)


def sinusoidal_positions(T: int, d: int) -> torch.Tensor:
    """The (T, d) sinusoidal encoding of "Attention Is All You Need":
    PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d))."""
    if T < 1 or d < 1:
        raise ValueError(f"sinusoidal_positions needs T >= 1 and d >= 1, got T={T}, d={d}")
    pos = torch.arange(T, dtype=torch.float64)[:, None]  # (T, 1)
    two_i = torch.arange(0, d, 2, dtype=torch.float64)  # (ceil(d/2),)
    angle = pos / (10000.0 ** (two_i / d))  # (T, ceil(d/2))
    pe = torch.zeros(T, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d // 2])
    return pe.float()


class LayerNorm(nn.Module):
    """LayerNorm over the last dimension from tensor operations: ``(x - mean) / sqrt(var + eps) * weight + bias``.

    ``var`` is the biased variance (divide by d), as ``nn.LayerNorm``; ``weight`` starts at ones and
    ``bias`` at zeros (``bias=False`` leaves it out, as ``nn.LayerNorm(d, bias=False)``).
    """

    def __init__(self, d: int, eps: float = 1e-5, bias: bool = True) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=-1, keepdim=True)  # (..., 1)
        xc = x - mean
        var = (xc * xc).mean(dim=-1, keepdim=True)  # (..., 1): biased, divide by d
        y = xc * torch.rsqrt(var + self.eps) * self.weight  # (..., d)
        return y + self.bias if self.bias is not None else y


class MultiHeadSelfAttention(nn.Module):
    """Causal multi-head self-attention: n_head heads of size n_embd // n_head, in one batched matmul."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.dropout = config.dropout
        # query, key and value projections for all heads at once, then the output projection
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)

    def _heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)  # 3 x (B, T, C)
        hs = C // self.n_head
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        return q, k, v

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.size(-1) != self.n_embd:
            raise ValueError(f"expected x of shape (B, T, {self.n_embd}), got {tuple(x.shape)}")
        B, T, C = x.shape
        q, k, v = self._heads(x)  # 3 x (B, nh, T, hs)
        y = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.dropout if self.training else 0.0, is_causal=True
        )  # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C): heads side by side
        return self.resid_dropout(self.c_proj(y))

    @torch.no_grad()
    def attention_weights(self, x: torch.Tensor) -> torch.Tensor:
        """The (B, nh, T, T) attention probabilities of each head (for plots; forward never forms them)."""
        q, k, _ = self._heads(x)
        att = q @ k.transpose(-2, -1) / math.sqrt(k.size(-1))  # (B, nh, T, T)
        T = x.size(1)
        att = att.masked_fill(~causal_mask(T, device=x.device), float("-inf"))
        return att.softmax(dim=-1)


def MLP(config: GPTConfig) -> nn.Sequential:
    """Position-wise feed-forward network: widen 4x, GELU, project back, dropout (names c_fc, gelu, c_proj, dropout)."""
    C = config.n_embd
    return nn.Sequential(
        OrderedDict(
            c_fc=nn.Linear(C, 4 * C, bias=config.bias),
            gelu=nn.GELU(),
            c_proj=nn.Linear(4 * C, C, bias=config.bias),
            dropout=nn.Dropout(config.dropout),
        )
    )


class Block(nn.Module):
    """One Transformer block, pre-LayerNorm: x + attn(ln1(x)), then x + mlp(ln2(x))."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.residual = config.residual
        self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
        self.attn = MultiHeadSelfAttention(config)
        self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.residual:  # the residual stream carries x through; each sub-layer adds a correction
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlp(self.ln_2(x))
        else:  # ablation: each sub-layer replaces x
            x = self.attn(self.ln_1(x))
            x = self.mlp(self.ln_2(x))
        return x


class GPT(nn.Module):
    """Token + position embedding, n_layer Blocks, a final LayerNorm and a linear LM head."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.tok_emb = nn.Embedding(config.vocab_size, config.n_embd)
        if config.positions == "learned":
            self.pos_emb = nn.Embedding(config.block_size, config.n_embd)
        elif config.positions == "sinusoidal":
            self.register_buffer(
                "pos_table", sinusoidal_positions(config.block_size, config.n_embd) * SINUSOIDAL_SCALE, persistent=False
            )
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList([Block(config) for _ in range(config.n_layer)])
        self.ln_f = LayerNorm(config.n_embd, bias=config.bias)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        if config.tie_weights:  # one (V, C) matrix both embeds the tokens and scores them
            self.lm_head.weight = self.tok_emb.weight
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        # small weights: the logits start near 0, so the initial loss is close to ln(V)
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits (B, T, V) for every position, and the mean cross entropy when ``targets`` (B, T) is given."""
        if idx.dim() != 2 or idx.dtype not in (torch.long, torch.int, torch.int32, torch.int16, torch.uint8):
            raise ValueError(
                f"idx should be a (B, T) tensor of token ids, got shape {tuple(idx.shape)} and dtype {idx.dtype}"
            )
        B, T = idx.shape
        if T > self.config.block_size:
            raise ValueError(
                f"sequence of length {T} is longer than block_size={self.config.block_size}; "
                "crop the context to the last block_size tokens"
            )
        x = self.tok_emb(idx)  # (B, T, C)
        if self.config.positions == "learned":
            x = x + self.pos_emb(torch.arange(T, device=idx.device))  # (T, C) broadcast over B
        elif self.config.positions == "sinusoidal":
            x = x + self.pos_table[:T]
        x = self.drop(x)
        for block in self.blocks:
            x = block(x)  # (B, T, C)
        logits = self.lm_head(self.ln_f(x))  # (B, T, V)
        loss = None
        if targets is not None:
            if targets.shape != idx.shape:
                raise ValueError(f"targets should have the shape of idx {tuple(idx.shape)}, got {tuple(targets.shape)}")
            loss = F.cross_entropy(logits.reshape(B * T, -1), targets.reshape(B * T))
        return logits, loss

    @torch.no_grad()
    def generate(
        self,
        idx: torch.Tensor,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Append ``max_new_tokens`` sampled tokens to ``idx`` (B, T); returns (B, T + max_new_tokens).

        Each step feeds the last ``block_size`` tokens (the context window). ``temperature=0``
        is greedy decoding. (Week 9's ``helpers.reference.sampling.generate`` adds top-p and a KV cache.)
        """
        was_training = self.training
        self.eval()
        for _ in range(max_new_tokens):
            idx_cond = idx[:, -self.config.block_size :]  # (B, <= block_size)
            logits, _ = self(idx_cond)
            logits = logits[:, -1, :]  # (B, V): the last position only
            if temperature == 0:
                idx_next = logits.argmax(dim=-1, keepdim=True)  # (B, 1)
            else:
                logits = logits / temperature
                if top_k is not None:
                    kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, [-1]]
                    logits = logits.masked_fill(logits < kth, float("-inf"))
                probs = F.softmax(logits, dim=-1)
                idx_next = torch.multinomial(probs, num_samples=1, generator=generator)  # (B, 1)
            idx = torch.cat([idx, idx_next], dim=1)  # (B, T + 1)
        self.train(was_training)
        return idx


@torch.no_grad()
def attention_maps(model: nn.Module, idx: torch.Tensor, layer: int = 0) -> torch.Tensor:
    """The (B, nh, T, T) attention probabilities of every head of ``model.blocks[layer]`` on ``idx``.

    Works for any model with this file's names (``blocks[i].attn.c_attn``, ``n_head``): a hook
    catches the attention's input, and the probabilities are recomputed from its q and k.
    """
    attn = model.blocks[layer].attn
    caught = {}
    handle = attn.register_forward_pre_hook(lambda module, args: caught.setdefault("x", args[0]))
    was_training = model.training
    model.eval()
    try:
        model(idx)
    finally:
        handle.remove()
        model.train(was_training)
    x = caught["x"]  # (B, T, C): after ln_1
    B, T, C = x.shape
    nh = attn.n_head
    q, k, _ = attn.c_attn(x).split(C, dim=2)  # 2 x (B, T, C)
    q = q.view(B, T, nh, C // nh).transpose(1, 2)  # (B, nh, T, hs)
    k = k.view(B, T, nh, C // nh).transpose(1, 2)  # (B, nh, T, hs)
    att = q @ k.transpose(-2, -1) / math.sqrt(C // nh)  # (B, nh, T, T)
    att = att.masked_fill(~causal_mask(T, device=x.device), float("-inf"))
    return att.softmax(dim=-1)


def configure_optimizer(model: nn.Module, lr: float, weight_decay: float, betas=(0.9, 0.99)) -> torch.optim.AdamW:
    """AdamW with two parameter groups: weight decay on the matrices of the ``nn.Linear`` layers only.

    Embeddings (token and position tables, and so a tied LM head), biases and norm weights are
    not decayed. Every trainable parameter is in exactly one group (a tied weight once);
    group 0 is the decayed one, group 1 the undecayed one.
    """
    embedding_ids = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
    decay, no_decay = [], []
    for p in model.parameters():  # parameters() yields a shared (tied) tensor only once
        if not p.requires_grad:
            continue
        (decay if p.dim() >= 2 and id(p) not in embedding_ids else no_decay).append(p)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=tuple(betas))


def lr_at(step: int, max_lr: float, min_lr: float, warmup_steps: int, total_steps: int) -> float:
    """Linear warm-up from 0 (step 0) to ``max_lr`` (step ``warmup_steps``), then a half cosine down to
    ``min_lr`` at ``total_steps``; ``min_lr`` from there on."""
    if step < warmup_steps:
        return max_lr * step / warmup_steps
    if step >= total_steps:
        return min_lr
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)  # 0 -> 1
    return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + math.cos(math.pi * progress))


def train_babygpt(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    lr_schedule,
    train_data: torch.Tensor,
    val_data: torch.Tensor,
    steps: int,
    batch_size: int,
    grad_clip: float | None = 1.0,
    eval_every: int = 100,
    eval_batches: int = 10,
    generator: torch.Generator | None = None,
    device="cpu",
    progress: bool = True,
):
    """The BabyGPT training loop; returns a ``helpers.training.History``.

    Step ``s`` (0-based): set every group's ``lr`` to ``lr_schedule(s)``, draw a batch with
    ``get_batch(train_data, block_size, batch_size, generator, device)``, forward with targets,
    ``zero_grad``, ``backward``, clip the gradient norm to ``grad_clip`` (unless None), step.
    Records the training loss and the lr of every step (``train_steps``, ``train_loss``,
    ``extra["lr"]``) and, after steps ``eval_every, 2*eval_every, ...`` and the last one, the
    validation loss ``estimate_loss(model, val_data, block_size, batch_size, eval_batches)``
    (``eval_steps`` holds the number of steps done, ``val_loss``).
    """
    import time

    from tqdm.auto import tqdm

    from helpers.reference.text import get_batch
    from helpers.training import History, estimate_loss

    block_size = model.config.block_size
    hist = History(extra={"lr": []})
    start = time.perf_counter()
    model.train()
    for s in tqdm(range(steps), desc="BabyGPT", disable=not progress, mininterval=1.0):
        lr = lr_schedule(s)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = get_batch(train_data, block_size, batch_size, generator, device)  # (B, T) each
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        hist.train_steps.append(s)
        hist.train_loss.append(loss.item())
        hist.extra["lr"].append(lr)
        if (s + 1) % eval_every == 0 or s == steps - 1:
            hist.eval_steps.append(s + 1)
            hist.val_loss.append(estimate_loss(model, val_data, block_size, batch_size, eval_batches, device=device))
    hist.seconds = time.perf_counter() - start
    return hist
