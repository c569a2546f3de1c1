"""Post-training (week 11): the chat format, a chat loop with the KV cache, the log-probability of a
reply, the DPO loss, group-relative advantages and the token-level policy-gradient loss.

Week 11's notebook (``solutions/week11/posttraining.ipynb``) has the learner write each of these;
the command-line chat (``helpers.cli.chat``) and the hidden tests use them from here. The given
plumbing (conversations made by code, batches, exact-match scores) is ``helpers.chat``.

    ids, mask = render_chat([{"role": "user", "content": "first word: To be or not"},
                             {"role": "assistant", "content": "To"}], tokenizer)
    reply = chat(model, tokenizer, [{"role": "user", "content": "last word: To be or not"}])
    logp = sequence_logprob(model, ids_batch, mask_batch)            # (B,) summed over the replies
    loss = dpo_loss(logp_chosen, logp_rejected, ref_chosen, ref_rejected, beta=0.1)
    adv = group_advantages(rewards, group_size=8)                    # reward minus its group's mean
    loss = policy_gradient_loss(token_logp, adv, completion_mask)    # -mean over completion tokens of A * log p

Shapes: B batch (sequences), T time (tokens), V vocabulary, G completions per prompt.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from helpers.chat import (  # week 9's cache, which also runs the capstone
    ASSISTANT,
    CHAT_TOKENS,
    END,
    USER,
    forward_with_cache,
    lm_logits,
    new_kv_cache,
)
from helpers.reference.sampling import sample_next_token


def render_chat(messages: Sequence[dict], tokenizer) -> tuple[list[int], list[int]]:
    """Token ids of a conversation and its loss mask (two lists of ints of the same length).

    Each message becomes its role's marker (``<|user|>`` or ``<|assistant|>``), the ids of its
    content, and ``<|end|>``. The mask is 1 on the tokens a model learns to write, the content of
    every assistant message and the end marker that closes it, and 0 elsewhere (markers that open
    a turn, user messages). Roles alternate, starting with the user; a content that contains the
    text of a chat marker would forge a turn, so it raises ``ValueError`` like a bad role order."""
    if not messages:
        raise ValueError("render_chat needs at least one message")
    marker = {"user": tokenizer.special_id(USER), "assistant": tokenizer.special_id(ASSISTANT)}
    end = tokenizer.special_id(END)
    ids: list[int] = []
    mask: list[int] = []
    for i, message in enumerate(messages):
        role, content = message["role"], message["content"]
        expected = "user" if i % 2 == 0 else "assistant"
        if role != expected:
            raise ValueError(
                f"message {i} has role {role!r}: roles alternate, starting with 'user' (expected {expected!r})"
            )
        if any(token in content for token in CHAT_TOKENS):
            raise ValueError(f"message {i} contains the text of a chat marker ({content!r:.60}): it would forge a turn")
        body = tokenizer.encode(content)
        learn = 1 if role == "assistant" else 0
        ids += [marker[role], *body, end]
        mask += [0] + [learn] * (len(body) + 1)
    return ids, mask


@torch.no_grad()
def chat(
    model: torch.nn.Module,
    tokenizer,
    messages: Sequence[dict],
    max_new_tokens: int = 64,
    temperature: float = 0.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
) -> str:
    """The assistant's next reply to ``messages`` (the last one from the user), as text.

    The conversation is rendered, the assistant marker appended, and the prompt run once through
    the model to fill week 9's KV cache; each step then samples one token with week 9's
    ``sample_next_token`` (``temperature=0``: greedy) and feeds only that token. Generation stops at
    the end marker (not part of the reply), after ``max_new_tokens`` tokens, or when the context
    holds ``block_size`` tokens. The model runs in eval mode; its previous mode is restored."""
    if not messages or messages[-1]["role"] != "user":
        raise ValueError("chat needs a conversation whose last message is the user's")
    ids, _ = render_chat(messages, tokenizer)
    ids.append(tokenizer.special_id(ASSISTANT))
    block = model.config.block_size
    if len(ids) >= block:
        raise ValueError(f"the conversation takes {len(ids)} tokens: no room for a reply in block_size={block}")
    end = tokenizer.special_id(END)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        cache = new_kv_cache(model)
        logits = forward_with_cache(model, torch.tensor([ids], device=device), cache)  # (1, T, V)
        reply: list[int] = []
        for _ in range(max_new_tokens):
            token = int(sample_next_token(logits[0, -1], temperature, top_k, top_p, generator))
            if token == end:
                break
            reply.append(token)
            if len(ids) + len(reply) >= block:
                break
            logits = forward_with_cache(model, torch.tensor([[token]], device=device), cache)  # (1, 1, V)
    finally:
        model.train(was_training)
    return tokenizer.decode(reply)


def sequence_logprob(
    model: torch.nn.Module, ids: torch.Tensor, mask: torch.Tensor, per_token: bool = False
) -> torch.Tensor:
    """log p(token t | tokens before t) summed over the positions t where ``mask`` is 1: (B,).

    ``ids`` (B, T) and ``mask`` (B, T) are aligned as ``render_chat`` gives them: ``mask[:, t]``
    says whether token ``t`` counts. Position 0 has nothing before it, so its mask value is
    ignored. ``per_token=True`` returns the masked terms themselves, (B, T) with 0 where the mask
    is 0 (and at position 0). Gradients flow to the model."""
    if ids.dim() != 2 or tuple(mask.shape) != tuple(ids.shape):
        raise ValueError(f"ids and mask should both be (B, T); got {tuple(ids.shape)} and {tuple(mask.shape)}")
    logits = lm_logits(model, ids[:, :-1])  # (B, T-1, V): position t predicts token t+1
    logp = F.log_softmax(logits.float(), dim=-1)
    terms = logp.gather(-1, ids[:, 1:, None]).squeeze(-1) * mask[:, 1:].to(logp.dtype)  # (B, T-1)
    if per_token:
        return torch.cat([terms.new_zeros(terms.size(0), 1), terms], dim=1)  # (B, T)
    return terms.sum(dim=-1)


def dpo_loss(
    policy_chosen: torch.Tensor,
    policy_rejected: torch.Tensor,
    ref_chosen: torch.Tensor,
    ref_rejected: torch.Tensor,
    beta: float,
) -> torch.Tensor:
    """The DPO loss (Rafailov et al. 2023), averaged over the batch:
    ``-log sigmoid(beta * ((pi_c - ref_c) - (pi_r - ref_r)))``, each argument the summed
    log-probability of a reply (B,). The reference terms are constants (no gradient reaches them);
    ``logsigmoid`` keeps it finite for margins of any size."""
    if not beta > 0:
        raise ValueError(f"beta must be positive, got {beta}")
    shapes = {tuple(t.shape) for t in (policy_chosen, policy_rejected, ref_chosen, ref_rejected)}
    if len(shapes) != 1:
        raise ValueError(f"the four log-probabilities should have one shape (B,), got {sorted(shapes)}")
    margin = (policy_chosen - ref_chosen.detach()) - (policy_rejected - ref_rejected.detach())
    return -F.logsigmoid(beta * margin).mean()


def group_advantages(rewards, group_size: int, normalize: bool = False, eps: float = 1e-6) -> torch.Tensor:
    """Each reward minus the mean reward of its group: ``rewards`` (N,) holds ``N / group_size``
    groups of ``group_size`` consecutive completions of one prompt. ``normalize=True`` also divides
    by the group's standard deviation (over its ``group_size`` values, not ``group_size - 1``) plus
    ``eps``. Returns a new float tensor (N,)."""
    r = torch.as_tensor(rewards).detach().clone()
    r = r.float() if not r.is_floating_point() else r
    if r.dim() != 1:
        raise ValueError(f"rewards should be one number per completion, shape (N,), got {tuple(r.shape)}")
    if not isinstance(group_size, int) or group_size < 1 or r.numel() % group_size:
        raise ValueError(f"{r.numel()} rewards do not split into groups of group_size={group_size}")
    groups = r.view(-1, group_size)  # (prompts, G)
    adv = groups - groups.mean(dim=1, keepdim=True)
    if normalize:
        adv = adv / (groups.std(dim=1, unbiased=False, keepdim=True) + eps)
    return adv.reshape(-1)


def policy_gradient_loss(logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The token-level policy-gradient loss of nanochat's simplified GRPO:
    ``-sum(A_b * logprobs[b, t] * mask[b, t]) / sum(mask)``, every completion token weighted alike
    (``logprobs`` (B, T) of the sampled tokens, ``advantages`` (B,) constants, ``mask`` (B, T))."""
    if logprobs.dim() != 2 or tuple(mask.shape) != tuple(logprobs.shape):
        raise ValueError(
            f"logprobs and mask should both be (B, T); got {tuple(logprobs.shape)} and {tuple(mask.shape)}"
        )
    if tuple(advantages.shape) != (logprobs.size(0),):
        raise ValueError(f"advantages should be one per sequence, ({logprobs.size(0)},), got {tuple(advantages.shape)}")
    m = mask.to(logprobs.dtype)
    n = m.sum()
    if float(n) == 0:
        raise ValueError("the mask selects no token: nothing to learn from")
    return -(advantages.detach().to(logprobs.dtype)[:, None] * logprobs * m).sum() / n
