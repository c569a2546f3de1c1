"""Week 8 (BabyGPT): learners' mistakes, written as edits of the reference answers, and honest answers
written another way."""

from tests.mutants import Mutant, edit

_SDPA = """
y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.dropout if self.training else 0.0,
                                   is_causal=True)
"""

_GREEDY_OR_SAMPLE = """
if temperature == 0:
    idx_next = logits.argmax(dim=-1, keepdim=True)
else:
    logits = logits / temperature
    if top_k is not None:
        kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, [-1]]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    idx_next = torch.multinomial(F.softmax(logits, dim=-1), num_samples=1)
"""

_EVAL = """
if (s + 1) % eval_every == 0 or s == steps - 1:
    history.eval_steps.append(s + 1)
    history.val_loss.append(estimate_loss(model, val_data, block_size, batch_size, eval_batches, device=device))
"""

_CLIP_AND_STEP = """
if grad_clip is not None:
    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
optimizer.step()
"""

MUTANTS = [
    # ------------------------------------------------------------------ causal_mask
    Mutant(
        "causal_mask",
        "strictly below the diagonal (a token cannot see itself)",
        edit("return torch.ones(T, T, dtype=torch.bool).tril()", "return torch.ones(T, T, dtype=torch.bool).tril(-1)"),
        visible=True,
        learner=True,
        names_it="on and below the diagonal",
    ),
    Mutant(
        "causal_mask",
        "True where the key must be hidden (the masked_fill convention)",
        edit("return torch.ones(T, T, dtype=torch.bool).tril()", "return torch.ones(T, T, dtype=torch.bool).triu(1)"),
        visible=True,
        learner=True,
        names_it="MAY attend",
    ),
    Mutant(
        "causal_mask",
        "a 0/1 float mask",
        edit("return torch.ones(T, T, dtype=torch.bool).tril()", "return torch.ones(T, T).tril()"),
        visible=True,
        learner=True,
        names_it="bool",
    ),
    Mutant(
        "causal_mask",
        "an additive 0/-inf mask",
        edit(
            "return torch.ones(T, T, dtype=torch.bool).tril()",
            'return torch.zeros(T, T).masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))',
        ),
        visible=True,
        learner=True,
        names_it="additive",
    ),
    Mutant(
        "causal_mask",
        "sliced from a fixed 4x4 table",
        edit(
            "return torch.ones(T, T, dtype=torch.bool).tril()",
            "return torch.ones(4, 4, dtype=torch.bool).tril()[:T, :T]",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ sinusoidal_positions
    Mutant(
        "sinusoidal_positions",
        "sine and cosine swapped",
        edit(
            """
            pe[:, 0::2] = torch.sin(angle)
            pe[:, 1::2] = torch.cos(angle[:, : d // 2])
            """,
            """
            pe[:, 0::2] = torch.cos(angle)
            pe[:, 1::2] = torch.sin(angle[:, : d // 2])
            """,
        ),
        visible=True,
        learner=True,
        names_it="swapped",
    ),
    Mutant(
        "sinusoidal_positions",
        "each column's own index j in the exponent instead of the pair's 2i",
        edit(
            """
            angle = pos / 10000.0 ** (two_i / d)
            pe = torch.zeros(T, d, dtype=torch.float64)
            pe[:, 0::2] = torch.sin(angle)
            pe[:, 1::2] = torch.cos(angle[:, : d // 2])
            """,
            """
            angle = pos / 10000.0 ** (torch.arange(d, dtype=torch.float64) / d)     # one angle per column
            pe = torch.zeros(T, d, dtype=torch.float64)
            pe[:, 0::2] = torch.sin(angle[:, 0::2])
            pe[:, 1::2] = torch.cos(angle[:, 1::2])
            """,
        ),
        visible=True,
        learner=True,
        names_it="same angle",
    ),
    Mutant(
        "sinusoidal_positions",
        "the pair number i in the exponent instead of 2i",
        edit(
            "two_i = torch.arange(0, d, 2, dtype=torch.float64)",
            "two_i = torch.arange((d + 1) // 2, dtype=torch.float64)",
        ),
        visible=True,
        learner=True,
        names_it="2i/d",
    ),
    Mutant(
        "sinusoidal_positions",
        "returns float64",
        edit("return pe.float()", "return pe"),
        visible=True,
        learner=True,
        names_it="float32",
    ),
    Mutant(
        "sinusoidal_positions",
        "as many cosines as sines (fails for an odd d)",
        edit("pe[:, 1::2] = torch.cos(angle[:, : d // 2])", "pe[:, 1::2] = torch.cos(angle)"),
        visible=True,
        learner=True,
        names_it="odd d",
    ),
    Mutant(
        "sinusoidal_positions",
        "positions capped for the visible sizes",
        edit(
            "pos = torch.arange(T, dtype=torch.float64)[:, None]",
            "pos = torch.arange(T, dtype=torch.float64).clamp(max=2)[:, None]",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ MultiHeadSelfAttention
    Mutant(
        "MultiHeadSelfAttention",
        "no causal mask",
        edit(_SDPA, "y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.dropout if self.training else 0.0)"),
        visible=True,
        learner=True,
        names_it="causal mask",
    ),
    Mutant(
        "MultiHeadSelfAttention",
        "heads never moved before time (no transpose): attention over the heads of one position",
        edit(
            """
            q = q.view(B, T, self.n_head, hs).transpose(1, 2)
            k = k.view(B, T, self.n_head, hs).transpose(1, 2)
            v = v.view(B, T, self.n_head, hs).transpose(1, 2)
            """,
            """
            q = q.view(B, T, self.n_head, hs)
            k = k.view(B, T, self.n_head, hs)
            v = v.view(B, T, self.n_head, hs)
            """,
            "y = y.transpose(1, 2).contiguous().view(B, T, C)",
            "y = y.contiguous().view(B, T, C)",
        ),
        visible=True,
        learner=True,
        names_it="positions never mix",
    ),
    Mutant(
        "MultiHeadSelfAttention",
        "heads merged with a view, without transposing back",
        edit("y = y.transpose(1, 2).contiguous().view(B, T, C)", "y = y.contiguous().view(B, T, C)"),
        visible=True,
        learner=True,
        names_it="transpose back",
    ),
    Mutant(
        "MultiHeadSelfAttention",
        "scaled twice (by hand, then again inside scaled_dot_product_attention)",
        edit(
            "q = q.view(B, T, self.n_head, hs).transpose(1, 2)",
            "q = q.view(B, T, self.n_head, hs).transpose(1, 2) / math.sqrt(hs)",
        ),
        visible=True,
        learner=True,
        names_it="do not scale again",
    ),
    Mutant(
        "MultiHeadSelfAttention",
        "attention dropout also in eval mode",
        edit(_SDPA, "y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.dropout, is_causal=True)"),
        visible=True,
        learner=True,
        names_it="only in training mode",
    ),
    Mutant(
        "MultiHeadSelfAttention",
        "no dropout after c_proj (only on the attention weights)",
        edit("return self.resid_dropout(self.c_proj(y))", "return self.c_proj(y)"),
        visible=True,
        learner=True,
        names_it="output of c_proj",
    ),
    Mutant(
        "MultiHeadSelfAttention",
        "biases whatever config.bias says",
        edit(
            """
            self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
            self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
            """,
            """
            self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)
            self.c_proj = nn.Linear(config.n_embd, config.n_embd)
            """,
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ LayerNorm
    Mutant(
        "LayerNorm",
        "unbiased variance",
        edit(
            "var = (xc * xc).mean(dim=-1, keepdim=True)",
            "var = (xc * xc).sum(dim=-1, keepdim=True) / (x.size(-1) - 1)",
        ),
        visible=True,
        learner=True,
        names_it="unbiased variance",
    ),
    Mutant(
        "LayerNorm",
        "eps added to the standard deviation, outside the square root",
        edit(
            "y = xc * torch.rsqrt(var + self.eps) * self.weight", "y = xc / (torch.sqrt(var) + self.eps) * self.weight"
        ),
        visible=True,
        learner=True,
        names_it="inside the square root",
    ),
    Mutant(
        "LayerNorm",
        "statistics over the batch (dim 0) instead of the features",
        edit(
            "mean = x.mean(dim=-1, keepdim=True)",
            "mean = x.mean(dim=0, keepdim=True)",
            "var = (xc * xc).mean(dim=-1, keepdim=True)",
            "var = (xc * xc).mean(dim=0, keepdim=True)",
        ),
        visible=True,
        learner=True,
        names_it="last dimension",
    ),
    Mutant(
        "LayerNorm",
        "x centred in place",
        edit("xc = x - mean", "x -= mean\nxc = x"),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "LayerNorm",
        "always a bias (bias=False ignored)",
        edit("self.bias = nn.Parameter(torch.zeros(d)) if bias else None", "self.bias = nn.Parameter(torch.zeros(d))"),
        visible=True,
        learner=True,
        names_it="bias=False",
    ),
    Mutant(
        "LayerNorm",
        "calls F.layer_norm",
        edit(
            """
            mean = x.mean(dim=-1, keepdim=True)
            xc = x - mean
            var = (xc * xc).mean(dim=-1, keepdim=True)
            y = xc * torch.rsqrt(var + self.eps) * self.weight
            return y + self.bias if self.bias is not None else y
            """,
            "return F.layer_norm(x, self.weight.shape, self.weight, self.bias, self.eps)",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ Block
    Mutant(
        "Block",
        "post-LayerNorm (normalises the residual stream)",
        edit(
            """
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlp(self.ln_2(x))
            """,
            """
            x = self.ln_1(x + self.attn(x))
            x = self.ln_2(x + self.mlp(x))
            """,
        ),
        visible=True,
        learner=True,
        names_it="post-LN",
    ),
    Mutant(
        "Block",
        "no residual connection around the MLP",
        edit("x = x + self.mlp(self.ln_2(x))", "x = self.mlp(self.ln_2(x))"),
        visible=True,
        learner=True,
        names_it="forget its residual connection",
    ),
    Mutant(
        "Block",
        "ln_1 before both sub-layers",
        edit("x = x + self.mlp(self.ln_2(x))", "x = x + self.mlp(self.ln_1(x))"),
        visible=True,
        learner=True,
        names_it="read ln_1",
    ),
    Mutant(
        "Block",
        "both branches read the block's input (parallel, not sequential)",
        edit(
            """
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlp(self.ln_2(x))
            """,
            """
            h = x + self.attn(self.ln_1(x))
            x = h + self.mlp(self.ln_2(x))
            """,
        ),
        visible=True,
        learner=True,
        names_it="after the attention update",
    ),
    Mutant(
        "Block",
        "ignores config.residual",
        edit(
            """
            if self.residual:
                x = x + self.attn(self.ln_1(x))
                x = x + self.mlp(self.ln_2(x))
            else:
                x = self.attn(self.ln_1(x))
                x = self.mlp(self.ln_2(x))
            """,
            """
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlp(self.ln_2(x))
            """,
        ),
        visible=True,
        learner=True,
        names_it="config.residual",
    ),
    Mutant(
        "Block",
        "ReLU instead of GELU in the MLP",
        edit("gelu=nn.GELU(),", "gelu=nn.ReLU(),"),
        visible=True,
        learner=True,
        names_it="GELU",
    ),
    Mutant(
        "Block",
        "biases in the MLP whatever config.bias says",
        edit(
            "c_fc=nn.Linear(C, 4 * C, bias=config.bias),",
            "c_fc=nn.Linear(C, 4 * C),",
            "c_proj=nn.Linear(4 * C, C, bias=config.bias),",
            "c_proj=nn.Linear(4 * C, C),",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ GPT
    Mutant(
        "GPT",
        "generate never crops the context to block_size",
        edit("idx_cond = idx[:, -self.config.block_size:]", "idx_cond = idx"),
        visible=True,
        learner=True,
        names_it="last block_size tokens",
    ),
    Mutant(
        "GPT",
        "generate keeps the first block_size tokens",
        edit("idx_cond = idx[:, -self.config.block_size:]", "idx_cond = idx[:, : self.config.block_size]"),
        visible=True,
        learner=True,
        names_it="not the first ones",
    ),
    Mutant(
        "GPT",
        "generate samples from the first position's logits",
        edit("logits = logits[:, -1, :]", "logits = logits[:, 0, :]"),
        visible=True,
        learner=True,
        names_it="first position",
    ),
    Mutant(
        "GPT",
        "the loss shifts the targets again",
        edit(
            "loss = F.cross_entropy(logits.reshape(B * T, -1), targets.reshape(B * T))",
            "loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), targets[:, 1:].reshape(-1))",
        ),
        visible=True,
        learner=True,
        names_it="do not shift again",
    ),
    Mutant(
        "GPT",
        "position embeddings looked up with the token ids",
        edit(
            "x = x + self.pos_emb(torch.arange(T, device=idx.device))",
            "x = x + self.pos_emb(idx)",
        ),
        visible=True,
        learner=True,
        names_it="positions 0..T-1",
    ),
    Mutant(
        "GPT",
        "sinusoidal table not scaled",
        edit(
            """
            self.register_buffer("pos_table", sinusoidal_positions(config.block_size, C) * SINUSOIDAL_SCALE,
                                 persistent=False)
            """,
            'self.register_buffer("pos_table", sinusoidal_positions(config.block_size, C), persistent=False)',
        ),
        visible=True,
        learner=True,
        names_it="unscaled",
    ),
    Mutant(
        "GPT",
        "pos_table saved in the state dict",
        edit(
            """
            self.register_buffer("pos_table", sinusoidal_positions(config.block_size, C) * SINUSOIDAL_SCALE,
                                 persistent=False)
            """,
            'self.register_buffer("pos_table", sinusoidal_positions(config.block_size, C) * SINUSOIDAL_SCALE)',
        ),
        visible=True,
        learner=True,
        names_it="persistent=False",
    ),
    Mutant(
        "GPT",
        "tied weights copied instead of shared",
        edit(
            "self.lm_head.weight = self.tok_emb.weight",
            "self.lm_head.weight = nn.Parameter(self.tok_emb.weight.detach().clone())",
        ),
        visible=True,
        learner=True,
        names_it="same Parameter",
    ),
    Mutant(
        "GPT",
        "no final LayerNorm in forward",
        edit("logits = self.lm_head(self.ln_f(x))", "logits = self.lm_head(x)"),
        visible=True,
        learner=True,
        names_it="ln_f",
    ),
    Mutant(
        "GPT",
        "no ValueError for a sequence longer than block_size",
        edit(
            """
            if T > self.config.block_size:
                raise ValueError(f"a sequence of {T} tokens is longer than block_size={self.config.block_size}: "
                                 "crop the context to its last block_size tokens")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="ValueError",
    ),
    Mutant(
        "GPT",
        "temperature 0 divides by zero instead of taking the argmax",
        edit(
            _GREEDY_OR_SAMPLE,
            """
            logits = logits / temperature
            if top_k is not None:
                kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, [-1]]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            idx_next = torch.multinomial(F.softmax(logits, dim=-1), num_samples=1)
            """,
        ),
        visible=True,
        learner=True,
        names_it="greedy",
    ),
    Mutant(
        "GPT",
        "logits multiplied by the temperature",
        edit("logits = logits / temperature", "logits = logits * temperature"),
        visible=True,
        learner=True,
        names_it="do not multiply",
    ),
    Mutant(
        "GPT",
        "top_k sets the other logits to 0 instead of -inf",
        edit(
            'logits = logits.masked_fill(logits < kth, float("-inf"))',
            "logits = logits.masked_fill(logits < kth, 0.0)",
        ),
        visible=True,
        learner=True,
        names_it="not 0",
    ),
    Mutant(
        "GPT",
        "the context cropped to a fixed 8 tokens (the visible block_size)",
        edit("idx_cond = idx[:, -self.config.block_size:]", "idx_cond = idx[:, -8:]"),
        visible=False,
    ),
    # ------------------------------------------------------------------ configure_optimizer
    Mutant(
        "configure_optimizer",
        "decays the embeddings (every matrix)",
        edit("if p.dim() >= 2 and id(p) not in embedding_ids:", "if p.dim() >= 2:"),
        visible=True,
        learner=True,
        names_it="embeddings should not be decayed",
    ),
    Mutant(
        "configure_optimizer",
        "decays biases and norm weights too",
        edit("if p.dim() >= 2 and id(p) not in embedding_ids:", "if id(p) not in embedding_ids:"),
        visible=True,
        learner=True,
        names_it="1-D parameters",
    ),
    Mutant(
        "configure_optimizer",
        "frozen parameters in a group",
        edit(
            """
            if not p.requires_grad:
                continue
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="frozen",
    ),
    Mutant(
        "configure_optimizer",
        "walks the modules: a tied weight lands in both groups",
        edit(
            """
            embedding_ids = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
            decay, no_decay = [], []
            for p in model.parameters():
                if not p.requires_grad:
                    continue
                if p.dim() >= 2 and id(p) not in embedding_ids:
                    decay.append(p)
                else:
                    no_decay.append(p)
            """,
            """
            decay, no_decay = [], []
            for m in model.modules():
                for name, p in m.named_parameters(recurse=False):
                    if p.requires_grad:
                        (decay if isinstance(m, nn.Linear) and name == "weight" else no_decay).append(p)
            """,
        ),
        visible=True,
        learner=True,
        names_it="listed twice",
    ),
    Mutant(
        "configure_optimizer",
        "Adam (an L2 penalty) instead of AdamW",
        edit(
            "return torch.optim.AdamW(groups, lr=lr, betas=tuple(betas))",
            "return torch.optim.Adam(groups, lr=lr, betas=tuple(betas))",
        ),
        visible=True,
        learner=True,
        names_it="decoupled",
    ),
    Mutant(
        "configure_optimizer",
        "weight decay fixed at 0.1",
        edit(
            'groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]',
            'groups = [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}]',
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ lr_at
    Mutant(
        "lr_at",
        "the schedule peaks at step warmup_steps - 1",
        edit("return max_lr * step / warmup_steps", "return max_lr * (step + 1) / warmup_steps"),
        visible=True,
        learner=True,
        names_it="peaks at step warmup_steps - 1",
    ),
    Mutant(
        "lr_at",
        "the cosine goes back up after total_steps",
        edit(
            """
            if step >= total_steps:
                return float(min_lr)
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="must not go back up",
    ),
    Mutant(
        "lr_at",
        "division by zero without warm-up",
        edit("if step < warmup_steps:", "if step <= warmup_steps:"),
        visible=True,
        learner=True,
        names_it="divided by zero",
    ),
    Mutant(
        "lr_at",
        "the cosine runs over all total_steps, warm-up included",
        edit(
            "progress = (step - warmup_steps) / (total_steps - warmup_steps)",
            "progress = step / total_steps",
        ),
        visible=True,
        learner=True,
        names_it="starts after the warm-up",
    ),
    Mutant(
        "lr_at",
        "a linear decay instead of the cosine",
        edit(
            "return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + math.cos(math.pi * progress))",
            "return max_lr - (max_lr - min_lr) * progress",
        ),
        visible=True,
        learner=True,
        names_it="straight line",
    ),
    Mutant(
        "lr_at",
        "a warm-up of 10 steps hard-coded",
        edit("return max_lr * step / warmup_steps", "return max_lr * step / 10"),
        visible=False,
    ),
    # ------------------------------------------------------------------ train_babygpt
    Mutant(
        "train_babygpt",
        "forgets zero_grad (gradients accumulate)",
        edit("optimizer.zero_grad(set_to_none=True)", ""),
        visible=True,
        learner=True,
        names_it="zero_grad",
    ),
    Mutant(
        "train_babygpt",
        "zero_grad after backward (the gradient is thrown away)",
        edit(
            """
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            """,
            """
            loss.backward()
            optimizer.zero_grad(set_to_none=True)
            """,
        ),
        visible=True,
        learner=True,
        names_it="not after it",
    ),
    Mutant(
        "train_babygpt",
        "clips after optimizer.step()",
        edit(
            _CLIP_AND_STEP,
            """
            optimizer.step()
            if grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            """,
        ),
        visible=True,
        learner=True,
        names_it="BEFORE optimizer.step()",
    ),
    Mutant(
        "train_babygpt",
        "the schedule is never applied",
        edit('group["lr"] = lr', "pass"),
        visible=True,
        learner=True,
        names_it="set every param group's lr",
    ),
    Mutant(
        "train_babygpt",
        "eval_steps records s instead of the steps done",
        edit("history.eval_steps.append(s + 1)", "history.eval_steps.append(s)"),
        visible=True,
        learner=True,
        names_it="s + 1",
    ),
    Mutant(
        "train_babygpt",
        "no evaluation after the last step",
        edit("if (s + 1) % eval_every == 0 or s == steps - 1:", "if (s + 1) % eval_every == 0:"),
        visible=True,
        learner=True,
        names_it="after the last step",
    ),
    Mutant(
        "train_babygpt",
        "a final evaluation after the loop, twice when steps is a multiple of eval_every",
        edit(
            _EVAL,
            """
            if (s + 1) % eval_every == 0:
                history.eval_steps.append(s + 1)
                history.val_loss.append(estimate_loss(model, val_data, block_size, batch_size, eval_batches, device=device))
            """,
            "history.seconds = time.perf_counter() - start",
            """
            history.eval_steps.append(steps)
            history.val_loss.append(estimate_loss(model, val_data, block_size, batch_size, eval_batches, device=device))
            history.seconds = time.perf_counter() - start
            """,
        ),
        visible=True,
        learner=True,
        names_it="evaluated twice",
    ),
    Mutant(
        "train_babygpt",
        "never puts the model in training mode",
        edit("model.train()", ""),
        visible=True,
        learner=True,
        names_it="model.train()",
    ),
    Mutant(
        "train_babygpt",
        "the generator is not passed to get_batch",
        edit(
            "x, y = get_batch(train_data, block_size, batch_size, generator, device)",
            "x, y = get_batch(train_data, block_size, batch_size, device=device)",
        ),
        visible=True,
        learner=True,
        names_it="generator you were given",
    ),
    Mutant(
        "train_babygpt",
        "each parameter's gradient clipped on its own, not the global norm",
        edit(
            "torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)",
            """
            for p in model.parameters():
                torch.nn.utils.clip_grad_norm_(p, grad_clip)
            """,
        ),
        visible=False,
    ),
]

# Correct answers, written as another learner would.
HONEST = {
    "causal_mask": """
def causal_mask(T):
    rows = torch.arange(T).unsqueeze(1)          # query index
    cols = torch.arange(T).unsqueeze(0)          # key index
    return cols <= rows
""",
    "sinusoidal_positions": """
def sinusoidal_positions(T, d):
    table = torch.empty(T, d)
    for p in range(T):
        for j in range(d):
            even = j - (j % 2)                       # the pair's even column, 2i
            a = p / (10000 ** (even / d))
            table[p, j] = math.sin(a) if j % 2 == 0 else math.cos(a)
    return table
""",
    "MultiHeadSelfAttention": """
class MultiHeadSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head, self.n_embd = config.n_head, config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_drop = nn.Dropout(config.dropout)
        self.out_drop = nn.Dropout(config.dropout)

    def forward(self, x):
        n, t, width = x.shape
        size = width // self.n_head
        qkv = self.c_attn(x)
        q, k, v = qkv[..., :width], qkv[..., width:2 * width], qkv[..., 2 * width:]
        allowed = torch.tril(torch.ones(t, t, dtype=torch.bool, device=x.device))
        heads = []
        for h in range(self.n_head):
            part = slice(h * size, (h + 1) * size)
            scores = q[..., part] @ k[..., part].transpose(1, 2) / math.sqrt(size)
            scores = scores.masked_fill(~allowed, float("-inf"))
            heads.append(self.attn_drop(torch.softmax(scores, dim=-1)) @ v[..., part])
        return self.out_drop(self.c_proj(torch.cat(heads, dim=-1)))
""",
    "LayerNorm": """
class LayerNorm(nn.Module):
    def __init__(self, d, eps=1e-5, bias=True):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))
        if bias:
            self.bias = nn.Parameter(torch.zeros(d))
        else:
            self.register_parameter("bias", None)

    def forward(self, x):
        mu = x.mean(-1, keepdim=True)
        sigma2 = x.var(-1, keepdim=True, unbiased=False)
        out = (x - mu) / torch.sqrt(sigma2 + self.eps) * self.weight
        if self.bias is not None:
            out = out + self.bias
        return out
""",
    "Block": """
class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        width = config.n_embd
        self.use_residual = config.residual
        self.ln_1 = LayerNorm(width, bias=config.bias)
        self.attn = MultiHeadSelfAttention(config)
        self.ln_2 = LayerNorm(width, bias=config.bias)
        layers = OrderedDict()
        layers["c_fc"] = nn.Linear(width, 4 * width, bias=config.bias)
        layers["gelu"] = nn.GELU()
        layers["c_proj"] = nn.Linear(4 * width, width, bias=config.bias)
        layers["dropout"] = nn.Dropout(config.dropout)
        self.mlp = nn.Sequential(layers)

    def forward(self, x):
        a = self.attn(self.ln_1(x))
        x = x + a if self.use_residual else a
        m = self.mlp(self.ln_2(x))
        return x + m if self.use_residual else m
""",
    "GPT": """
class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        V, C, T = config.vocab_size, config.n_embd, config.block_size
        self.tok_emb = nn.Embedding(V, C)
        if config.positions == "learned":
            self.pos_emb = nn.Embedding(T, C)
        if config.positions == "sinusoidal":
            table = SINUSOIDAL_SCALE * sinusoidal_positions(T, C)
            self.register_buffer("pos_table", table, persistent=False)
        self.drop = nn.Dropout(p=config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = LayerNorm(C, bias=config.bias)
        self.lm_head = nn.Linear(C, V, bias=False)
        if config.tie_weights:
            self.lm_head.weight = self.tok_emb.weight
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx, targets=None):
        n, t = idx.size()
        if t > self.config.block_size:
            raise ValueError(f"got {t} tokens, but block_size is {self.config.block_size}")
        h = self.tok_emb(idx)
        if self.config.positions == "learned":
            h = h + self.pos_emb.weight[:t]
        elif self.config.positions == "sinusoidal":
            h = h + self.pos_table[:t].unsqueeze(0)
        h = self.drop(h)
        for blk in self.blocks:
            h = blk(h)
        logits = self.lm_head(self.ln_f(h))
        if targets is None:
            return logits, None
        vocab = logits.size(-1)
        return logits, F.cross_entropy(logits.view(-1, vocab), targets.reshape(-1))

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
        out = idx
        for _ in range(max_new_tokens):
            window = out[:, max(0, out.size(1) - self.config.block_size):]
            last = self(window)[0][:, -1, :]
            if temperature == 0:
                choice = torch.argmax(last, dim=-1)[:, None]
            else:
                scaled = last / temperature
                if top_k is not None and top_k < scaled.size(-1):
                    cutoff = scaled.topk(top_k, dim=-1).values[:, -1:]
                    scaled = torch.where(scaled < cutoff, torch.full_like(scaled, -math.inf), scaled)
                choice = torch.distributions.Categorical(logits=scaled).sample()[:, None]
            out = torch.cat((out, choice), dim=1)
        return out
""",
    "configure_optimizer": """
def configure_optimizer(model, lr, weight_decay, betas=(0.9, 0.99)):
    tables = [m.weight for m in model.modules() if isinstance(m, nn.Embedding)]
    with_decay, without_decay = [], []
    for name, param in model.named_parameters():       # a shared weight is listed once
        if not param.requires_grad:
            continue
        is_table = any(param is t for t in tables)
        if param.ndim > 1 and not is_table:
            with_decay.append(param)
        else:
            without_decay.append(param)
    return torch.optim.AdamW(
        [dict(params=with_decay, weight_decay=weight_decay), dict(params=without_decay, weight_decay=0.0)],
        lr=lr,
        betas=betas,
    )
""",
    "lr_at": """
def lr_at(step, max_lr, min_lr, warmup_steps, total_steps):
    if warmup_steps > 0 and step < warmup_steps:
        return float(max_lr) * step / warmup_steps
    if step < total_steps:
        frac = (step - warmup_steps) / (total_steps - warmup_steps)
        cosine = (1 + math.cos(frac * math.pi)) / 2
        return float(min_lr + (max_lr - min_lr) * cosine)
    return float(min_lr)
""",
    "train_babygpt": """
import time
from tqdm.auto import tqdm


def train_babygpt(model, optimizer, lr_schedule, train_data, val_data, steps, batch_size, grad_clip=1.0,
                  eval_every=100, eval_batches=10, generator=None, device="cpu", progress=True):
    t0 = time.time()
    T = model.config.block_size
    hist = History()
    hist.extra["lr"] = []
    model.train()
    done = 0
    bar = tqdm(total=steps, disable=not progress)
    while done < steps:
        rate = lr_schedule(done)
        for pg in optimizer.param_groups:
            pg["lr"] = rate
        xb, yb = get_batch(train_data, T, batch_size, generator=generator, device=device)
        _, batch_loss = model(xb, targets=yb)
        optimizer.zero_grad()
        batch_loss.backward()
        if grad_clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=grad_clip)
        optimizer.step()
        hist.train_steps.append(done)
        hist.train_loss.append(float(batch_loss))
        hist.extra["lr"].append(rate)
        done += 1
        bar.update(1)
        if done % eval_every == 0 or done == steps:
            hist.eval_steps.append(done)
            hist.val_loss.append(estimate_loss(model, val_data, T, batch_size, eval_batches, device=device))
    bar.close()
    hist.seconds = time.time() - t0
    return hist
""",
}
