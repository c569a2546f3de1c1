"""Plausible wrong implementations of the Week 9 exercises (evaluation, sampling, KV cache)."""

from tests.mutants import Mutant

_ES = """
class EarlyStopping:
    def __init__(self, patience=3, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best_loss, self.best_step, self.best_state, self.bad_evals = math.inf, None, None, 0

    def restore(self, model):
        model.load_state_dict(self.best_state)
"""

_GEN_HEAD = """
@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=1.0, top_k=None, top_p=None, use_kv_cache=True, generator=None):
    block_size = model.config.block_size
    model.eval()
    cache = None
    for _ in range(max_new_tokens):
"""

_KV_INIT = """
class KVCache:
    def __init__(self):
        self.k = self.v = None

    def __len__(self):
        return 0 if self.k is None else self.k.size(2)
"""

_CA_HEAD = """
def cached_attention(attn, x, cache):
    B, T, C = x.shape
    nh = attn.n_head
    q, k, v = attn.c_attn(x).split(C, dim=2)
    q, k, v = (t.view(B, T, nh, C // nh).transpose(1, 2) for t in (q, k, v))
    k, v = cache.update(k, v)
"""

_FC = """
def forward_with_cache(model, idx, cache):
    past = len(cache[0])
    B, T = idx.shape
    if past + T > model.config.block_size:
        raise ValueError("too long")
    x = model.tok_emb(idx)
    if model.config.positions == "learned":
        x = x + model.pos_emb(torch.arange(past, past + T, device=idx.device))
    elif model.config.positions == "sinusoidal":
        x = x + model.pos_table[past:past + T]
    for block, c in zip(model.blocks, cache):
        h = cached_attention(block.attn, block.ln_1(x), c)
        x = x + h if block.residual else h
        h = block.mlp(block.ln_2(x))
        x = x + h if block.residual else h
    return model.lm_head(model.ln_f(x))
"""

MUTANTS = [
    # perplexity
    Mutant(
        "perplexity",
        "base 2 instead of e",
        """
def perplexity(mean_nll):
    return 2.0 ** float(mean_nll)
""",
        visible=True,
        names_it="a uniform guess among 84 characters",
    ),
    Mutant(
        "perplexity",
        "returns a tensor for tensor input",
        """
def perplexity(mean_nll):
    try:
        return torch.exp(torch.as_tensor(mean_nll, dtype=torch.float64)) if torch.is_tensor(mean_nll) else math.exp(mean_nll)
    except OverflowError:
        return math.inf
""",
        visible=False,
    ),
    Mutant(
        "perplexity",
        "overflows with an exception",
        """
def perplexity(mean_nll):
    return math.exp(float(mean_nll))
""",
        visible=False,
    ),
    # EarlyStopping
    Mutant(
        "EarlyStopping",
        "stores state_dict() without copying it",
        _ES
        + """
    def update(self, val_loss, model, step=None):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_step, self.bad_evals = float(val_loss), step, 0
            self.best_state = model.state_dict()
        else:
            self.bad_evals += 1
        return self.bad_evals >= self.patience
""",
        visible=True,
        names_it="restore the weights stored at the best evaluation",
    ),
    Mutant(
        "EarlyStopping",
        "patience off by one (stops one evaluation late)",
        _ES
        + """
    def update(self, val_loss, model, step=None):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_step, self.bad_evals = float(val_loss), step, 0
            self.best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            self.bad_evals += 1
        return self.bad_evals > self.patience
""",
        visible=True,
    ),
    Mutant(
        "EarlyStopping",
        "ignores min_delta",
        _ES
        + """
    def update(self, val_loss, model, step=None):
        if val_loss < self.best_loss:
            self.best_loss, self.best_step, self.bad_evals = float(val_loss), step, 0
            self.best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            self.bad_evals += 1
        return self.bad_evals >= self.patience
""",
        visible=False,
    ),
    Mutant(
        "EarlyStopping",
        "bad_evals never reset after an improvement",
        _ES
        + """
    def update(self, val_loss, model, step=None):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_step = float(val_loss), step
            self.best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            self.bad_evals += 1
        return self.bad_evals >= self.patience
""",
        visible=False,
    ),
    # top_k_filter
    Mutant(
        "top_k_filter",
        "keeps the k smallest",
        """
def top_k_filter(logits, k):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError("top_k must be a positive integer")
    kth = torch.topk(logits, min(k, logits.size(-1)), dim=-1, largest=False).values[..., -1:]
    return logits.masked_fill(logits > kth, float("-inf"))
""",
        visible=True,
        names_it="keep the 2 largest",
    ),
    Mutant(
        "top_k_filter",
        "filters in place",
        """
def top_k_filter(logits, k):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError("top_k must be a positive integer")
    kth = torch.topk(logits, min(k, logits.size(-1)), dim=-1).values[..., -1:]
    return logits.masked_fill_(logits < kth, float("-inf"))
""",
        visible=True,
    ),
    Mutant(
        "top_k_filter",
        "crashes when k is larger than the vocabulary",
        """
def top_k_filter(logits, k):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError("top_k must be a positive integer")
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))
""",
        visible=False,
    ),
    Mutant(
        "top_k_filter",
        "exactly k by index (drops ties)",
        """
def top_k_filter(logits, k):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError("top_k must be a positive integer")
    idx = torch.topk(logits, min(k, logits.size(-1)), dim=-1).indices
    keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, idx, True)
    return logits.masked_fill(~keep, float("-inf"))
""",
        visible=False,
    ),
    Mutant(
        "top_k_filter",
        "one threshold for the whole batch",
        """
def top_k_filter(logits, k):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError("top_k must be a positive integer")
    kth = logits.flatten().sort(descending=True).values[min(k, logits.size(-1)) - 1]
    return logits.masked_fill(logits < kth, float("-inf"))
""",
        visible=False,
    ),
    # top_p_filter
    Mutant(
        "top_p_filter",
        "drops the token that crosses p",
        """
def top_p_filter(logits, p):
    if not 0.0 < p <= 1.0:
        raise ValueError("top_p must be in (0, 1]")
    s, _ = torch.sort(logits, dim=-1, descending=True)
    cum = F.softmax(s, dim=-1).cumsum(-1)
    n = (cum < p).sum(-1, keepdim=True).clamp(min=1)
    return logits.masked_fill(logits < s.gather(-1, n - 1), float("-inf"))
""",
        visible=True,
        names_it="0.5 + 0.25 reaches it",
    ),
    Mutant(
        "top_p_filter",
        "forgets to sort",
        """
def top_p_filter(logits, p):
    if not 0.0 < p <= 1.0:
        raise ValueError("top_p must be in (0, 1]")
    probs = F.softmax(logits, dim=-1)
    above = probs.cumsum(-1) - probs
    return logits.masked_fill(above >= p, float("-inf"))
""",
        visible=True,
    ),
    Mutant(
        "top_p_filter",
        "exactly n tokens by sorted index (drops ties)",
        """
def top_p_filter(logits, p):
    if not 0.0 < p <= 1.0:
        raise ValueError("top_p must be in (0, 1]")
    s, order = torch.sort(logits, dim=-1, descending=True)
    probs = F.softmax(s, dim=-1)
    keep_sorted = (probs.cumsum(-1) - probs) < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    return logits.masked_fill(~keep, float("-inf"))
""",
        visible=False,
    ),
    Mutant(
        "top_p_filter",
        "one threshold for the whole batch (first row)",
        """
def top_p_filter(logits, p):
    if not 0.0 < p <= 1.0:
        raise ValueError("top_p must be in (0, 1]")
    if p >= 1.0:
        return logits.clone()
    flat = logits.reshape(-1, logits.size(-1))
    s, _ = torch.sort(flat[0], descending=True)
    probs = F.softmax(s, dim=-1)
    n = int(((probs.cumsum(-1) - probs) < p).sum().clamp(min=1))
    return logits.masked_fill(logits < s[n - 1], float("-inf"))
""",
        visible=False,
    ),
    # sample_next_token
    Mutant(
        "sample_next_token",
        "ignores the generator",
        """
def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, generator=None):
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if temperature == 0:
        return logits.argmax(dim=-1)
    logits = logits / temperature
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    probs = F.softmax(logits, dim=-1).reshape(-1, logits.size(-1))
    return torch.multinomial(probs, 1).reshape(logits.shape[:-1])
""",
        visible=True,
        names_it="pass generator=",
    ),
    Mutant(
        "sample_next_token",
        "multiplies by the temperature",
        """
def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, generator=None):
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if temperature == 0:
        return logits.argmax(dim=-1)
    logits = logits * temperature
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    probs = F.softmax(logits, dim=-1).reshape(-1, logits.size(-1))
    return torch.multinomial(probs, 1, generator=generator).reshape(logits.shape[:-1])
""",
        visible=False,
    ),
    Mutant(
        "sample_next_token",
        "top-p applied before the temperature",
        """
def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, generator=None):
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if temperature == 0:
        return logits.argmax(dim=-1)
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    probs = F.softmax(logits / temperature, dim=-1).reshape(-1, logits.size(-1))
    return torch.multinomial(probs, 1, generator=generator).reshape(logits.shape[:-1])
""",
        visible=False,
    ),
    Mutant(
        "top_k_filter",
        "no ValueError for k < 1",
        """
def top_k_filter(logits, k):
    k = max(1, min(int(k), logits.size(-1)))
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))
""",
        visible=True,
        names_it="raise ValueError",
    ),
    Mutant(
        "top_p_filter",
        "no ValueError for p outside (0, 1]",
        """
def top_p_filter(logits, p):
    if p >= 1.0:
        return logits.clone()
    s, _ = torch.sort(logits, dim=-1, descending=True)
    probs = F.softmax(s, dim=-1)
    n = ((probs.cumsum(-1) - probs) < p).sum(-1, keepdim=True).clamp(min=1)
    return logits.masked_fill(logits < s.gather(-1, n - 1), float("-inf"))
""",
        visible=True,
        names_it="p must be in (0, 1]",
    ),
    # KVCache
    Mutant(
        "KVCache",
        "returns the keys twice (values never used)",
        _KV_INIT
        + """
    def update(self, k, v):
        if self.k is None:
            self.k, self.v = k, v
        else:
            self.k, self.v = torch.cat([self.k, k], 2), torch.cat([self.v, v], 2)
        return self.k, self.k
""",
        visible=True,
        names_it="do not mix them up",
    ),
    Mutant(
        "KVCache",
        "len is the length of the last update",
        """
class KVCache:
    def __init__(self):
        self.k = self.v = None
        self._last = 0

    def __len__(self):
        return self._last

    def update(self, k, v):
        self._last = k.size(2)
        if self.k is None:
            self.k, self.v = k, v
        else:
            self.k, self.v = torch.cat([self.k, k], 2), torch.cat([self.v, v], 2)
        return self.k, self.v
""",
        visible=False,
    ),
    # cached_attention
    Mutant(
        "cached_attention",
        "mask not offset by the cache (top-left corner)",
        _CA_HEAD
        + """
    mask = torch.ones(k.size(2), k.size(2), dtype=torch.bool).tril()[:T]
    y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    return attn.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))
""",
        visible=True,
        names_it="offset by T_past",
    ),
    Mutant(
        "cached_attention",
        "one head of size C whatever n_head says",
        """
def cached_attention(attn, x, cache):
    B, T, C = x.shape
    q, k, v = (t[:, None] for t in attn.c_attn(x).split(C, dim=2))
    k, v = cache.update(k, v)
    past = k.size(2) - T
    mask = torch.ones(T, past + T, dtype=torch.bool).tril(diagonal=past)
    y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    return attn.c_proj(y[:, 0])
""",
        visible=False,
    ),
    # forward_with_cache
    Mutant(
        "forward_with_cache",
        "positions restart at 0 for the new tokens",
        _FC.replace("torch.arange(past, past + T, device=idx.device)", "torch.arange(T, device=idx.device)"),
        visible=True,
        names_it="positions continue after the cached ones",
    ),
    Mutant(
        "forward_with_cache",
        "ignores block.residual",
        _FC.replace("x = x + h if block.residual else h", "x = x + h"),
        visible=False,
    ),
    Mutant(
        "forward_with_cache",
        "sinusoidal positions not offset",
        _FC.replace("model.pos_table[past:past + T]", "model.pos_table[:T]"),
        visible=False,
    ),
    # generate
    Mutant(
        "generate",
        "cache path feeds the whole sequence again",
        _GEN_HEAD
        + """
        if use_kv_cache and cache is not None and idx.size(1) <= block_size:
            cache = [KVCache() for _ in model.blocks]
            logits = forward_with_cache(model, idx, cache)
        elif use_kv_cache:
            cache = [KVCache() for _ in model.blocks]
            logits = forward_with_cache(model, idx[:, -block_size:], cache)
        else:
            logits, _ = model(idx[:, -block_size:])
        nxt = sample_next_token(logits[:, -1, :], temperature, top_k, top_p, generator)
        idx = torch.cat([idx, nxt[:, None]], 1)
    return idx
""",
        visible=True,
        names_it="then 1 token",
    ),
    Mutant(
        "generate",
        "never uses the cache",
        _GEN_HEAD
        + """
        logits, _ = model(idx[:, -block_size:])
        nxt = sample_next_token(logits[:, -1, :], temperature, top_k, top_p, generator)
        idx = torch.cat([idx, nxt[:, None]], 1)
    return idx
""",
        visible=True,
    ),
    Mutant(
        "generate",
        "slides the stale cache past block_size instead of rebuilding it",
        _GEN_HEAD
        + """
        if use_kv_cache and cache is not None:
            if len(cache[0]) >= block_size:
                for c in cache:
                    c.k, c.v = c.k[:, :, 1:], c.v[:, :, 1:]
            logits = forward_with_cache(model, idx[:, -1:], cache)
        elif use_kv_cache:
            cache = [KVCache() for _ in model.blocks]
            logits = forward_with_cache(model, idx[:, -block_size:], cache)
        else:
            logits, _ = model(idx[:, -block_size:])
        nxt = sample_next_token(logits[:, -1, :], temperature, top_k, top_p, generator)
        idx = torch.cat([idx, nxt[:, None]], 1)
    return idx
""",
        visible=True,
        names_it="must be rebuilt",
    ),
    Mutant(
        "generate",
        "drops the sampling knobs",
        _GEN_HEAD
        + """
        if use_kv_cache and cache is not None and idx.size(1) <= block_size:
            logits = forward_with_cache(model, idx[:, -1:], cache)
        elif use_kv_cache:
            cache = [KVCache() for _ in model.blocks]
            logits = forward_with_cache(model, idx[:, -block_size:], cache)
        else:
            logits, _ = model(idx[:, -block_size:])
        nxt = sample_next_token(logits[:, -1, :], temperature, generator=generator)
        idx = torch.cat([idx, nxt[:, None]], 1)
    return idx
""",
        visible=False,
    ),
]
