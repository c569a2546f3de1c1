"""Evaluating and sampling a language model: perplexity, top-k/top-p filters, generation with a
KV cache (``helpers.reference.kv_cache``) (week 9; used by ``helpers.cli.generate`` and week 10).

    out = generate(model, idx, max_new_tokens=500, temperature=0.8, top_p=0.9)   # (B, T + 500)

``generate(..., use_kv_cache=True)`` gives exactly the tokens of ``use_kv_cache=False`` under
greedy decoding (``temperature=0``), and the same samples for the same ``generator`` seed up to
floating-point rounding.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def perplexity(mean_nll) -> float:
    """exp(mean negative log-likelihood per token, in nats): the effective number of choices per token."""
    value = float(mean_nll)
    if math.isnan(value):
        raise ValueError("perplexity of a NaN loss: the loss diverged")
    if value < 0:
        raise ValueError(f"a mean negative log-likelihood cannot be negative, got {value}")
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Logits with ``-inf`` everywhere except the ``k`` largest of the last dimension.

    Ties with the k-th largest value are all kept; ``k`` larger than the vocabulary keeps everything.
    The input is not modified.
    """
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"top_k must be a positive integer, got {k!r}")
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]  # (..., 1): the k-th largest
    return logits.masked_fill(logits < kth, float("-inf"))


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus filter: keep the smallest set of most likely tokens whose probability reaches ``p``.

    The most likely token is always kept; ties with the least likely kept token are kept too;
    ``p >= 1`` keeps every token. Works over the last dimension of any batch shape.
    """
    if not 0.0 < float(p) <= 1.0:
        raise ValueError(f"top_p must be in (0, 1], got {p!r}")
    if p >= 1.0:
        return logits.clone()
    sorted_logits, _ = torch.sort(logits, dim=-1, descending=True)  # (..., V)
    probs = F.softmax(sorted_logits.float(), dim=-1)
    before = probs.cumsum(dim=-1) - probs  # probability of the tokens ranked above
    keep = before < p  # the first token always (before = 0)
    n_keep = keep.sum(dim=-1, keepdim=True).clamp(min=1)  # (..., 1)
    threshold = sorted_logits.gather(-1, n_keep - 1)  # the smallest kept logit
    return logits.masked_fill(logits < threshold, float("-inf"))


def sample_next_token(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """One token id per row of ``logits`` (..., V): a tensor of shape ``logits.shape[:-1]`` (long).

    ``temperature == 0`` is greedy (argmax, the first index on ties); otherwise the logits are
    divided by the temperature, filtered by top-k then top-p, and a token is drawn from the softmax.
    """
    if not temperature >= 0:
        raise ValueError(f"temperature must be >= 0 (0 = greedy), got {temperature}")
    if temperature == 0:
        return logits.argmax(dim=-1)
    logits = logits / temperature
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    probs = F.softmax(logits.float(), dim=-1)
    flat = probs.reshape(-1, probs.size(-1))  # (N, V)
    ids = torch.multinomial(flat, num_samples=1, generator=generator)  # (N, 1)
    return ids.reshape(logits.shape[:-1])


@torch.no_grad()
def generate(
    model,
    idx: torch.Tensor,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    use_kv_cache: bool = True,
    generator: torch.Generator | None = None,
    step_times: list | None = None,
) -> torch.Tensor:
    """Append ``max_new_tokens`` tokens to ``idx`` (B, T) with a ``helpers.reference.gpt.GPT``-like model.

    Without the cache every step runs the model on the whole context (the last ``block_size``
    tokens). With it, the prompt is run once (prefill) and each later step runs only the newest
    token against the cached keys and values. Positions are absolute, so once the sequence is
    longer than ``block_size`` the window slides and the cache is rebuilt from the window at
    each step (identical results, no speed-up there). ``step_times``, if a list, receives the
    seconds each step took.
    """
    import time

    from helpers.reference.kv_cache import forward_with_cache, new_kv_cache

    if idx.dim() != 2:
        raise ValueError(f"idx should be (B, T) token ids, got shape {tuple(idx.shape)}")
    if idx.size(1) == 0:
        raise ValueError("generate needs a prompt of at least one token")
    block_size = model.config.block_size
    was_training = model.training
    model.eval()
    cache, fed = None, 0  # fed: how many tokens of idx the cache holds
    for _ in range(max_new_tokens):
        start = time.perf_counter()
        if use_kv_cache and cache is not None and idx.size(1) <= block_size:
            logits = forward_with_cache(model, idx[:, fed:], cache)  # only the new token(s)
        elif use_kv_cache:
            cache = new_kv_cache(model)
            logits = forward_with_cache(model, idx[:, -block_size:], cache)  # prefill with the whole window
        else:
            logits, _ = model(idx[:, -block_size:])  # the whole window, every step
        fed = idx.size(1)
        next_id = sample_next_token(logits[:, -1, :], temperature, top_k, top_p, generator)  # (B,)
        idx = torch.cat([idx, next_id[:, None].to(idx.dtype)], dim=1)  # (B, T + 1)
        if step_times is not None:
            step_times.append(time.perf_counter() - start)
    model.train(was_training)
    return idx
