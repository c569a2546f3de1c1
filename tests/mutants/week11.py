"""Week 11 (post-training): learners' mistakes, and honest answers written another way."""

from tests.mutants import Mutant, edit

MUTANTS = [
    # ------------------------------------------------------------------ render_chat
    Mutant(
        "render_chat",
        "the <|end|> closing an assistant reply is not learnt",
        edit("mask += [0] + [learn] * (len(body) + 1)", "mask += [0] + [learn] * len(body) + [0]"),
        visible=True,
        learner=True,
        names_it="never learns to stop",
    ),
    Mutant(
        "render_chat",
        "the <|assistant|> marker that opens a turn is learnt",
        edit("mask += [0] + [learn] * (len(body) + 1)", "mask += [learn] * (len(body) + 2)"),
        visible=True,
        learner=True,
        names_it="written by the chat program",
    ),
    Mutant(
        "render_chat",
        "user messages are not closed by <|end|>",
        edit(
            """
            ids += [opening[role]] + body + [end]
            mask += [0] + [learn] * (len(body) + 1)
            """,
            """
            closing = [end] if role == "assistant" else []
            ids += [opening[role]] + body + closing
            mask += [0] + [learn] * (len(body) + len(closing))
            """,
        ),
        visible=True,
        learner=True,
        names_it="the user's too",
    ),
    Mutant(
        "render_chat",
        "only the last assistant reply is learnt",
        edit(
            'learn = 1 if role == "assistant" else 0',
            'learn = 1 if role == "assistant" and i == len(messages) - 1 else 0',
        ),
        visible=True,
        learner=True,
        names_it="not only the last one",
    ),
    Mutant(
        "render_chat",
        "the user's tokens are learnt too",
        edit('learn = 1 if role == "assistant" else 0', "learn = 1"),
        visible=True,
        learner=True,
        names_it="only the assistant's tokens count",
    ),
    Mutant(
        "render_chat",
        "ignores the tokenizer argument",
        edit("tokenizer = tok if tokenizer is None else tokenizer", "tokenizer = tok"),
        visible=True,
        learner=True,
        names_it="use the `tokenizer` argument",
        # chat renders the conversation with render_chat and the tokenizer it is given: with the notebook's
        # tokenizer instead, the ids fall outside test_chat's toy model's vocabulary
        also_fails=("test_chat",),
    ),
    Mutant(
        "render_chat",
        "a marker's text in a content is not refused",
        edit(
            """
            if any(marker in content for marker in CHAT_TOKENS):
                raise ValueError(f"message {i} contains the text of a chat marker: {content!r}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="forge a turn",
    ),
    Mutant(
        "render_chat",
        "the order of the roles is not checked",
        edit(
            """
            if role != expected:
                raise ValueError(f"message {i} has role {role!r}; roles alternate from 'user', so it should be {expected!r}")
            """,
            """
            if role not in ("user", "assistant"):
                raise ValueError(f"message {i} has an unknown role {role!r}")
            """,
        ),
        visible=True,
        learner=True,
        names_it="roles alternate",
    ),
    Mutant(
        "render_chat",
        "only <|end|> is refused in a content, not the other markers",
        edit("if any(marker in content for marker in CHAT_TOKENS):", "if END in content:"),
        visible=False,
    ),
    # ------------------------------------------------------------------ sequence_logprob
    Mutant(
        "sequence_logprob",
        "each token scored with the prediction made at its own position",
        edit(
            "logits = lm_logits(model, ids[:, :-1])",
            "logits = lm_logits(model, ids)",
            "picked = logp.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)",
            "picked = logp.gather(-1, ids.unsqueeze(-1)).squeeze(-1)",
            "terms = picked * mask[:, 1:].float()",
            "terms = picked * mask.float()",
        ),
        visible=True,
        learner=True,
        names_it="at its own position",
    ),
    Mutant(
        "sequence_logprob",
        "the mask shifted by one",
        edit("terms = picked * mask[:, 1:].float()", "terms = picked * mask[:, :-1].float()"),
        visible=True,
        learner=True,
        names_it="the mask is shifted by one",
    ),
    Mutant(
        "sequence_logprob",
        "no mask: the prompt's tokens counted too",
        edit("terms = picked * mask[:, 1:].float()", "terms = picked"),
        visible=True,
        learner=True,
        names_it="every token was counted",
    ),
    Mutant(
        "sequence_logprob",
        "the mean over the reply's tokens instead of their sum",
        edit("return terms.sum(dim=1)", "return terms.sum(dim=1) / mask[:, 1:].float().sum(dim=1)"),
        visible=True,
        learner=True,
        names_it="return their sum",
    ),
    Mutant(
        "sequence_logprob",
        "computed under torch.no_grad(): nothing can train through it",
        edit(
            "logits = lm_logits(model, ids[:, :-1])",
            """
            with torch.no_grad():
                logits = lm_logits(model, ids[:, :-1])
            """,
        ),
        visible=True,
        learner=True,
        names_it="carries no gradient",
    ),
    Mutant(
        "sequence_logprob",
        "puts the model in eval mode",
        edit("logits = lm_logits(model, ids[:, :-1])", "model.eval()\nlogits = lm_logits(model, ids[:, :-1])"),
        visible=True,
        learner=True,
        names_it="changed the model's mode",
    ),
    Mutant(
        "sequence_logprob",
        "probabilities instead of log-probabilities",
        edit("logp = F.log_softmax(logits.float(), dim=-1)", "logp = F.softmax(logits.float(), dim=-1)"),
        visible=True,
        learner=True,
        names_it="log_softmax",
    ),
    Mutant(
        "sequence_logprob",
        "per_token=True without the column for position 0",
        edit("return torch.cat([torch.zeros_like(terms[:, :1]), terms], dim=1)", "return terms"),
        visible=True,
        learner=True,
        names_it="0 at position 0",
    ),
    Mutant(
        "sequence_logprob",
        "puts the model back in train mode at the end, whatever it was",
        edit("return terms.sum(dim=1)", "model.train()\nreturn terms.sum(dim=1)"),
        visible=False,
    ),
    # ------------------------------------------------------------------ chat
    Mutant(
        "chat",
        "the <|end|> token is kept in the reply",
        edit(
            """
            if token == end:
                break
            reply.append(token)
            """,
            """
            reply.append(token)
            if token == end:
                break
            """,
        ),
        visible=True,
        learner=True,
        names_it="not part of it",
    ),
    Mutant(
        "chat",
        "no <|assistant|> marker at the end of the prompt",
        edit(
            "prompt = render_chat(messages, tokenizer)[0] + [tokenizer.special_id(ASSISTANT)]",
            "prompt = render_chat(messages, tokenizer)[0]",
        ),
        visible=True,
        learner=True,
        names_it="append the marker",
    ),
    Mutant(
        "chat",
        "the whole context through the model at every step (no KV cache)",
        edit(
            """
            cache = new_kv_cache(model)
            logits = forward_with_cache(model, torch.tensor([prompt], device=where), cache)
            """,
            "logits = lm_logits(model, torch.tensor([prompt], device=where))",
            "logits = forward_with_cache(model, torch.tensor([[token]], device=where), cache)",
            "logits = lm_logits(model, torch.tensor([prompt + reply], device=where))",
        ),
        visible=True,
        learner=True,
        names_it="feed only the newest token",
    ),
    Mutant(
        "chat",
        "a new cache at every step",
        edit(
            "logits = forward_with_cache(model, torch.tensor([[token]], device=where), cache)",
            """
            cache = new_kv_cache(model)
            logits = forward_with_cache(model, torch.tensor([prompt + reply], device=where), cache)
            """,
        ),
        visible=True,
        learner=True,
        names_it="feed only the newest token",
    ),
    Mutant(
        "chat",
        "the generator is not passed on (the global random state is used)",
        edit(
            "token = int(sample_next_token(logits[0, -1], temperature, top_k, top_p, generator))",
            "token = int(sample_next_token(logits[0, -1], temperature, top_k, top_p))",
        ),
        visible=True,
        learner=True,
        names_it="pass `generator` on",
    ),
    Mutant(
        "chat",
        "top_k and top_p are not passed on",
        edit(
            "token = int(sample_next_token(logits[0, -1], temperature, top_k, top_p, generator))",
            "token = int(sample_next_token(logits[0, -1], temperature, generator=generator))",
        ),
        visible=True,
        learner=True,
        names_it="pass `top_k` on",
    ),
    Mutant(
        "chat",
        "the model is left in eval mode",
        edit("model.train(was_training)", "pass"),
        visible=True,
        learner=True,
        names_it="restore the model's previous mode",
    ),
    Mutant(
        "chat",
        "no stop when the context is full",
        edit(
            """
            if len(prompt) + len(reply) >= limit:
                break
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="block_size",
    ),
    Mutant(
        "chat",
        "generates without torch.no_grad()",
        edit("with torch.no_grad():", "if True:"),
        visible=True,
        learner=True,
        names_it="torch.no_grad()",
    ),
    Mutant(
        "chat",
        "max_new_tokens=0 still writes one token",
        edit("for _ in range(max_new_tokens):", "for _ in range(max(1, max_new_tokens)):"),
        visible=False,
    ),
    # ------------------------------------------------------------------ dpo_loss
    Mutant(
        "dpo_loss",
        "no reference model",
        edit(
            """
            chosen_ratio = policy_chosen - ref_chosen.detach()
            rejected_ratio = policy_rejected - ref_rejected.detach()
            """,
            """
            chosen_ratio = policy_chosen
            rejected_ratio = policy_rejected
            """,
        ),
        visible=True,
        learner=True,
        names_it="reference model is missing",
    ),
    Mutant(
        "dpo_loss",
        "chosen and rejected swapped",
        edit(
            "return -F.logsigmoid(beta * (chosen_ratio - rejected_ratio)).mean()",
            "return -F.logsigmoid(beta * (rejected_ratio - chosen_ratio)).mean()",
        ),
        visible=True,
        learner=True,
        names_it="swapped",
    ),
    Mutant(
        "dpo_loss",
        "log(sigmoid(x)): -inf for a very negative gap",
        edit(
            "return -F.logsigmoid(beta * (chosen_ratio - rejected_ratio)).mean()",
            "return -torch.log(torch.sigmoid(beta * (chosen_ratio - rejected_ratio))).mean()",
        ),
        visible=True,
        learner=True,
        names_it="logsigmoid",
    ),
    Mutant(
        "dpo_loss",
        "summed over the pairs",
        edit(
            "return -F.logsigmoid(beta * (chosen_ratio - rejected_ratio)).mean()",
            "return -F.logsigmoid(beta * (chosen_ratio - rejected_ratio)).sum()",
        ),
        visible=True,
        learner=True,
        names_it="average them",
    ),
    Mutant(
        "dpo_loss",
        "log sigmoid without the minus sign",
        edit(
            "return -F.logsigmoid(beta * (chosen_ratio - rejected_ratio)).mean()",
            "return F.logsigmoid(beta * (chosen_ratio - rejected_ratio)).mean()",
        ),
        visible=True,
        learner=True,
        names_it="minus the loss",
    ),
    Mutant(
        "dpo_loss",
        "the reference log-probabilities are not detached",
        edit(
            """
            chosen_ratio = policy_chosen - ref_chosen.detach()
            rejected_ratio = policy_rejected - ref_rejected.detach()
            """,
            """
            chosen_ratio = policy_chosen - ref_chosen
            rejected_ratio = policy_rejected - ref_rejected
            """,
        ),
        visible=True,
        learner=True,
        names_it="detach them",
    ),
    Mutant(
        "dpo_loss",
        "beta left out",
        edit(
            "return -F.logsigmoid(beta * (chosen_ratio - rejected_ratio)).mean()",
            "return -F.logsigmoid(chosen_ratio - rejected_ratio).mean()",
        ),
        visible=True,
        learner=True,
        names_it="beta is missing",
    ),
    Mutant(
        "dpo_loss",
        "everything cast to float32",
        edit(
            """
            chosen_ratio = policy_chosen - ref_chosen.detach()
            rejected_ratio = policy_rejected - ref_rejected.detach()
            """,
            """
            chosen_ratio = policy_chosen.float() - ref_chosen.detach().float()
            rejected_ratio = policy_rejected.float() - ref_rejected.detach().float()
            """,
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ group_advantages
    Mutant(
        "group_advantages",
        "the mean of the whole batch instead of each group's",
        edit("adv = groups - groups.mean(dim=1, keepdim=True)", "adv = groups - groups.mean()"),
        visible=True,
        learner=True,
        names_it="its own group",
    ),
    Mutant(
        "group_advantages",
        "mean minus reward",
        edit("adv = groups - groups.mean(dim=1, keepdim=True)", "adv = groups.mean(dim=1, keepdim=True) - groups"),
        visible=True,
        learner=True,
        names_it="signs are reversed",
    ),
    Mutant(
        "group_advantages",
        "groups laid out as (G, N // G)",
        edit("groups = r.view(-1, group_size)", "groups = r.view(group_size, -1)"),
        visible=True,
        learner=True,
        names_it="consecutive",
    ),
    Mutant(
        "group_advantages",
        "the unbiased standard deviation (G - 1)",
        edit(
            "adv = adv / (groups.std(dim=1, unbiased=False, keepdim=True) + eps)",
            "adv = adv / (groups.std(dim=1, keepdim=True) + eps)",
        ),
        visible=True,
        learner=True,
        names_it="unbiased=False",
    ),
    Mutant(
        "group_advantages",
        "no eps: NaN for a group of equal rewards",
        edit(
            "adv = adv / (groups.std(dim=1, unbiased=False, keepdim=True) + eps)",
            "adv = adv / groups.std(dim=1, unbiased=False, keepdim=True)",
        ),
        visible=True,
        learner=True,
        names_it="add eps",
    ),
    Mutant(
        "group_advantages",
        "normalize is ignored",
        edit(
            """
            if normalize:
                adv = adv / (groups.std(dim=1, unbiased=False, keepdim=True) + eps)
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="divide each group by its standard deviation",
    ),
    Mutant(
        "group_advantages",
        "the mean subtracted in place from the caller's rewards",
        edit(
            """
            r = torch.as_tensor(rewards).detach().clone()
            if not r.is_floating_point():
                r = r.float()
            """,
            """
            r = torch.as_tensor(rewards)
            if not r.is_floating_point():
                r = r.float()
            """,
            "adv = groups - groups.mean(dim=1, keepdim=True)",
            "adv = groups.sub_(groups.mean(dim=1, keepdim=True))",
        ),
        visible=True,
        learner=True,
        names_it="work on a copy",
    ),
    Mutant(
        "group_advantages",
        "every reward cast to float32",
        edit(
            """
            r = torch.as_tensor(rewards).detach().clone()
            if not r.is_floating_point():
                r = r.float()
            """,
            "r = torch.tensor(rewards, dtype=torch.float32) if not torch.is_tensor(rewards) else rewards.detach().float()",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ policy_gradient_loss
    Mutant(
        "policy_gradient_loss",
        "normalised per reply, then averaged over replies",
        edit(
            "return -weighted.sum() / count",
            "return -(weighted.sum(dim=1) / weights.sum(dim=1)).mean()",
        ),
        visible=True,
        learner=True,
        names_it="mean per reply",
    ),
    Mutant(
        "policy_gradient_loss",
        "divided by every position, padding included",
        edit("return -weighted.sum() / count", "return -weighted.sum() / weights.numel()"),
        visible=True,
        learner=True,
        names_it="divided by every position",
    ),
    Mutant(
        "policy_gradient_loss",
        "no minus sign",
        edit("return -weighted.sum() / count", "return weighted.sum() / count"),
        visible=True,
        learner=True,
        names_it="minus the loss",
    ),
    Mutant(
        "policy_gradient_loss",
        "the mask is ignored",
        edit(
            "weighted = advantages.detach().to(logprobs.dtype).unsqueeze(1) * logprobs * weights",
            "weighted = advantages.detach().to(logprobs.dtype).unsqueeze(1) * logprobs",
        ),
        visible=True,
        learner=True,
        names_it="the padding counted",
    ),
    Mutant(
        "policy_gradient_loss",
        "the advantages broadcast along time",
        edit(
            "weighted = advantages.detach().to(logprobs.dtype).unsqueeze(1) * logprobs * weights",
            "weighted = advantages.detach().to(logprobs.dtype) * logprobs * weights",
        ),
        visible=True,
        learner=True,
        names_it="give them a time axis",
    ),
    Mutant(
        "policy_gradient_loss",
        "the advantages are not detached",
        edit(
            "weighted = advantages.detach().to(logprobs.dtype).unsqueeze(1) * logprobs * weights",
            "weighted = advantages.to(logprobs.dtype).unsqueeze(1) * logprobs * weights",
        ),
        visible=True,
        learner=True,
        names_it="constants",
    ),
    Mutant(
        "policy_gradient_loss",
        "an all-zero mask divides by zero",
        edit(
            """
            if count == 0:
                raise ValueError("the mask selects no token")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="all-zero mask",
    ),
    Mutant(
        "policy_gradient_loss",
        "everything cast to float32",
        edit(
            "weighted = advantages.detach().to(logprobs.dtype).unsqueeze(1) * logprobs * weights",
            "weighted = advantages.detach().float().unsqueeze(1) * logprobs.float() * weights.float()",
        ),
        visible=False,
    ),
]

# Correct answers, written as another learner would.
HONEST = {
    "render_chat": """
def render_chat(messages, tokenizer=None):
    t = tokenizer or tok
    if not messages:
        raise ValueError("no messages to render")
    out_ids, out_mask = [], []
    for n, msg in enumerate(messages):
        if msg["role"] != ("user", "assistant")[n % 2]:
            raise ValueError(f"message {n}: wrong role {msg['role']}")
        text = msg["content"]
        for special in (USER, ASSISTANT, END):
            if special in text:
                raise ValueError(f"message {n} contains {special}")
        piece = t.encode(text)
        is_reply = int(msg["role"] == "assistant")
        out_ids.extend([t.special_id(USER if n % 2 == 0 else ASSISTANT), *piece, t.special_id(END)])
        out_mask.extend([0, *([is_reply] * len(piece)), is_reply])
    return out_ids, out_mask
""",
    "sequence_logprob": """
def sequence_logprob(model, ids, mask, per_token=False):
    if ids.ndim != 2 or tuple(ids.shape) != tuple(mask.shape):
        raise ValueError("ids and mask must be (B, T) and alike")
    out = model(ids[:, :-1])
    scores = out[0] if isinstance(out, tuple) else out
    nll = F.cross_entropy(scores.float().transpose(1, 2), ids[:, 1:], reduction="none")   # (B, T-1)
    lp = F.pad(-nll * mask[:, 1:].to(nll.dtype), (1, 0))                                   # (B, T)
    return lp if per_token else lp.sum(-1)
""",
    "chat": """
def chat(model, tokenizer, messages, max_new_tokens=64, temperature=0.0, top_k=None, top_p=None, generator=None):
    if not messages or messages[-1]["role"] != "user":
        raise ValueError("the last message must be the user's")
    context = list(render_chat(messages, tokenizer)[0])
    context.append(tokenizer.special_id(ASSISTANT))
    if len(context) >= model.config.block_size:
        raise ValueError("no room left for a reply")
    stop = tokenizer.special_id(END)
    mode = model.training
    model.eval()
    new = []
    with torch.no_grad():
        kv = new_kv_cache(model)
        x = torch.tensor(context, device=next(model.parameters()).device).unsqueeze(0)
        while len(new) < max_new_tokens:
            last = forward_with_cache(model, x, kv)[:, -1, :]
            nxt = sample_next_token(last, temperature=temperature, top_k=top_k, top_p=top_p, generator=generator).item()
            if nxt == stop:
                break
            new.append(nxt)
            if len(context) + len(new) == model.config.block_size:
                break
            x = torch.tensor([[nxt]], device=x.device)
    model.train(mode)
    return tokenizer.decode(new)
""",
    "dpo_loss": """
def dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta):
    if beta <= 0:
        raise ValueError("beta must be > 0")
    if len({tuple(x.shape) for x in (policy_chosen, policy_rejected, ref_chosen, ref_rejected)}) != 1:
        raise ValueError("shapes differ")
    with torch.no_grad():
        ref_gap = ref_chosen - ref_rejected
    logits = beta * (policy_chosen - policy_rejected - ref_gap)
    return F.softplus(-logits).mean()          # softplus(-x) = -log sigmoid(x), stable
""",
    "group_advantages": """
def group_advantages(rewards, group_size, normalize=False, eps=1e-6):
    rew = torch.as_tensor(rewards)
    rew = rew.to(torch.get_default_dtype()) if not rew.is_floating_point() else rew
    if rew.ndim != 1:
        raise ValueError("rewards must be 1-D")
    if type(group_size) is not int or group_size <= 0 or rew.numel() % group_size:
        raise ValueError("bad group_size")
    pieces = []
    for start in range(0, rew.numel(), group_size):
        g = rew[start:start + group_size]
        a = g - g.mean()
        if normalize:
            a = a / (torch.sqrt(((g - g.mean()) ** 2).mean()) + eps)
        pieces.append(a)
    return torch.cat(pieces)
""",
    "policy_gradient_loss": """
def policy_gradient_loss(logprobs, advantages, mask):
    if logprobs.ndim != 2 or tuple(logprobs.shape) != tuple(mask.shape):
        raise ValueError("logprobs and mask must both be (B, T)")
    if tuple(advantages.shape) != (logprobs.shape[0],):
        raise ValueError("one advantage per sequence")
    m = mask.float() if mask.dtype == torch.bool else mask
    n = m.sum()
    if n.item() == 0:
        raise ValueError("empty mask")
    per_seq = (logprobs * m).sum(dim=1)                        # (B,)
    return -torch.dot(advantages.detach().to(per_seq.dtype), per_seq) / n
""",
}
