"""Week 9 (evaluation, sampling, KV cache, int8 weights): learners' mistakes, and honest answers
written another way."""

from tests.mutants import Mutant, edit

MUTANTS = [
    # ------------------------------------------------------------------ perplexity
    Mutant(
        "perplexity",
        "base 2 instead of e",
        edit("return math.exp(value)", "return 2.0 ** value"),
        visible=True,
        learner=True,
        names_it="e^loss, not 2^loss",
    ),
    Mutant(
        "perplexity",
        "returns a tensor for a tensor loss",
        edit(
            "value = float(mean_nll)",
            "value = mean_nll",
            "return math.exp(value)",
            "return torch.exp(value) if torch.is_tensor(value) else math.exp(value)",
        ),
        visible=True,
        learner=True,
        names_it="return a Python float",
    ),
    Mutant(
        "perplexity",
        "lets the OverflowError escape",
        edit(
            """
            try:
                return math.exp(value)
            except OverflowError:
                return math.inf
            """,
            "return math.exp(value)",
        ),
        visible=True,
        learner=True,
        names_it="return math.inf",
    ),
    Mutant(
        "perplexity",
        "a NaN loss is not refused",
        edit("if math.isnan(value) or value < 0:", "if value < 0:"),
        visible=True,
        learner=True,
        names_it="NaN loss",
    ),
    Mutant(
        "perplexity",
        "a negative loss is not refused",
        edit("if math.isnan(value) or value < 0:", "if math.isnan(value):"),
        visible=True,
        learner=True,
        names_it="never below 0",
    ),
    Mutant(
        "perplexity",
        "inf above a hard-coded threshold of 700 nats",
        edit("try:", "if value > 700:\n    return math.inf\ntry:"),
        visible=False,
    ),
    # ------------------------------------------------------------------ EarlyStopping
    Mutant(
        "EarlyStopping",
        "stores state_dict() without copying it",
        edit(
            "self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}",
            "self.best_state = model.state_dict()",
        ),
        visible=True,
        learner=True,
        names_it="store a copy of the weights",
    ),
    Mutant(
        "EarlyStopping",
        "stops one evaluation late (bad_evals > patience)",
        edit("return self.bad_evals >= self.patience", "return self.bad_evals > self.patience"),
        visible=True,
        learner=True,
        names_it="reaches patience",
    ),
    Mutant(
        "EarlyStopping",
        "ignores min_delta",
        edit("if val_loss < self.best_loss - self.min_delta:", "if val_loss < self.best_loss:"),
        visible=True,
        learner=True,
        names_it="2.0 - min_delta",
    ),
    Mutant(
        "EarlyStopping",
        "min_delta taken as a fraction of the best loss",
        edit("if val_loss < self.best_loss - self.min_delta:", "if val_loss < self.best_loss * (1 - self.min_delta):"),
        visible=True,
        learner=True,
        names_it="absolute amount",
    ),
    Mutant(
        "EarlyStopping",
        "an improvement does not reset bad_evals",
        edit(
            "self.best_loss, self.best_step, self.bad_evals = val_loss, step, 0",
            "self.best_loss, self.best_step = val_loss, step",
        ),
        visible=True,
        learner=True,
        names_it="resets bad_evals",
    ),
    Mutant(
        "EarlyStopping",
        "compares with the previous loss, not the best one",
        edit(
            "val_loss = float(val_loss)",
            "val_loss = float(val_loss)\nprevious, self.last = getattr(self, 'last', math.inf), val_loss",
            "if val_loss < self.best_loss - self.min_delta:",
            "if val_loss < previous - self.min_delta:",
        ),
        visible=True,
        learner=True,
        names_it="compare with best_loss",
    ),
    Mutant(
        "EarlyStopping",
        "an equal loss counts as an improvement",
        edit("if val_loss < self.best_loss - self.min_delta:", "if val_loss <= self.best_loss - self.min_delta:"),
        visible=True,
        learner=True,
        names_it="an equal loss is no improvement",
    ),
    Mutant(
        "EarlyStopping",
        "restore() before any improvement raises no RuntimeError",
        edit(
            """
            if self.best_state is None:
                raise RuntimeError("no evaluation recorded yet: call update() first")
            """,
            "",
        ),
        visible=True,
        learner=True,
    ),
    Mutant(
        "EarlyStopping",
        "keeps the parameters only (no buffers)",
        edit(
            "self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}",
            "self.best_state = {k: v.detach().clone() for k, v in model.named_parameters()}",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ top_k_filter
    Mutant(
        "top_k_filter",
        "exactly k positions (drops the ties)",
        edit(
            "kth = torch.topk(logits, k, dim=-1).values[..., -1:]",
            "keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, torch.topk(logits, k, dim=-1).indices, True)",
            'return logits.masked_fill(logits < kth, float("-inf"))',
            'return logits.masked_fill(~keep, float("-inf"))',
        ),
        visible=True,
        learner=True,
        names_it="tied",
    ),
    Mutant(
        "top_k_filter",
        "k is not capped at the vocabulary size",
        edit("k = min(k, logits.size(-1))", ""),
        visible=True,
        learner=True,
        names_it="larger than the vocabulary",
    ),
    Mutant(
        "top_k_filter",
        "one threshold for the whole batch",
        edit("kth = torch.topk(logits, k, dim=-1).values[..., -1:]", "kth = logits.flatten().topk(k).values[-1]"),
        visible=True,
        learner=True,
        names_it="each row",
    ),
    Mutant(
        "top_k_filter",
        "filters in place",
        edit(
            'return logits.masked_fill(logits < kth, float("-inf"))',
            'return logits.masked_fill_(logits < kth, float("-inf"))',
        ),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "top_k_filter",
        "removed logits set to 0 instead of -inf",
        edit('return logits.masked_fill(logits < kth, float("-inf"))', "return logits.masked_fill(logits < kth, 0.0)"),
        visible=True,
        learner=True,
        names_it="not 0",
    ),
    Mutant(
        "top_k_filter",
        "keeps the k smallest",
        edit(
            "kth = torch.topk(logits, k, dim=-1).values[..., -1:]",
            "kth = torch.topk(logits, k, dim=-1, largest=False).values[..., -1:]",
            'return logits.masked_fill(logits < kth, float("-inf"))',
            'return logits.masked_fill(logits > kth, float("-inf"))',
        ),
        visible=True,
        learner=True,
        names_it="2 smallest",
    ),
    Mutant(
        "top_k_filter",
        "a bad k is clamped into range instead of refused",
        edit(
            """
            if isinstance(k, bool) or not isinstance(k, int) or k < 1:
                raise ValueError(f"top_k must be a positive integer, got {k!r}")
            k = min(k, logits.size(-1))
            """,
            "k = max(1, min(int(k), logits.size(-1)))",
        ),
        visible=True,
        learner=True,
        names_it="positive integer",
    ),
    Mutant(
        "top_k_filter",
        "thresholds flattened to a column (1-D and 2-D logits only)",
        edit(
            "kth = torch.topk(logits, k, dim=-1).values[..., -1:]",
            "kth = torch.topk(logits, k, dim=-1).values[..., -1]\nkth = kth.reshape(-1, 1) if logits.dim() > 1 else kth",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ top_p_filter
    Mutant(
        "top_p_filter",
        "drops the token that crosses p",
        edit("above = probs.cumsum(dim=-1) - probs", "above = probs.cumsum(dim=-1)"),
        visible=True,
        learner=True,
        names_it="the one that crosses p",
    ),
    Mutant(
        "top_p_filter",
        "forgets to sort",
        edit("sorted_logits, _ = torch.sort(logits, dim=-1, descending=True)", "sorted_logits = logits"),
        visible=True,
        learner=True,
        names_it="sort",
    ),
    Mutant(
        "top_p_filter",
        "exactly n sorted positions (drops the ties)",
        edit(
            "threshold = sorted_logits.gather(-1, n_keep - 1)",
            "order = torch.sort(logits, dim=-1, descending=True).indices\n"
            "keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, order, above < p)",
            'return logits.masked_fill(logits < threshold, float("-inf"))',
            'return logits.masked_fill(~keep, float("-inf"))',
        ),
        visible=True,
        learner=True,
        names_it="tied",
    ),
    Mutant(
        "top_p_filter",
        "the first row's threshold for the whole batch",
        edit(
            "threshold = sorted_logits.gather(-1, n_keep - 1)",
            "threshold = sorted_logits.reshape(-1, sorted_logits.size(-1))[0, int(n_keep.reshape(-1)[0]) - 1]",
        ),
        visible=True,
        learner=True,
        names_it="each row has its own ranking",
    ),
    Mutant(
        "top_p_filter",
        "filters in place",
        edit(
            'return logits.masked_fill(logits < threshold, float("-inf"))',
            'return logits.masked_fill_(logits < threshold, float("-inf"))',
        ),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "top_p_filter",
        "no ValueError for p outside (0, 1]",
        edit(
            """
            if not 0.0 < p <= 1.0:
                raise ValueError(f"top_p must be in (0, 1], got {p!r}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="p must be in (0, 1]",
    ),
    Mutant(
        "top_p_filter",
        "returns filtered probabilities instead of logits",
        edit(
            'return logits.masked_fill(logits < threshold, float("-inf"))',
            "return F.softmax(logits, dim=-1).masked_fill(logits < threshold, 0.0)",
        ),
        visible=True,
        learner=True,
        names_it="not 0",
    ),
    Mutant(
        "top_p_filter",
        "thresholds by advanced indexing (1-D and 2-D logits only)",
        edit(
            "threshold = sorted_logits.gather(-1, n_keep - 1)",
            "threshold = (sorted_logits[torch.arange(len(n_keep)), n_keep[:, 0] - 1][:, None] if logits.dim() == 2\n"
            "             else sorted_logits[n_keep - 1])",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ sample_next_token
    Mutant(
        "sample_next_token",
        "ignores the generator",
        edit(
            "ids = torch.multinomial(probs, num_samples=1, generator=generator)",
            "ids = torch.multinomial(probs, num_samples=1)",
        ),
        visible=True,
        learner=True,
        names_it="pass generator=",
    ),
    Mutant(
        "sample_next_token",
        "multiplies by the temperature",
        edit("logits = logits / temperature", "logits = logits * temperature"),
        visible=True,
        learner=True,
        names_it="divide the logits by the temperature",
    ),
    Mutant(
        "sample_next_token",
        "filters before the temperature",
        edit(
            "logits = logits / temperature",
            "",
            "probs = F.softmax(logits, dim=-1).reshape(-1, logits.size(-1))",
            "probs = F.softmax(logits / temperature, dim=-1).reshape(-1, logits.size(-1))",
        ),
        visible=True,
        learner=True,
        names_it="filtering before the temperature",
    ),
    Mutant(
        "sample_next_token",
        "no greedy case: divides by a temperature of 0",
        edit(
            """
            if temperature == 0:
                return logits.argmax(dim=-1)
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="temperature 0 means greedy",
    ),
    Mutant(
        "sample_next_token",
        "takes the argmax instead of drawing",
        edit(
            "ids = torch.multinomial(probs, num_samples=1, generator=generator)",
            "ids = probs.argmax(dim=-1, keepdim=True)",
        ),
        visible=True,
        learner=True,
        names_it="do not take the argmax",
    ),
    Mutant(
        "sample_next_token",
        "returns the (N, 1) draws without reshaping them",
        edit("return ids.reshape(logits.shape[:-1])", "return ids"),
        visible=True,
        learner=True,
        names_it="reshape the (N, 1) draws",
    ),
    Mutant(
        "sample_next_token",
        "ignores top_p",
        edit(
            """
            if top_p is not None:
                logits = top_p_filter(logits, top_p)
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="apply top_p_filter",
    ),
    Mutant(
        "sample_next_token",
        "top-p before top-k",
        edit(
            """
            if top_k is not None:
                logits = top_k_filter(logits, top_k)
            if top_p is not None:
                logits = top_p_filter(logits, top_p)
            """,
            """
            if top_p is not None:
                logits = top_p_filter(logits, top_p)
            if top_k is not None:
                logits = top_k_filter(logits, top_k)
            """,
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ KVCache
    Mutant(
        "KVCache",
        "returns the keys twice",
        edit("return self.k, self.v", "return self.k, self.k"),
        visible=True,
        learner=True,
        names_it="do not mix them up",
    ),
    Mutant(
        "KVCache",
        "appends along the heads (dim 1)",
        edit(
            "self.k = torch.cat([self.k, k], dim=2)",
            "self.k = torch.cat([self.k, k], dim=1)",
            "self.v = torch.cat([self.v, v], dim=2)",
            "self.v = torch.cat([self.v, v], dim=1)",
        ),
        visible=True,
        learner=True,
    ),
    Mutant(
        "KVCache",
        "len counts the updates, not the positions",
        edit(
            "self.v = None",
            "self.v = None\nself.updates = 0",
            "return 0 if self.k is None else self.k.size(2)",
            "return self.updates",
            "return self.k, self.v",
            "self.updates += 1\nreturn self.k, self.v",
        ),
        visible=True,
        learner=True,
        names_it="number of positions",
    ),
    Mutant(
        "KVCache",
        "new positions first",
        edit(
            "self.k = torch.cat([self.k, k], dim=2)",
            "self.k = torch.cat([k, self.k], dim=2)",
            "self.v = torch.cat([self.v, v], dim=2)",
            "self.v = torch.cat([v, self.v], dim=2)",
        ),
        visible=True,
        learner=True,
        names_it="old positions first",
    ),
    Mutant(
        "KVCache",
        "keeps only the newest update",
        edit(
            "self.k = torch.cat([self.k, k], dim=2)",
            "self.k = k",
            "self.v = torch.cat([self.v, v], dim=2)",
            "self.v = v",
        ),
        visible=True,
        learner=True,
        names_it="do not replace it",
    ),
    Mutant(
        "KVCache",
        "later updates keep only their last position",
        edit(
            "self.k = torch.cat([self.k, k], dim=2)",
            "self.k = torch.cat([self.k, k[:, :, -1:]], dim=2)",
            "self.v = torch.cat([self.v, v], dim=2)",
            "self.v = torch.cat([self.v, v[:, :, -1:]], dim=2)",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ cached_attention
    Mutant(
        "cached_attention",
        "mask aligned to the top-left corner (not offset by T_past)",
        edit(
            "mask = torch.ones(T, past + T, dtype=torch.bool, device=x.device).tril(diagonal=past)",
            "mask = torch.ones(T, past + T, dtype=torch.bool, device=x.device).tril()",
        ),
        visible=True,
        learner=True,
        names_it="top-left corner",
    ),
    Mutant(
        "cached_attention",
        "is_causal=True with a cache",
        edit(
            "mask = torch.ones(T, past + T, dtype=torch.bool, device=x.device).tril(diagonal=past)",
            "",
            "y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)",
            "y = F.scaled_dot_product_attention(q, k, v, is_causal=True)",
        ),
        visible=True,
        learner=True,
        names_it="is_causal=True",
    ),
    Mutant(
        "cached_attention",
        "attends over the new keys only",
        edit("k, v = cache.update(k, v)", "cache.update(k, v)"),
        visible=True,
        learner=True,
        names_it="attended to itself only",
    ),
    Mutant(
        "cached_attention",
        "one head whatever n_head says",
        edit(
            "q = q.view(B, T, nh, C // nh).transpose(1, 2)",
            "q = q[:, None]",
            "k = k.view(B, T, nh, C // nh).transpose(1, 2)",
            "k = k[:, None]",
            "v = v.view(B, T, nh, C // nh).transpose(1, 2)",
            "v = v[:, None]",
            "y = y.transpose(1, 2).contiguous().view(B, T, C)",
            "y = y[:, 0]",
        ),
        visible=True,
        learner=True,
        names_it="n_head heads",
    ),
    Mutant(
        "cached_attention",
        "heads split with a view but no transpose",
        edit(
            "q = q.view(B, T, nh, C // nh).transpose(1, 2)",
            "q = q.reshape(B, nh, T, C // nh)",
            "k = k.view(B, T, nh, C // nh).transpose(1, 2)",
            "k = k.reshape(B, nh, T, C // nh)",
            "v = v.view(B, T, nh, C // nh).transpose(1, 2)",
            "v = v.reshape(B, nh, T, C // nh)",
            "y = y.transpose(1, 2).contiguous().view(B, T, C)",
            "y = y.reshape(B, T, C)",
        ),
        visible=True,
        learner=True,
        names_it="then transpose",
    ),
    Mutant(
        "cached_attention",
        "forgets the output projection",
        edit("return attn.c_proj(y)", "return y"),
        visible=True,
        learner=True,
        names_it="apply attn.c_proj",
    ),
    Mutant(
        "cached_attention",
        "no causal mask at all",
        edit(
            "mask = torch.ones(T, past + T, dtype=torch.bool, device=x.device).tril(diagonal=past)",
            "",
            "y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)",
            "y = F.scaled_dot_product_attention(q, k, v)",
        ),
        visible=True,
        learner=True,
        names_it="0..i only",
    ),
    Mutant(
        "cached_attention",
        "two heads hard-coded (the visible test's)",
        edit("nh = attn.n_head", "nh = 2"),
        visible=False,
    ),
    # ------------------------------------------------------------------ forward_with_cache
    Mutant(
        "forward_with_cache",
        "positions restart at 0 for the new tokens",
        edit(
            "x = x + model.pos_emb(torch.arange(past, past + T, device=idx.device))",
            "x = x + model.pos_emb(torch.arange(T, device=idx.device))",
        ),
        visible=True,
        learner=True,
        names_it="T_past + i, not i",
    ),
    Mutant(
        "forward_with_cache",
        "ignores block.residual",
        edit(
            """
            h = cached_attention(block.attn, block.ln_1(x), layer_cache)
            x = x + h if block.residual else h
            h = block.mlp(block.ln_2(x))
            x = x + h if block.residual else h
            """,
            """
            x = x + cached_attention(block.attn, block.ln_1(x), layer_cache)
            x = x + block.mlp(block.ln_2(x))
            """,
        ),
        visible=True,
        learner=True,
        names_it="replaces x",
    ),
    Mutant(
        "forward_with_cache",
        "sinusoidal positions not offset",
        edit("x = x + model.pos_table[past:past + T]", "x = x + model.pos_table[:T]"),
        visible=True,
        learner=True,
        names_it="slice pos_table from T_past",
    ),
    Mutant(
        "forward_with_cache",
        "checks T alone against block_size",
        edit("if past + T > model.config.block_size:", "if T > model.config.block_size:"),
        visible=True,
        learner=True,
        names_it="T_past + T > block_size",
    ),
    Mutant(
        "forward_with_cache",
        "one cache for every block",
        edit(
            "for block, layer_cache in zip(model.blocks, cache):",
            "for block in model.blocks:\n    layer_cache = cache[0]",
        ),
        visible=True,
        learner=True,
        names_it="its own cache",
    ),
    Mutant(
        "forward_with_cache",
        "calls block.attn instead of cached_attention",
        edit(
            "h = cached_attention(block.attn, block.ln_1(x), layer_cache)",
            "h = block.attn(block.ln_1(x))",
        ),
        visible=True,
        learner=True,
        names_it="through cached_attention",
    ),
    Mutant(
        "forward_with_cache",
        "forgets the final LayerNorm",
        edit("return model.lm_head(model.ln_f(x))", "return model.lm_head(x)"),
        visible=True,
        learner=True,
        names_it="ln_f",
    ),
    Mutant(
        "forward_with_cache",
        "positions 'none' treated as sinusoidal",
        edit('elif model.config.positions == "sinusoidal":', "else:"),
        visible=False,
    ),
    # ------------------------------------------------------------------ generate
    Mutant(
        "generate",
        "the cache path feeds the whole sequence again",
        edit(
            "logits = forward_with_cache(model, idx[:, -1:], cache)",
            "logits = forward_with_cache(model, idx, cache)",
        ),
        visible=True,
        learner=True,
        names_it="then 1 token",
    ),
    Mutant(
        "generate",
        "never uses the cache",
        edit(
            """
            if use_kv_cache and cache is not None and idx.size(1) <= block_size:
                logits = forward_with_cache(model, idx[:, -1:], cache)
            elif use_kv_cache:
                cache = [KVCache() for _ in model.blocks]
                logits = forward_with_cache(model, idx[:, -block_size:], cache)
            else:
                logits, _ = model(idx[:, -block_size:])
            """,
            "logits, _ = model(idx[:, -block_size:])",
        ),
        visible=True,
        learner=True,
        names_it="must come from forward_with_cache",
    ),
    Mutant(
        "generate",
        "slides the stale cache past block_size instead of rebuilding it",
        edit(
            """
            if use_kv_cache and cache is not None and idx.size(1) <= block_size:
                logits = forward_with_cache(model, idx[:, -1:], cache)
            """,
            """
            if use_kv_cache and cache is not None:
                if len(cache[0]) >= block_size:
                    for c in cache:
                        c.k, c.v = c.k[:, :, 1:], c.v[:, :, 1:]
                logits = forward_with_cache(model, idx[:, -1:], cache)
            """,
        ),
        visible=True,
        learner=True,
    ),
    Mutant(
        "generate",
        "no context window without the cache",
        edit("logits, _ = model(idx[:, -block_size:])", "logits, _ = model(idx)"),
        visible=True,
        learner=True,
        names_it="last block_size tokens only",
    ),
    Mutant(
        "generate",
        "the rebuilt cache is not cropped to the window",
        edit(
            "logits = forward_with_cache(model, idx[:, -block_size:], cache)",
            "logits = forward_with_cache(model, idx, cache)",
        ),
        visible=True,
        learner=True,
        names_it="fresh cache from the last block_size tokens",
    ),
    Mutant(
        "generate",
        "drops top_k, top_p and the generator",
        edit(
            "next_id = sample_next_token(logits[:, -1, :], temperature, top_k, top_p, generator)",
            "next_id = sample_next_token(logits[:, -1, :], temperature)",
        ),
        visible=True,
        learner=True,
        names_it="pass temperature, top_k, top_p and generator on",
    ),
    Mutant(
        "generate",
        "the logits of the first position",
        edit(
            "next_id = sample_next_token(logits[:, -1, :], temperature, top_k, top_p, generator)",
            "next_id = sample_next_token(logits[:, 0, :], temperature, top_k, top_p, generator)",
        ),
        visible=True,
        learner=True,
        names_it="logits of the last position",
    ),
    Mutant(
        "generate",
        "never puts the model in eval mode",
        edit("model.eval()", ""),
        visible=True,
        learner=True,
        names_it="eval mode",
    ),
    Mutant(
        "generate",
        "the first prefill is not cropped to the window",
        edit(
            """
            elif use_kv_cache:
                cache = [KVCache() for _ in model.blocks]
                logits = forward_with_cache(model, idx[:, -block_size:], cache)
            """,
            """
            elif use_kv_cache:
                first = cache is None
                cache = [KVCache() for _ in model.blocks]
                logits = forward_with_cache(model, idx if first else idx[:, -block_size:], cache)
            """,
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ quantize_int8 (and dequantize_int8)
    Mutant(
        "quantize_int8",
        "one scale per column (reduces over the channel axis)",
        edit(
            "dims = list(range(w.dim())) if axis is None else [d for d in range(w.dim()) if d != axis % w.dim()]",
            "dims = list(range(w.dim())) if axis is None else [axis]",
        ),
        visible=True,
        learner=True,
        names_it="one scale per column",
    ),
    Mutant(
        "quantize_int8",
        "divides by 128",
        edit(
            "scale = torch.where(absmax > 0, absmax / 127, torch.ones_like(absmax))",
            "scale = torch.where(absmax > 0, absmax / 128, torch.ones_like(absmax))",
        ),
        visible=True,
        learner=True,
        names_it="divide by 127",
    ),
    Mutant(
        "quantize_int8",
        "truncates instead of rounding",
        edit(
            "q = torch.clamp(torch.round(w / scale), -127, 127).to(torch.int8)",
            "q = torch.clamp(w / scale, -127, 127).to(torch.int8)",
        ),
        visible=True,
        learner=True,
        names_it="round to the nearest integer",
    ),
    Mutant(
        "quantize_int8",
        "rounds after the int8 conversion (which has already truncated)",
        edit(
            "q = torch.clamp(torch.round(w / scale), -127, 127).to(torch.int8)",
            "q = torch.round(torch.clamp(w / scale, -127, 127).to(torch.int8))",
        ),
        visible=True,
        learner=True,
        names_it="before converting",
    ),
    Mutant(
        "quantize_int8",
        "the largest value instead of the largest absolute value",
        edit(
            "absmax = w.abs().amax(dim=dims, keepdim=True) if dims else w.abs()",
            "absmax = w.amax(dim=dims, keepdim=True) if dims else w",
        ),
        visible=True,
        learner=True,
        names_it="largest absolute value",
    ),
    Mutant(
        "quantize_int8",
        "an all-zero channel gets the scale 0",
        edit(
            "scale = torch.where(absmax > 0, absmax / 127, torch.ones_like(absmax))",
            "scale = absmax / 127",
        ),
        visible=True,
        learner=True,
        names_it="all-zero channel",
    ),
    Mutant(
        "quantize_int8",
        "q left in float",
        edit(
            "q = torch.clamp(torch.round(w / scale), -127, 127).to(torch.int8)",
            "q = torch.clamp(torch.round(w / scale), -127, 127)",
        ),
        visible=True,
        learner=True,
        names_it="convert it to torch.int8",
    ),
    Mutant(
        "quantize_int8",
        "scale without keepdim",
        edit(
            "absmax = w.abs().amax(dim=dims, keepdim=True) if dims else w.abs()",
            "absmax = w.abs().amax(dim=dims) if dims else w.abs()",
        ),
        visible=True,
        learner=True,
        names_it="keepdim",
    ),
    Mutant(
        "quantize_int8",
        "keeps the autograd graph",
        edit("w = w.detach().float()", "w = w.float()"),
        visible=True,
        learner=True,
        names_it="w.detach()",
    ),
    Mutant(
        "quantize_int8",
        "divides w in place",
        edit(
            "q = torch.clamp(torch.round(w / scale), -127, 127).to(torch.int8)",
            "q = torch.clamp(torch.round(w.div_(scale)), -127, 127).to(torch.int8)",
        ),
        visible=True,
        learner=True,
        names_it="do not modify w in place",
    ),
    Mutant(
        "quantize_int8",
        "dequantize_int8 divides by the scale",
        edit("return q.to(torch.float32) * scale", "return q.to(torch.float32) / scale"),
        visible=True,
        learner=True,
        names_it="multiply",
    ),
    Mutant(
        "quantize_int8",
        "the other axis of a 2-D weight (2-D tensors only)",
        edit(
            "dims = list(range(w.dim())) if axis is None else [d for d in range(w.dim()) if d != axis % w.dim()]",
            "dims = [0, 1] if axis is None else [1 - axis]",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ Int8Linear
    Mutant(
        "Int8Linear",
        "forgets the bias in forward",
        edit(
            "return F.linear(x, dequantize_int8(self.qweight, self.scale), self.bias)",
            "return F.linear(x, dequantize_int8(self.qweight, self.scale))",
        ),
        visible=True,
        learner=True,
        names_it="lacks the bias",
    ),
    Mutant(
        "Int8Linear",
        "quantizes per column",
        edit(
            "q, scale = quantize_int8(linear.weight, axis=0)",
            "q, scale = quantize_int8(linear.weight, axis=1)",
        ),
        visible=True,
        learner=True,
        names_it="per column",
    ),
    Mutant(
        "Int8Linear",
        "keeps the float weight too",
        edit(
            "return cls(q, scale, linear.bias)",
            "module = cls(q, scale, linear.bias)\nmodule.weight = linear.weight\nreturn module",
        ),
        visible=True,
        learner=True,
        names_it="float copy",
    ),
    Mutant(
        "Int8Linear",
        "plain attributes instead of buffers",
        edit(
            'self.register_buffer("qweight", qweight.detach())',
            "self.qweight = qweight.detach()",
            'self.register_buffer("scale", scale.detach())',
            "self.scale = scale.detach()",
            'self.register_buffer("bias", None if bias is None else bias.detach().float().clone())',
            "self.bias = None if bias is None else bias.detach().float().clone()",
        ),
        visible=True,
        learner=True,
        names_it="register_buffer",
    ),
    Mutant(
        "Int8Linear",
        "quantizes the bias too",
        edit(
            'self.register_buffer("bias", None if bias is None else bias.detach().float().clone())',
            'self.register_buffer("bias", None if bias is None else quantize_int8(bias)[0])',
        ),
        visible=True,
        learner=True,
        names_it="do not quantize it",
    ),
    Mutant(
        "Int8Linear",
        "forward uses qweight without its scales",
        edit(
            "return F.linear(x, dequantize_int8(self.qweight, self.scale), self.bias)",
            "return F.linear(x, self.qweight.float(), self.bias)",
        ),
        visible=True,
        learner=True,
        names_it="without its scales",
    ),
    Mutant(
        "Int8Linear",
        "the bias registered with its autograd graph",
        edit(
            'self.register_buffer("bias", None if bias is None else bias.detach().float().clone())',
            'self.register_buffer("bias", bias)',
        ),
        visible=True,
        learner=True,
        names_it="requires grad",
    ),
    Mutant(
        "Int8Linear",
        "assumes the linear has a bias",
        edit(
            'self.register_buffer("bias", None if bias is None else bias.detach().float().clone())',
            'self.register_buffer("bias", bias.detach().float().clone())',
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ quantize_model
    Mutant(
        "quantize_model",
        "modifies the model it was given",
        edit("quantized = copy.deepcopy(model)", "quantized = model"),
        visible=True,
        learner=True,
        names_it="work on a copy",
    ),
    Mutant(
        "quantize_model",
        "a shallow copy (shares the blocks)",
        edit("quantized = copy.deepcopy(model)", "quantized = copy.copy(model)"),
        visible=True,
        learner=True,
        names_it="copy.deepcopy",
    ),
    Mutant(
        "quantize_model",
        "the model's direct children only",
        edit(
            """
            for parent in list(quantized.modules()):
                for name, child in list(parent.named_children()):
                    if isinstance(child, nn.Linear):
                        parent.add_module(name, Int8Linear.from_linear(child))   # replaces the child of that name
            """,
            """
            for name, child in list(quantized.named_children()):
                if isinstance(child, nn.Linear):
                    setattr(quantized, name, Int8Linear.from_linear(child))
            """,
        ),
        visible=True,
        learner=True,
        names_it="at any depth",
    ),
    Mutant(
        "quantize_model",
        "setattr with the dotted names of named_modules()",
        edit(
            """
            for parent in list(quantized.modules()):
                for name, child in list(parent.named_children()):
                    if isinstance(child, nn.Linear):
                        parent.add_module(name, Int8Linear.from_linear(child))   # replaces the child of that name
            """,
            """
            for name, child in list(quantized.named_modules()):
                if isinstance(child, nn.Linear):
                    setattr(quantized, name, Int8Linear.from_linear(child))
            """,
        ),
        visible=True,
        learner=True,
        names_it="dots in their names",
    ),
    Mutant(
        "quantize_model",
        "forgets to return the copy",
        edit("return quantized", ""),
        visible=True,
        learner=True,
        names_it="returned None",
    ),
    Mutant(
        "quantize_model",
        "type(child) is nn.Linear misses subclasses",
        edit("if isinstance(child, nn.Linear):", "if type(child) is nn.Linear:"),
        visible=False,
    ),
]

# Correct answers, written as another learner would.
HONEST = {
    "perplexity": """
def perplexity(mean_nll):
    loss = mean_nll.item() if torch.is_tensor(mean_nll) else float(mean_nll)
    if not loss >= 0:                      # False for NaN too
        raise ValueError("perplexity needs a loss >= 0")
    with np.errstate(over="ignore"):
        return float(np.exp(loss))
""",
    "EarlyStopping": """
class EarlyStopping:
    def __init__(self, patience=3, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best_loss, self.best_step, self.best_state, self.bad_evals = math.inf, None, None, 0

    def update(self, val_loss, model, step=None):
        loss = float(val_loss)
        if self.best_loss - loss > self.min_delta:
            self.best_loss = loss
            self.best_step = step
            self.best_state = copy.deepcopy(model.state_dict())
            self.bad_evals = 0
        else:
            self.bad_evals = self.bad_evals + 1
        return self.bad_evals >= self.patience

    def restore(self, model):
        if self.best_state is None:
            raise RuntimeError("nothing to restore yet")
        model.load_state_dict(self.best_state)
""",
    "top_k_filter": """
def top_k_filter(logits, k):
    if type(k) is not int or k <= 0:
        raise ValueError(f"top_k must be a positive integer, got {k}")
    if k >= logits.shape[-1]:
        return logits.clone()
    values, _ = logits.sort(dim=-1, descending=True)
    cutoff = values[..., k - 1].unsqueeze(-1)
    out = logits.clone()
    out[out < cutoff] = float("-inf")
    return out
""",
    "top_p_filter": """
def top_p_filter(logits, p):
    if p <= 0 or p > 1:
        raise ValueError(f"top_p must be in (0, 1], got {p}")
    if p >= 1:
        return logits.clone()
    probs = torch.softmax(logits, dim=-1)
    ordered, _ = probs.sort(dim=-1, descending=True)
    before = torch.cumsum(ordered, dim=-1) - ordered
    count = (before < p).sum(-1, keepdim=True).clamp(min=1)
    smallest_kept = ordered.gather(-1, count - 1)
    return torch.where(probs >= smallest_kept, logits, torch.full_like(logits, float("-inf")))
""",
    "sample_next_token": """
def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, generator=None):
    if temperature < 0:
        raise ValueError(f"negative temperature: {temperature}")
    if temperature == 0:
        return torch.argmax(logits, dim=-1)
    scaled = logits / temperature
    if top_k is not None:
        scaled = top_k_filter(scaled, top_k)
    if top_p is not None:
        scaled = top_p_filter(scaled, top_p)
    shape = scaled.shape
    flat = scaled.reshape(-1, shape[-1]).softmax(dim=-1)
    picks = torch.multinomial(flat, 1, generator=generator)
    return picks.view(shape[:-1])
""",
    "KVCache": """
class KVCache:
    def __init__(self):
        self.k, self.v = None, None

    def __len__(self):
        return self.k.shape[2] if self.k is not None else 0

    def update(self, k, v):
        self.k = k if self.k is None else torch.cat((self.k, k), dim=-2)
        self.v = v if self.v is None else torch.cat((self.v, v), dim=-2)
        return self.k, self.v
""",
    "cached_attention": """
def cached_attention(attn, x, cache):
    B, T, C = x.shape
    H = attn.n_head
    qkv = attn.c_attn(x).reshape(B, T, 3, H, C // H).permute(2, 0, 3, 1, 4)   # (3, B, H, T, hs)
    keys, values = cache.update(qkv[1], qkv[2])
    S = keys.shape[2]
    scores = qkv[0] @ keys.transpose(-1, -2) / math.sqrt(C // H)               # (B, H, T, S)
    allowed = torch.arange(S).unsqueeze(0) <= torch.arange(S - T, S).unsqueeze(1)
    scores = scores.masked_fill(~allowed, float("-inf"))
    out = scores.softmax(-1) @ values                                            # (B, H, T, hs)
    return attn.c_proj(out.permute(0, 2, 1, 3).reshape(B, T, C))
""",
    "forward_with_cache": """
def forward_with_cache(model, idx, cache):
    start = len(cache[0])
    n = idx.shape[1]
    if start + n > model.config.block_size:
        raise ValueError("the cache and the new tokens do not fit in block_size")
    positions = torch.arange(start, start + n, device=idx.device)
    h = model.tok_emb(idx)
    if model.config.positions == "learned":
        h = h + model.pos_emb(positions)
    if model.config.positions == "sinusoidal":
        h = h + model.pos_table[positions]
    for i, block in enumerate(model.blocks):
        a = cached_attention(block.attn, block.ln_1(h), cache[i])
        h = h + a if block.residual else a
        m = block.mlp(block.ln_2(h))
        h = h + m if block.residual else m
    return model.lm_head(model.ln_f(h))
""",
    "generate": """
@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=1.0, top_k=None, top_p=None, use_kv_cache=True, generator=None):
    model.eval()
    window = model.config.block_size
    out = idx
    caches = None
    for _ in range(max_new_tokens):
        if not use_kv_cache:
            logits = model(out[:, -window:])[0]
        elif caches is None or out.shape[1] > window:
            caches = [KVCache() for _ in range(len(model.blocks))]
            logits = forward_with_cache(model, out[:, -window:], caches)
        else:
            logits = forward_with_cache(model, out[:, -1:], caches)
        tok = sample_next_token(logits[:, -1], temperature=temperature, top_k=top_k, top_p=top_p, generator=generator)
        out = torch.cat((out, tok.unsqueeze(1)), dim=1)
    return out
""",
    "quantize_int8": """
def quantize_int8(w, axis=0):
    w = w.detach().to(torch.float32)
    if axis is None:
        m = w.abs().max().reshape([1] * w.dim())
    else:
        rows = w.abs().movedim(axis, 0).reshape(w.shape[axis], -1)
        shape = [1] * w.dim()
        shape[axis] = w.shape[axis]
        m = rows.max(dim=1).values.reshape(shape)
    scale = m / 127.0
    scale[scale == 0] = 1.0
    q = (w / scale).clamp(-127, 127).round().to(torch.int8)  # clamping first gives the same q: the bounds are integers
    return q, scale


def dequantize_int8(q, scale):
    return q.float() * scale
""",
    "Int8Linear": """
class Int8Linear(nn.Module):
    def __init__(self, qweight, scale, bias=None):
        super().__init__()
        self.in_features = qweight.shape[1]
        self.out_features = qweight.shape[0]
        self.register_buffer("qweight", qweight.clone())
        self.register_buffer("scale", scale.detach().reshape(-1, 1).float())
        if bias is not None:
            bias = bias.detach().to(torch.float32).clone()
        self.register_buffer("bias", bias)

    @classmethod
    def from_linear(cls, linear):
        with torch.no_grad():
            qw, s = quantize_int8(linear.weight, axis=0)
        return cls(qw, s, linear.bias)

    def forward(self, x):
        w = dequantize_int8(self.qweight, self.scale)
        out = x @ w.t()
        return out if self.bias is None else out + self.bias
""",
    "quantize_model": """
def quantize_model(model):
    def swap(module):
        for name, child in list(module.named_children()):
            if isinstance(child, nn.Linear):
                module._modules[name] = Int8Linear.from_linear(child)
            else:
                swap(child)
    result = copy.deepcopy(model)
    swap(result)
    return result
""",
}
