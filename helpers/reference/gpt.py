"""BabyGPT: a small decoder-only Transformer, nanoGPT-style (weeks 8-10).

Week 8 builds these pieces as exercises; later weeks import them from here.

    config = GPTConfig(vocab_size=84, block_size=128, n_layer=4, n_head=4, n_embd=128)
    model = GPT(config)
    logits, loss = model(idx, targets)          # idx, targets: (B, T) token ids
    out = model.generate(idx, max_new_tokens=200, temperature=0.8, top_k=20)

Shapes: B batch, T time (sequence length), C = n_embd channels, nh heads, hs = C // nh head size,
V vocabulary size. The attention supports a KV cache (``GPT.new_kv_cache``) so that generation
feeds one new token per step instead of the whole sequence (see ``helpers.reference.sampling.generate``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

POSITION_KINDS = ("learned", "sinusoidal", "none")


@dataclass
class GPTConfig:
    vocab_size: int
    block_size: int          # the context window: the longest sequence the model sees
    n_layer: int
    n_head: int
    n_embd: int
    dropout: float = 0.0
    bias: bool = True        # biases in the Linear layers and LayerNorms
    positions: str = "learned"  # "learned", "sinusoidal" or "none" (an ablation)
    residual: bool = True    # False removes the residual connections (an ablation)

    def __post_init__(self) -> None:
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"GPTConfig.{name} must be a positive integer, got {value!r}")
        if self.n_embd % self.n_head != 0:
            raise ValueError(f"n_embd={self.n_embd} must be divisible by n_head={self.n_head} "
                             "(each head gets n_embd // n_head channels)")
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


def sinusoidal_positions(T: int, d: int) -> torch.Tensor:
    """The (T, d) sinusoidal encoding of "Attention Is All You Need":
    PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d))."""
    if T < 1 or d < 1:
        raise ValueError(f"sinusoidal_positions needs T >= 1 and d >= 1, got T={T}, d={d}")
    pos = torch.arange(T, dtype=torch.float64)[:, None]                  # (T, 1)
    two_i = torch.arange(0, d, 2, dtype=torch.float64)                    # (ceil(d/2),)
    angle = pos / (10000.0 ** (two_i / d))                                # (T, ceil(d/2))
    pe = torch.zeros(T, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d // 2])
    return pe.float()


class KVCache:
    """The keys and values one attention layer has computed so far, (B, nh, T_past, hs) each.

    Generation appends one position per step; attention then runs the new query against every
    cached key instead of recomputing the keys and values of the whole prefix.
    """

    def __init__(self) -> None:
        self.k: torch.Tensor | None = None
        self.v: torch.Tensor | None = None

    def __len__(self) -> int:
        return 0 if self.k is None else self.k.size(2)

    def update(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Append the new positions' k, v (B, nh, T_new, hs); return all of them (B, nh, T_past + T_new, hs)."""
        if self.k is None:
            self.k, self.v = k, v
        else:
            self.k = torch.cat([self.k, k], dim=2)
            self.v = torch.cat([self.v, v], dim=2)
        return self.k, self.v


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
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)                   # 3 x (B, T, C)
        hs = C // self.n_head
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)                    # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)                    # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)                    # (B, nh, T, hs)
        return q, k, v

    def forward(self, x: torch.Tensor, kv_cache: KVCache | None = None) -> torch.Tensor:
        if x.dim() != 3 or x.size(-1) != self.n_embd:
            raise ValueError(f"expected x of shape (B, T, {self.n_embd}), got {tuple(x.shape)}")
        B, T, C = x.shape
        q, k, v = self._heads(x)
        if kv_cache is not None:
            k, v = kv_cache.update(k, v)                                       # (B, nh, T_past + T, hs)
        Tk = k.size(2)
        dropout_p = self.dropout if self.training else 0.0
        if Tk == T:   # no past: the usual causal mask, which the fused kernel builds itself
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p, is_causal=True)
        else:         # T new queries at positions Tk-T .. Tk-1 see every key up to their own position
            mask = causal_mask(Tk, device=x.device)[Tk - T:]                   # (T, Tk)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p)
        y = y.transpose(1, 2).contiguous().view(B, T, C)                       # (B, T, C): heads side by side
        return self.resid_dropout(self.c_proj(y))

    @torch.no_grad()
    def attention_weights(self, x: torch.Tensor) -> torch.Tensor:
        """The (B, nh, T, T) attention probabilities of each head (for plots; forward never forms them)."""
        q, k, _ = self._heads(x)
        att = q @ k.transpose(-2, -1) / math.sqrt(k.size(-1))                  # (B, nh, T, T)
        T = x.size(1)
        att = att.masked_fill(~causal_mask(T, device=x.device), float("-inf"))
        return att.softmax(dim=-1)


class MLP(nn.Module):
    """Position-wise feed-forward network: widen 4x, GELU, project back."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x))))              # (B, T, C)


class Block(nn.Module):
    """One Transformer block, pre-LayerNorm: x + attn(ln1(x)), then x + mlp(ln2(x))."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.residual = config.residual
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = MultiHeadSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor, kv_cache: KVCache | None = None) -> torch.Tensor:
        if self.residual:  # the residual stream carries x through; each sub-layer adds a correction
            x = x + self.attn(self.ln_1(x), kv_cache)
            x = x + self.mlp(self.ln_2(x))
        else:              # ablation: each sub-layer replaces x
            x = self.attn(self.ln_1(x), kv_cache)
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
            self.register_buffer("pos_table", sinusoidal_positions(config.block_size, config.n_embd), persistent=False)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList([Block(config) for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.apply(self._init_weights)
        # GPT-2: scale the projections that write into the residual stream by 1/sqrt(2 * n_layer)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        # small weights: the logits start near 0, so the initial loss is close to ln(V)
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def new_kv_cache(self) -> list[KVCache]:
        """An empty cache, one KVCache per block, for ``forward(..., kv_cache=...)``."""
        return [KVCache() for _ in self.blocks]

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None,
                kv_cache: list[KVCache] | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits (B, T, V) for every position, and the mean cross entropy when ``targets`` (B, T) is given.

        With ``kv_cache`` (from ``new_kv_cache``), ``idx`` holds only the new tokens: their positions
        continue after the cached ones, and the cache is extended in place.
        """
        if idx.dim() != 2 or idx.dtype not in (torch.long, torch.int, torch.int32, torch.int16, torch.uint8):
            raise ValueError(f"idx should be a (B, T) tensor of token ids, got shape {tuple(idx.shape)} "
                             f"and dtype {idx.dtype}")
        B, T = idx.shape
        past = len(kv_cache[0]) if kv_cache else 0
        if past + T > self.config.block_size:
            raise ValueError(f"sequence of length {past + T} is longer than block_size={self.config.block_size}; "
                             "crop the context to the last block_size tokens")
        x = self.tok_emb(idx)                                                # (B, T, C)
        if self.config.positions == "learned":
            x = x + self.pos_emb(torch.arange(past, past + T, device=idx.device))   # (T, C) broadcast over B
        elif self.config.positions == "sinusoidal":
            x = x + self.pos_table[past:past + T]
        x = self.drop(x)
        for i, block in enumerate(self.blocks):
            x = block(x, kv_cache[i] if kv_cache else None)                  # (B, T, C)
        logits = self.lm_head(self.ln_f(x))                                  # (B, T, V)
        loss = None
        if targets is not None:
            if targets.shape != idx.shape:
                raise ValueError(f"targets should have the shape of idx {tuple(idx.shape)}, got {tuple(targets.shape)}")
            loss = F.cross_entropy(logits.reshape(B * T, -1), targets.reshape(B * T))
        return logits, loss

    @torch.no_grad()
    def generate(self, idx: torch.Tensor, max_new_tokens: int, temperature: float = 1.0, top_k: int | None = None,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """Append ``max_new_tokens`` sampled tokens to ``idx`` (B, T); returns (B, T + max_new_tokens).

        Each step feeds the last ``block_size`` tokens (the context window). ``temperature=0``
        is greedy decoding. (``helpers.reference.sampling.generate`` adds top-p and a KV cache.)
        """
        was_training = self.training
        self.eval()
        for _ in range(max_new_tokens):
            idx_cond = idx[:, -self.config.block_size:]                      # (B, <= block_size)
            logits, _ = self(idx_cond)
            logits = logits[:, -1, :]                                        # (B, V): the last position only
            if temperature == 0:
                idx_next = logits.argmax(dim=-1, keepdim=True)               # (B, 1)
            else:
                logits = logits / temperature
                if top_k is not None:
                    kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, [-1]]
                    logits = logits.masked_fill(logits < kth, float("-inf"))
                probs = F.softmax(logits, dim=-1)
                idx_next = torch.multinomial(probs, num_samples=1, generator=generator)  # (B, 1)
            idx = torch.cat([idx, idx_next], dim=1)                          # (B, T + 1)
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
    x = caught["x"]                                                           # (B, T, C): after ln_1
    B, T, C = x.shape
    nh = attn.n_head
    q, k, _ = attn.c_attn(x).split(C, dim=2)                                 # 2 x (B, T, C)
    q = q.view(B, T, nh, C // nh).transpose(1, 2)                            # (B, nh, T, hs)
    k = k.view(B, T, nh, C // nh).transpose(1, 2)                            # (B, nh, T, hs)
    att = q @ k.transpose(-2, -1) / math.sqrt(C // nh)                       # (B, nh, T, T)
    att = att.masked_fill(~causal_mask(T, device=x.device), float("-inf"))
    return att.softmax(dim=-1)
