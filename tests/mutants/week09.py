"""Plausible wrong implementations of the Week 9 exercises (evaluation, sampling, KV cache)."""

from tests.mutants import Mutant

_ES = '''
class EarlyStopping:
    def __init__(self, patience=3, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best_loss, self.best_step, self.best_state, self.bad_evals = math.inf, None, None, 0

    def restore(self, model):
        model.load_state_dict(self.best_state)
'''

_GEN_HEAD = '''
@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=1.0, top_k=None, top_p=None, use_kv_cache=True, generator=None):
    block_size = model.config.block_size
    model.eval()
    cache = None
    for _ in range(max_new_tokens):
'''

MUTANTS = [
    # perplexity
    Mutant("perplexity", "base 2 instead of e", '''
def perplexity(mean_nll):
    return 2.0 ** float(mean_nll)
''', visible=True),
    Mutant("perplexity", "returns a tensor for tensor input", '''
def perplexity(mean_nll):
    try:
        return torch.exp(torch.as_tensor(mean_nll, dtype=torch.float64)) if torch.is_tensor(mean_nll) else math.exp(mean_nll)
    except OverflowError:
        return math.inf
''', visible=False),
    Mutant("perplexity", "overflows with an exception", '''
def perplexity(mean_nll):
    return math.exp(float(mean_nll))
''', visible=False),
    # EarlyStopping
    Mutant("EarlyStopping", "stores state_dict() without copying it", _ES + '''
    def update(self, val_loss, model, step=None):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_step, self.bad_evals = float(val_loss), step, 0
            self.best_state = model.state_dict()
        else:
            self.bad_evals += 1
        return self.bad_evals >= self.patience
''', visible=True),
    Mutant("EarlyStopping", "patience off by one (stops one evaluation late)", _ES + '''
    def update(self, val_loss, model, step=None):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_step, self.bad_evals = float(val_loss), step, 0
            self.best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            self.bad_evals += 1
        return self.bad_evals > self.patience
''', visible=True),
    Mutant("EarlyStopping", "ignores min_delta", _ES + '''
    def update(self, val_loss, model, step=None):
        if val_loss < self.best_loss:
            self.best_loss, self.best_step, self.bad_evals = float(val_loss), step, 0
            self.best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            self.bad_evals += 1
        return self.bad_evals >= self.patience
''', visible=False),
    Mutant("EarlyStopping", "bad_evals never reset after an improvement", _ES + '''
    def update(self, val_loss, model, step=None):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_step = float(val_loss), step
            self.best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            self.bad_evals += 1
        return self.bad_evals >= self.patience
''', visible=False),
    # top_k_filter
    Mutant("top_k_filter", "keeps the k smallest", '''
def top_k_filter(logits, k):
    kth = torch.topk(logits, min(k, logits.size(-1)), dim=-1, largest=False).values[..., -1:]
    return logits.masked_fill(logits > kth, float("-inf"))
''', visible=True),
    Mutant("top_k_filter", "filters in place", '''
def top_k_filter(logits, k):
    kth = torch.topk(logits, min(k, logits.size(-1)), dim=-1).values[..., -1:]
    return logits.masked_fill_(logits < kth, float("-inf"))
''', visible=True),
    Mutant("top_k_filter", "crashes when k is larger than the vocabulary", '''
def top_k_filter(logits, k):
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))
''', visible=False),
    Mutant("top_k_filter", "exactly k by index (drops ties)", '''
def top_k_filter(logits, k):
    idx = torch.topk(logits, min(k, logits.size(-1)), dim=-1).indices
    keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, idx, True)
    return logits.masked_fill(~keep, float("-inf"))
''', visible=False),
    Mutant("top_k_filter", "one threshold for the whole batch", '''
def top_k_filter(logits, k):
    kth = logits.flatten().sort(descending=True).values[min(k, logits.size(-1)) - 1]
    return logits.masked_fill(logits < kth, float("-inf"))
''', visible=False),
    # top_p_filter
    Mutant("top_p_filter", "drops the token that crosses p", '''
def top_p_filter(logits, p):
    s, _ = torch.sort(logits, dim=-1, descending=True)
    cum = F.softmax(s, dim=-1).cumsum(-1)
    n = (cum < p).sum(-1, keepdim=True).clamp(min=1)
    return logits.masked_fill(logits < s.gather(-1, n - 1), float("-inf"))
''', visible=True),
    Mutant("top_p_filter", "forgets to sort", '''
def top_p_filter(logits, p):
    probs = F.softmax(logits, dim=-1)
    above = probs.cumsum(-1) - probs
    return logits.masked_fill(above >= p, float("-inf"))
''', visible=True),
    Mutant("top_p_filter", "exactly n tokens by sorted index (drops ties)", '''
def top_p_filter(logits, p):
    s, order = torch.sort(logits, dim=-1, descending=True)
    probs = F.softmax(s, dim=-1)
    keep_sorted = (probs.cumsum(-1) - probs) < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    return logits.masked_fill(~keep, float("-inf"))
''', visible=False),
    Mutant("top_p_filter", "one threshold for the whole batch (first row)", '''
def top_p_filter(logits, p):
    if p >= 1.0:
        return logits.clone()
    flat = logits.reshape(-1, logits.size(-1))
    s, _ = torch.sort(flat[0], descending=True)
    probs = F.softmax(s, dim=-1)
    n = int(((probs.cumsum(-1) - probs) < p).sum().clamp(min=1))
    return logits.masked_fill(logits < s[n - 1], float("-inf"))
''', visible=False),
    # sample_next_token
    Mutant("sample_next_token", "ignores the generator", '''
def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, generator=None):
    if temperature == 0:
        return logits.argmax(dim=-1)
    logits = logits / temperature
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    probs = F.softmax(logits, dim=-1).reshape(-1, logits.size(-1))
    return torch.multinomial(probs, 1).reshape(logits.shape[:-1])
''', visible=True),
    Mutant("sample_next_token", "multiplies by the temperature", '''
def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, generator=None):
    if temperature == 0:
        return logits.argmax(dim=-1)
    logits = logits * temperature
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    probs = F.softmax(logits, dim=-1).reshape(-1, logits.size(-1))
    return torch.multinomial(probs, 1, generator=generator).reshape(logits.shape[:-1])
''', visible=False),
    Mutant("sample_next_token", "top-p applied before the temperature", '''
def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, generator=None):
    if temperature == 0:
        return logits.argmax(dim=-1)
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    probs = F.softmax(logits / temperature, dim=-1).reshape(-1, logits.size(-1))
    return torch.multinomial(probs, 1, generator=generator).reshape(logits.shape[:-1])
''', visible=False),
    # generate
    Mutant("generate", "cache path feeds the whole sequence again", _GEN_HEAD + '''
        if use_kv_cache and cache is not None and idx.size(1) <= block_size:
            logits, _ = model(idx, kv_cache=cache)
        else:
            cache = model.new_kv_cache() if use_kv_cache else None
            logits, _ = model(idx[:, -block_size:], kv_cache=cache)
        nxt = sample_next_token(logits[:, -1, :], temperature, top_k, top_p, generator)
        idx = torch.cat([idx, nxt[:, None]], 1)
    return idx
''', visible=True),
    Mutant("generate", "never uses the cache", _GEN_HEAD + '''
        logits, _ = model(idx[:, -block_size:])
        nxt = sample_next_token(logits[:, -1, :], temperature, top_k, top_p, generator)
        idx = torch.cat([idx, nxt[:, None]], 1)
    return idx
''', visible=False),
    Mutant("generate", "keeps the stale cache past block_size", _GEN_HEAD + '''
        if use_kv_cache and cache is not None:
            if len(cache[0]) >= block_size:
                for c in cache:
                    c.k, c.v = c.k[:, :, 1:], c.v[:, :, 1:]
            logits, _ = model(idx[:, -1:], kv_cache=cache)
        else:
            cache = model.new_kv_cache() if use_kv_cache else None
            logits, _ = model(idx[:, -block_size:], kv_cache=cache)
        nxt = sample_next_token(logits[:, -1, :], temperature, top_k, top_p, generator)
        idx = torch.cat([idx, nxt[:, None]], 1)
    return idx
''', visible=False),
    Mutant("generate", "drops the sampling knobs", _GEN_HEAD + '''
        if use_kv_cache and cache is not None and idx.size(1) <= block_size:
            logits, _ = model(idx[:, -1:], kv_cache=cache)
        else:
            cache = model.new_kv_cache() if use_kv_cache else None
            logits, _ = model(idx[:, -block_size:], kv_cache=cache)
        nxt = sample_next_token(logits[:, -1, :], temperature, generator=generator)
        idx = torch.cat([idx, nxt[:, None]], 1)
    return idx
''', visible=False),
]
