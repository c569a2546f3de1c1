"""Plausible wrong implementations of the Week 8 exercises (BabyGPT)."""

from tests.mutants import Mutant

_MHSA_HEAD = """
class MultiHeadSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head, self.n_embd, self.dropout = config.n_head, config.n_embd, config.dropout
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
"""

_BLOCK_INIT = """
class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        C = config.n_embd
        self.residual = config.residual
        self.ln_1 = LayerNorm(C, bias=config.bias)
        self.attn = MultiHeadSelfAttention(config)
        self.ln_2 = LayerNorm(C, bias=config.bias)
        self.mlp = nn.Sequential(OrderedDict(c_fc=nn.Linear(C, 4 * C, bias=config.bias), gelu=nn.GELU(),
                                             c_proj=nn.Linear(4 * C, C, bias=config.bias),
                                             dropout=nn.Dropout(config.dropout)))
"""

_GPT_INIT = """
class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        C = config.n_embd
        self.tok_emb = nn.Embedding(config.vocab_size, C)
        if config.positions == "learned":
            self.pos_emb = nn.Embedding(config.block_size, C)
        elif config.positions == "sinusoidal":
            self.register_buffer("pos_table", sinusoidal_positions(config.block_size, C) * SINUSOIDAL_SCALE, persistent=False)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList([Block(config) for _ in range(config.n_layer)])
        self.ln_f = LayerNorm(C, bias=config.bias)
        self.lm_head = nn.Linear(C, config.vocab_size, bias=False)
        if config.tie_weights:
            self.lm_head.weight = self.tok_emb.weight
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def _embed(self, idx):
        T = idx.size(1)
        x = self.tok_emb(idx)
        if self.config.positions == "learned":
            x = x + self.pos_emb(torch.arange(T, device=idx.device))
        elif self.config.positions == "sinusoidal":
            x = x + self.pos_table[:T]
        return self.drop(x)
"""

_GPT_FORWARD = """
    def forward(self, idx, targets=None):
        B, T = idx.shape
        x = self._embed(idx)
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        loss = None if targets is None else F.cross_entropy(logits.reshape(B * T, -1), targets.reshape(B * T))
        return logits, loss
"""

_GPT_GENERATE = """
    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
        for _ in range(max_new_tokens):
            logits, _ = self(idx[:, -self.config.block_size:])
            logits = logits[:, -1, :]
            if temperature == 0:
                nxt = logits.argmax(-1, keepdim=True)
            else:
                logits = logits / temperature
                if top_k is not None:
                    kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, [-1]]
                    logits = logits.masked_fill(logits < kth, float("-inf"))
                nxt = torch.multinomial(F.softmax(logits, -1), 1)
            idx = torch.cat([idx, nxt], 1)
        return idx
"""

_LN_INIT = """
class LayerNorm(nn.Module):
    def __init__(self, d, eps=1e-5, bias=True):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d)) if bias else None
"""

_TRAIN = """
def train_babygpt(model, optimizer, lr_schedule, train_data, val_data, steps, batch_size, grad_clip=1.0,
                  eval_every=100, eval_batches=10, generator=None, device="cpu", progress=True):
    import time
    block_size = model.config.block_size
    history = History(extra={"lr": []})
    start = time.perf_counter()
    model.train()
    for s in range(steps):
        lr = lr_schedule(s)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = get_batch(train_data, block_size, batch_size, generator, device)
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        history.train_steps.append(s)
        history.train_loss.append(loss.item())
        history.extra["lr"].append(lr)
        if (s + 1) % eval_every == 0 or s == steps - 1:
            history.eval_steps.append(s + 1)
            history.val_loss.append(estimate_loss(model, val_data, block_size, batch_size, eval_batches, device=device))
    history.seconds = time.perf_counter() - start
    return history
"""

MUTANTS = [
    # causal_mask
    Mutant(
        "causal_mask",
        "strictly below the diagonal (a token cannot see itself)",
        """
def causal_mask(T):
    return torch.ones(T, T, dtype=torch.bool).tril(-1)
""",
        visible=True,
        names_it="on and below the diagonal",
    ),
    Mutant(
        "causal_mask",
        "upper triangle (attends to the future)",
        """
def causal_mask(T):
    return torch.ones(T, T, dtype=torch.bool).triu()
""",
        visible=True,
    ),
    Mutant(
        "causal_mask",
        "float mask of 0/1",
        """
def causal_mask(T):
    return torch.ones(T, T).tril()
""",
        visible=True,
    ),
    Mutant(
        "causal_mask",
        "sliced from a fixed 4x4 table",
        """
def causal_mask(T):
    return torch.ones(4, 4, dtype=torch.bool).tril()[:T, :T]
""",
        visible=False,
    ),
    # sinusoidal_positions
    Mutant(
        "sinusoidal_positions",
        "sine and cosine swapped",
        """
def sinusoidal_positions(T, d):
    pos = torch.arange(T, dtype=torch.float64)[:, None]
    angle = pos / 10000.0 ** (torch.arange(0, d, 2, dtype=torch.float64) / d)
    pe = torch.zeros(T, d, dtype=torch.float64)
    pe[:, 0::2] = torch.cos(angle)
    pe[:, 1::2] = torch.sin(angle[:, : d // 2])
    return pe.float()
""",
        visible=True,
        names_it="sin(0) = 0 in the even columns",
    ),
    Mutant(
        "sinusoidal_positions",
        "frequency uses the pair index i instead of 2i",
        """
def sinusoidal_positions(T, d):
    pos = torch.arange(T, dtype=torch.float64)[:, None]
    angle = pos / 10000.0 ** (torch.arange((d + 1) // 2, dtype=torch.float64) / d)
    pe = torch.zeros(T, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d // 2])
    return pe.float()
""",
        visible=False,
    ),
    Mutant(
        "sinusoidal_positions",
        "each column uses its own index in the exponent",
        """
def sinusoidal_positions(T, d):
    pos = torch.arange(T, dtype=torch.float64)[:, None]
    angle = pos / 10000.0 ** (torch.arange(d, dtype=torch.float64) / d)
    pe = torch.where(torch.arange(d) % 2 == 0, torch.sin(angle), torch.cos(angle))
    return pe.float()
""",
        visible=False,
    ),
    # MultiHeadSelfAttention
    Mutant(
        "MultiHeadSelfAttention",
        "no causal mask",
        _MHSA_HEAD
        + """
        q, k, v = (t.view(B, T, self.n_head, hs).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v)
        return self.resid_dropout(self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C)))
""",
        visible=True,
        names_it="use the causal mask",
    ),
    Mutant(
        "MultiHeadSelfAttention",
        "scores divided by the head size instead of its square root",
        _MHSA_HEAD
        + """
        q, k, v = (t.view(B, T, self.n_head, hs).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / hs
        att = att.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf")).softmax(-1)
        y = att @ v
        return self.resid_dropout(self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C)))
""",
        visible=False,
    ),
    Mutant(
        "MultiHeadSelfAttention",
        "forgets the output projection",
        _MHSA_HEAD
        + """
        q, k, v = (t.view(B, T, self.n_head, hs).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.resid_dropout(y.transpose(1, 2).contiguous().view(B, T, C))
""",
        visible=False,
        # test_Block's check with zeroed sub-layers still runs the learner's attention, whose missing
        # projection no longer outputs zeros when c_proj is zeroed
        also_fails=("test_Block",),
    ),
    Mutant(
        "MultiHeadSelfAttention",
        "one head of size C whatever n_head says",
        _MHSA_HEAD
        + """
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.resid_dropout(self.c_proj(y))
""",
        visible=False,
    ),
    Mutant(
        "MultiHeadSelfAttention",
        "dropout also in eval mode",
        _MHSA_HEAD
        + """
        q, k, v = (t.view(B, T, self.n_head, hs).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.dropout, is_causal=True)
        return self.resid_dropout(self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C)))
""",
        visible=False,
    ),
    # Block
    Mutant(
        "Block",
        "post-LayerNorm (normalises the residual stream)",
        _BLOCK_INIT
        + """
    def forward(self, x):
        x = self.ln_1(x + self.attn(x))
        return self.ln_2(x + self.mlp(x))
""",
        visible=True,
        names_it="this is post-LN",
    ),
    Mutant(
        "Block",
        "no residual around the MLP",
        _BLOCK_INIT
        + """
    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return self.mlp(self.ln_2(x))
""",
        visible=True,
    ),
    Mutant(
        "Block",
        "the same LayerNorm before both sub-layers",
        _BLOCK_INIT
        + """
    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_1(x))
""",
        visible=False,
    ),
    Mutant(
        "Block",
        "ignores config.residual",
        _BLOCK_INIT
        + """
    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))
""",
        visible=False,
    ),
    Mutant(
        "Block",
        "ReLU instead of GELU in the MLP",
        _BLOCK_INIT.replace("gelu=nn.GELU()", "gelu=nn.ReLU()")
        + """
    def forward(self, x):
        if not self.residual:
            return self.mlp(self.ln_2(self.attn(self.ln_1(x))))
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))
""",
        visible=False,
    ),
    # GPT
    Mutant(
        "GPT",
        "never computes the loss",
        _GPT_INIT
        + """
    def forward(self, idx, targets=None):
        x = self._embed(idx)
        for block in self.blocks:
            x = block(x)
        return self.lm_head(self.ln_f(x)), None
"""
        + _GPT_GENERATE,
        visible=True,
        names_it="loss should be a scalar tensor",
    ),
    Mutant(
        "GPT",
        "no final LayerNorm",
        _GPT_INIT
        + """
    def forward(self, idx, targets=None):
        B, T = idx.shape
        x = self._embed(idx)
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(x)
        loss = None if targets is None else F.cross_entropy(logits.reshape(B * T, -1), targets.reshape(B * T))
        return logits, loss
"""
        + _GPT_GENERATE,
        visible=False,
    ),
    Mutant(
        "GPT",
        "generate does not crop the context to block_size",
        _GPT_INIT
        + _GPT_FORWARD
        + """
    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
        for _ in range(max_new_tokens):
            logits = self(idx)[0][:, -1, :]
            if temperature == 0:
                nxt = logits.argmax(-1, keepdim=True)
            else:
                logits = logits / temperature
                if top_k is not None:
                    kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, [-1]]
                    logits = logits.masked_fill(logits < kth, float("-inf"))
                nxt = torch.multinomial(F.softmax(logits, -1), 1)
            idx = torch.cat([idx, nxt], 1)
        return idx
""",
        visible=False,
    ),
    Mutant(
        "GPT",
        "sinusoidal positions never added",
        _GPT_INIT.replace("x = x + self.pos_table[:T]", "pass") + _GPT_FORWARD + _GPT_GENERATE,
        visible=False,
    ),
    Mutant(
        "GPT",
        "generate samples from the first position's logits",
        _GPT_INIT + _GPT_FORWARD + _GPT_GENERATE.replace("logits = logits[:, -1, :]", "logits = logits[:, 0, :]"),
        visible=False,
    ),
    Mutant(
        "GPT",
        "top_k ignored in generate",
        _GPT_INIT + _GPT_FORWARD + _GPT_GENERATE.replace("if top_k is not None:", "if False:"),
        visible=False,
    ),
    Mutant(
        "GPT",
        "sinusoidal table not scaled",
        _GPT_INIT.replace(" * SINUSOIDAL_SCALE", "") + _GPT_FORWARD + _GPT_GENERATE,
        visible=True,
        names_it="did you forget to scale the sinusoidal table",
    ),
    Mutant(
        "GPT",
        "tie_weights ignored",
        _GPT_INIT.replace("if config.tie_weights:", "if False:") + _GPT_FORWARD + _GPT_GENERATE,
        visible=True,
    ),
    # LayerNorm
    Mutant(
        "LayerNorm",
        "unbiased variance",
        _LN_INIT
        + """
    def forward(self, x):
        mean = x.mean(-1, keepdim=True)
        var = x.var(-1, keepdim=True, unbiased=True)
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias
""",
        visible=True,
        names_it="unbiased variance",
    ),
    Mutant(
        "LayerNorm",
        "ignores eps",
        _LN_INIT
        + """
    def forward(self, x):
        mean = x.mean(-1, keepdim=True)
        var = ((x - mean) ** 2).mean(-1, keepdim=True)
        return (x - mean) / torch.sqrt(var) * self.weight + self.bias
""",
        visible=False,
    ),
    Mutant(
        "LayerNorm",
        "calls F.layer_norm",
        _LN_INIT
        + """
    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, self.eps)
""",
        visible=False,
    ),
    Mutant(
        "LayerNorm",
        "weight only, bias=False not supported",
        """
class LayerNorm(nn.Module):
    def __init__(self, d, eps=1e-5, bias=True):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, x):
        mean = x.mean(-1, keepdim=True)
        var = ((x - mean) ** 2).mean(-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias
""",
        visible=False,
    ),
    # configure_optimizer
    Mutant(
        "configure_optimizer",
        "decays the embeddings",
        """
def configure_optimizer(model, lr, weight_decay, betas=(0.9, 0.99)):
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}],
                             lr=lr, betas=betas)
""",
        visible=True,
        names_it="embeddings should not be decayed",
    ),
    Mutant(
        "configure_optimizer",
        "walks modules: a tied weight lands in both groups",
        """
def configure_optimizer(model, lr, weight_decay, betas=(0.9, 0.99)):
    decay, rest = [], []
    for m in model.modules():
        for p in m.parameters(recurse=False):
            (decay if isinstance(m, nn.Linear) and p.dim() == 2 else rest).append(p)
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}],
                             lr=lr, betas=betas)
""",
        visible=False,
    ),
    Mutant(
        "configure_optimizer",
        "frozen parameters included",
        """
def configure_optimizer(model, lr, weight_decay, betas=(0.9, 0.99)):
    emb = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
    decay = [p for p in model.parameters() if p.dim() >= 2 and id(p) not in emb]
    rest = [p for p in model.parameters() if not (p.dim() >= 2 and id(p) not in emb)]
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}],
                             lr=lr, betas=betas)
""",
        visible=False,
    ),
    # lr_at
    Mutant(
        "lr_at",
        "the schedule peaks at step warmup_steps - 1",
        """
def lr_at(step, max_lr, min_lr, warmup_steps, total_steps):
    if step < warmup_steps:
        return max_lr * (step + 1) / warmup_steps
    if step >= total_steps:
        return float(min_lr)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + math.cos(math.pi * progress))
""",
        visible=True,
        names_it="peaks at step warmup_steps - 1",
    ),
    Mutant(
        "lr_at",
        "the cosine goes back up after total_steps",
        """
def lr_at(step, max_lr, min_lr, warmup_steps, total_steps):
    if step < warmup_steps:
        return max_lr * step / warmup_steps
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + math.cos(math.pi * progress))
""",
        visible=False,
    ),
    Mutant(
        "lr_at",
        "division by zero without warm-up",
        """
def lr_at(step, max_lr, min_lr, warmup_steps, total_steps):
    if step <= warmup_steps:
        return max_lr * step / warmup_steps
    if step >= total_steps:
        return float(min_lr)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + math.cos(math.pi * progress))
""",
        visible=False,
    ),
    # train_babygpt
    Mutant(
        "train_babygpt",
        "forgets zero_grad (gradients accumulate)",
        _TRAIN.replace("        optimizer.zero_grad(set_to_none=True)\n", ""),
        visible=True,
        names_it="zero_grad",
    ),
    Mutant(
        "train_babygpt",
        "clips after optimizer.step()",
        _TRAIN.replace(
            "        if grad_clip is not None:\n            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)\n        optimizer.step()\n",
            "        optimizer.step()\n        if grad_clip is not None:\n            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)\n",
        ),
        visible=False,
    ),
    Mutant(
        "train_babygpt",
        "the schedule is never applied",
        _TRAIN.replace('            group["lr"] = lr\n', "            pass\n"),
        visible=True,
        names_it="set every param group's lr",
    ),
]
