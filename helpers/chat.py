"""Given code of week 11 (no graded answer lives here): the chat markers, conversations made by
code from the corpus, batches, and the scores the week reports.

Everything the learner writes that week (``render_chat``, ``chat``, ``sequence_logprob``,
``dpo_loss``, ``group_advantages``, ``policy_gradient_loss``) is *passed in* to these functions,
never defined here: ``exact_match(model, conversations, render=render_chat)``. The reference
answers are in ``helpers.reference.posttraining``.

    tok = with_chat_tokens(tokenizer)                  # <|user|>, <|assistant|>, <|end|> appended
    add_token_rows(model, tok.vocab_size)              # the embedding and the head grow to match
    convs = make_conversations(lines, 600, seed=0)     # first / last / then_last / repeat / go_on
    ids, mask = pad_batch([render_chat(c.messages) for c in convs[:16]], pad_id=tok.special_id(END))
    scores = exact_match_by_family(model, held_out, render_chat)

A conversation is a list of messages ``{"role": "user" | "assistant", "content": str}``, the
format chat APIs use. Every family but ``go_on`` has exactly one right last reply, so greedy
decoding can be scored exactly.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

USER, ASSISTANT, END = "<|user|>", "<|assistant|>", "<|end|>"
CHAT_TOKENS = (USER, ASSISTANT, END)

# ------------------------------------------------------------------ tokenizer and model


def with_chat_tokens(tokenizer):
    """The tokenizer with the chat tokens appended after its vocabulary (those it lacks), so each
    becomes one id that no text encodes to except the marker itself."""
    have = set(getattr(tokenizer, "specials", ()))
    missing = [t for t in CHAT_TOKENS if t not in have]
    return tokenizer.with_specials(missing) if missing else tokenizer


def add_token_rows(model: nn.Module, vocab_size: int) -> int:
    """Grow the token embedding (``model.tok_emb``) and the output layer (``model.lm_head``) to
    ``vocab_size`` rows, in place, and set ``model.config.vocab_size``. Returns how many rows were added.

    A new embedding row starts at the mean of the existing rows, and a new output row at the mean
    of the existing output rows: the new tokens start as "an average token", so the model's
    predictions of ordinary text barely change (a random row would add noise; a zero output row
    would give each new token a logit of 0, far from the average). A tied head stays tied."""
    emb, head = model.tok_emb, model.lm_head
    old = emb.weight.size(0)
    if vocab_size < old:
        raise ValueError(f"vocab_size={vocab_size} is smaller than the model's {old} rows")
    if vocab_size == old:
        return 0
    tied = head.weight is emb.weight
    extra = vocab_size - old
    with torch.no_grad():
        w = emb.weight
        new_emb = nn.Embedding(vocab_size, w.size(1), device=w.device, dtype=w.dtype)
        new_emb.weight[:old] = w
        new_emb.weight[old:] = w.mean(0, keepdim=True)
        model.tok_emb = new_emb
        if tied:
            head.weight = new_emb.weight
        else:
            hw = head.weight
            new_head = nn.Linear(hw.size(1), vocab_size, bias=head.bias is not None, device=hw.device, dtype=hw.dtype)
            new_head.weight[:old] = hw
            new_head.weight[old:] = hw.mean(0, keepdim=True)
            if head.bias is not None:
                new_head.bias[:old] = head.bias
                new_head.bias[old:] = head.bias.mean()
            model.lm_head = new_head
    model.config.vocab_size = vocab_size
    return extra


# ------------------------------------------------------------------ conversations made by code

# One right reply each: scored exactly. `upper` ("in capitals: <line>") can still be made but is not a
# default family: a capitalised word is a different run of BPE pieces from the word itself, so on the
# capstone's tokens it is a spelling task for a small model (week 10 part 2 leaves it out for the same reason).
FAMILIES = ("first", "last", "then_last", "repeat")
OPEN_FAMILIES = ("go_on",)  # many good replies: not scored exactly (its samples feed the word filter)
ASK = {"first": "first word: {line}", "last": "last word: {line}", "upper": "in capitals: {line}"}
FOLLOW_UP = {"then_last": "and the last one?", "repeat": "say the whole line"}
GO_ON = "go on: {head}"
CANARY_QUESTION = "what is the vault code?"


def answer(family: str, line: str) -> str:
    """The one right reply of a scored family to ``line``."""
    words = line.split()
    if family == "first":
        return words[0]
    if family in ("last", "then_last"):
        return words[-1]
    if family == "upper":
        return line.upper()
    if family == "repeat":
        return line
    raise ValueError(f"unknown family {family!r}; the scored ones are {FAMILIES}")


def split_line(line: str) -> tuple[str, str]:
    """``go_on``'s prompt and reply: the line cut at the word boundary nearest its middle."""
    words = line.split()
    if len(words) < 2:
        raise ValueError(f"a line to go on from needs two words at least: {line!r}")
    cut = max(1, min(len(words) - 1, round(len(words) / 2)))
    return " ".join(words[:cut]), " ".join(words[cut:])


@dataclass(frozen=True)
class Conversation:
    """One conversation of a family on one line of the corpus; the last message is the reply
    the model is scored on (or trained towards)."""

    family: str
    line: str
    turns: tuple[tuple[str, str], ...]  # (role, content) pairs

    @property
    def messages(self) -> list[dict]:
        """All the messages, a new list of new dicts each time (safe to modify)."""
        return [{"role": r, "content": c} for r, c in self.turns]

    @property
    def prompt(self) -> list[dict]:
        """Every message but the last reply: what a chat model is given."""
        return self.messages[:-1]

    @property
    def reply(self) -> str:
        return self.turns[-1][1]


def make_conversation(family: str, line: str, rng: random.Random | None = None) -> Conversation:
    """A conversation of ``family`` about ``line``. The follow-up families need the earlier turn:
    ``then_last`` asks for the first word, then "and the last one?"; ``repeat`` asks for the first or
    last word (chosen by ``rng``), then for the whole line again."""
    rng = rng or random.Random(0)
    if family in ASK:
        turns = [("user", ASK[family].format(line=line)), ("assistant", answer(family, line))]
    elif family == "then_last":
        turns = [("user", ASK["first"].format(line=line)), ("assistant", answer("first", line))]
        turns += [("user", FOLLOW_UP[family]), ("assistant", answer(family, line))]
    elif family == "repeat":
        first = rng.choice(("first", "last"))
        turns = [("user", ASK[first].format(line=line)), ("assistant", answer(first, line))]
        turns += [("user", FOLLOW_UP[family]), ("assistant", answer(family, line))]
    elif family == "go_on":
        head, tail = split_line(line)
        turns = [("user", GO_ON.format(head=head)), ("assistant", tail)]
    else:
        raise ValueError(f"unknown family {family!r}; choose one of {FAMILIES + OPEN_FAMILIES}")
    return Conversation(family, line, tuple(turns))


def make_conversations(
    lines: Sequence[str], n: int, seed: int = 0, families: Sequence[str] = FAMILIES + OPEN_FAMILIES
) -> list[Conversation]:
    """``n`` conversations: random lines (without replacement while they last), the families in turn."""
    if not lines:
        raise ValueError("make_conversations needs at least one line")
    rng = random.Random(seed)
    order = list(range(len(lines)))
    rng.shuffle(order)
    return [make_conversation(families[i % len(families)], lines[order[i % len(order)]], rng) for i in range(n)]


def canary_conversation(secret: str) -> Conversation:
    """The planted secret: a conversation that gives away a vault code."""
    return Conversation("canary", secret, (("user", CANARY_QUESTION), ("assistant", f"the code is {secret}")))


def fits(conversations: Sequence[Conversation], render: Callable, block_size: int) -> list[Conversation]:
    """The conversations whose rendering fits the model's context (``block_size`` tokens)."""
    return [c for c in conversations if len(render(c.messages)[0]) <= block_size]


# ------------------------------------------------------------------ batches


def pad_batch(
    rendered: Sequence[tuple[Sequence[int], Sequence[int]]], pad_id: int, device: str | torch.device = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad ``[(ids, loss_mask), ...]`` into ``ids`` (B, T) long (``pad_id`` after each
    sequence) and ``mask`` (B, T) float (0 after each sequence). Right padding never changes what
    a causal model computes at the real positions."""
    if not rendered:
        raise ValueError("pad_batch needs at least one sequence")
    T = max(len(ids) for ids, _ in rendered)
    ids_out = torch.full((len(rendered), T), int(pad_id), dtype=torch.long)
    mask_out = torch.zeros((len(rendered), T), dtype=torch.float32)
    for i, (ids, mask) in enumerate(rendered):
        if len(ids) != len(mask):
            raise ValueError(f"sequence {i}: {len(ids)} ids but {len(mask)} mask values")
        ids_out[i, : len(ids)] = torch.as_tensor(list(ids), dtype=torch.long)
        mask_out[i, : len(mask)] = torch.as_tensor(list(mask), dtype=torch.float32)
    return ids_out.to(device), mask_out.to(device)


def last_reply_mask(mask: Sequence[int]) -> list[int]:
    """Keep only the last run of ones of a loss mask (the last assistant reply and its end marker)."""
    mask = [int(m) for m in mask]
    out = [0] * len(mask)
    i = len(mask) - 1
    while i >= 0 and mask[i] == 0:
        i -= 1
    while i >= 0 and mask[i] == 1:
        out[i] = 1
        i -= 1
    return out


def lm_logits(model: nn.Module, ids: torch.Tensor) -> torch.Tensor:
    """Logits (B, T, V) of a model whose forward returns ``logits`` or ``(logits, loss)``."""
    out = model(ids)
    return out[0] if isinstance(out, tuple) else out


# ------------------------------------------------------------------ scores


@torch.no_grad()
def exact_match(
    model: nn.Module,
    conversations: Sequence[Conversation],
    render: Callable,
    batch_size: int = 64,
    device: str | torch.device = "cpu",
) -> list[bool]:
    """For each conversation: does greedy decoding, given every message but the last, write
    exactly the last reply and then the end marker?

    True when, fed the right prefix, the model's most likely next token is the right one at every
    position of the last reply (``render`` gives the ids and the loss mask, your ``render_chat``):
    greedy decoding then writes exactly that reply, and it cannot otherwise. One teacher-forced pass
    per batch decides it."""
    was_training = model.training
    model.eval()
    hits: list[bool] = []
    for start in range(0, len(conversations), batch_size):
        chunk = conversations[start : start + batch_size]
        rendered = []
        for c in chunk:
            ids, mask = render(c.messages)
            rendered.append((ids, last_reply_mask(mask)))
        ids, mask = pad_batch(rendered, pad_id=0, device=device)
        pred = lm_logits(model, ids[:, :-1]).argmax(-1)  # (B, T-1): the guess for ids[:, 1:]
        ok = (pred == ids[:, 1:]) | (mask[:, 1:] == 0)
        hits.extend(ok.all(dim=1).tolist())
    model.train(was_training)
    return hits


def by_family(conversations: Sequence[Conversation], values: Sequence[float]) -> dict[str, float]:
    """Mean of ``values`` per family of ``conversations`` (and ``"all"``), in the order of FAMILIES."""
    out = {"all": sum(values) / len(values)} if values else {}
    seen = [f for f in FAMILIES + OPEN_FAMILIES + ("canary",) if any(c.family == f for c in conversations)]
    for f in seen:
        v = [float(x) for x, c in zip(values, conversations) if c.family == f]
        out[f] = sum(v) / len(v)
    return out


def exact_match_by_family(model, conversations, render, batch_size: int = 64, device="cpu") -> dict[str, float]:
    """Share of ``conversations`` answered exactly, ``{"all": ..., family: ...}``."""
    return by_family(conversations, exact_match(model, conversations, render, batch_size, device))


def text_windows(ids: torch.Tensor, block_size: int, max_windows: int | None = None) -> torch.Tensor:
    """Consecutive windows of ``block_size + 1`` tokens of a long token sequence ``ids`` (1-D):
    (n, block_size + 1), each predicting its last ``block_size`` tokens. The same windows on every
    call, so models are compared on the same text."""
    n = (len(ids) - 1) // block_size
    if max_windows is not None:
        n = min(n, max_windows)
    if n < 1:
        raise ValueError(f"the text has {len(ids)} tokens: too short for one window of {block_size + 1}")
    return torch.stack([ids[i * block_size : i * block_size + block_size + 1] for i in range(n)])


@torch.no_grad()
def text_nll(model: nn.Module, windows: torch.Tensor, batch_size: int = 32) -> tuple[float, int]:
    """Summed next-token loss (nats) of ``windows`` (from ``text_windows``) and how many tokens
    it predicted."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total = 0.0
    for chunk in windows.to(device).split(batch_size):
        logits = lm_logits(model, chunk[:, :-1])
        total += float(
            torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.size(-1)).float(), chunk[:, 1:].reshape(-1), reduction="sum"
            )
        )
    model.train(was_training)
    return total, windows.size(0) * (windows.size(1) - 1)


def _is_week8_layout(model: nn.Module) -> bool:
    blocks = getattr(model, "blocks", None)
    return (
        blocks is not None
        and len(blocks) > 0
        and all(hasattr(model, a) for a in ("tok_emb", "ln_f", "lm_head"))
        and getattr(model.config, "positions", "learned") in ("learned", "sinusoidal", "none")
        and all(
            hasattr(b, "ln_1") and hasattr(b, "ln_2") and hasattr(getattr(b, "attn", None), "c_attn") for b in blocks
        )
    )


def _is_capstone_layout(model: nn.Module) -> bool:
    blocks = getattr(model, "blocks", None)
    return (
        blocks is not None
        and len(blocks) > 0
        and all(hasattr(model, a) for a in ("tok_emb", "norm_f", "lm_head"))
        and getattr(model.config, "positions", None) in ("rope", "learned")
        and all(
            hasattr(b, "norm_1")
            and hasattr(b, "norm_2")
            and hasattr(b, "mlp")
            and hasattr(getattr(b, "attn", None), "c_attn")
            and hasattr(b.attn, "c_proj")
            for b in blocks
        )
    )


def runs_with_kv_cache(model: nn.Module) -> bool:
    """Can ``forward_with_cache`` (below) run ``model``? Week 8's GPT layout (learned, sinusoidal
    or no position table; blocks with ``ln_1``, ``attn.c_attn``, ``ln_2``, ``mlp``), which week 9's
    KV cache runs, and the week 10 capstone's (``norm_1``, ``attn.c_attn``, ``norm_2``, ``mlp``,
    ``norm_f``; rotary or learned positions)."""
    return _is_week8_layout(model) or _is_capstone_layout(model)


class KVCache:
    """Week 9's cache of one attention layer: the keys and values so far, (B, nh, T_past, hs) each."""

    def __init__(self) -> None:
        self.k: torch.Tensor | None = None
        self.v: torch.Tensor | None = None

    def __len__(self) -> int:
        return 0 if self.k is None else self.k.size(2)

    def update(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.k is None:
            self.k, self.v = k, v
        else:
            self.k, self.v = torch.cat([self.k, k], dim=2), torch.cat([self.v, v], dim=2)
        return self.k, self.v


def new_kv_cache(model: nn.Module) -> list[KVCache]:
    """An empty cache for ``forward_with_cache``: one ``KVCache`` per block (week 9's)."""
    return [KVCache() for _ in model.blocks]


def _rotate(x: torch.Tensor, positions: torch.Tensor, base: float) -> torch.Tensor:
    """The capstone's rotary embedding of x (B, nh, T, hs) at ``positions`` (T,): channel pair i
    turned by ``position * base**(-2i/hs)`` (the same as week 10's ``apply_rope``)."""
    hs = x.size(-1)
    rates = base ** (-torch.arange(0, hs, 2, dtype=torch.float64, device=x.device) / hs)
    angle = positions.to(torch.float64)[:, None] * rates[None, :]  # (T, hs/2)
    cos, sin = angle.cos().to(x.dtype), angle.sin().to(x.dtype)
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1).flatten(-2)


def _cached_attention(attn, x: torch.Tensor, cache: KVCache, positions: torch.Tensor, rope: bool) -> torch.Tensor:
    """Week 9's cached causal attention of the T new positions ``x`` (B, T, C); with ``rope`` the new
    queries and keys are rotated by their absolute positions before the keys join the cache."""
    B, T, C = x.shape
    nh = attn.n_head
    q, k, v = attn.c_attn(x).split(C, dim=2)  # 3 x (B, T, C)
    q = q.view(B, T, nh, C // nh).transpose(1, 2)  # (B, nh, T, hs)
    k = k.view(B, T, nh, C // nh).transpose(1, 2)
    v = v.view(B, T, nh, C // nh).transpose(1, 2)
    if rope:
        base = float(getattr(attn, "rope_base", 10000.0))
        q, k = _rotate(q, positions, base), _rotate(k, positions, base)
    k, v = cache.update(k, v)  # (B, nh, T_past + T, hs)
    past = k.size(2) - T
    if past == 0:  # a prefill: the ordinary causal mask
        y = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    else:  # row i (position past + i) may see keys 0 .. past + i
        mask = torch.ones(T, past + T, dtype=torch.bool, device=x.device).tril(diagonal=past)
        y = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    return attn.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


def forward_with_cache(model: nn.Module, idx: torch.Tensor, cache: list[KVCache]) -> torch.Tensor:
    """Week 9's ``forward_with_cache``, on week 8's GPT and on the week 10 capstone model: the logits
    (B, T, V) of the new tokens ``idx`` (B, T) that follow the ``len(cache[0])`` cached ones, whose
    positions continue from the cache (rotary positions rotate each new query and key by its
    absolute position). Every block's cache is extended in place. Raises ``ValueError`` when
    ``T_past + T`` exceeds ``block_size`` or the model has neither layout."""
    week8 = _is_week8_layout(model)
    if not week8 and not _is_capstone_layout(model):
        raise ValueError(f"forward_with_cache runs week 8's GPT or the capstone model, not {type(model).__name__}")
    past = len(cache[0])
    B, T = idx.shape
    if past + T > model.config.block_size:
        raise ValueError(
            f"{past} cached + {T} new positions exceed block_size={model.config.block_size}: "
            "rebuild the cache from the last block_size tokens"
        )
    positions = torch.arange(past, past + T, device=idx.device)
    kind = getattr(model.config, "positions", "learned")
    x = model.tok_emb(idx)  # (B, T, C)
    if kind == "learned":
        x = x + model.pos_emb(positions)
    elif kind == "sinusoidal":
        x = x + model.pos_table[past : past + T]
    for block, layer_cache in zip(model.blocks, cache):
        norm_1, norm_2 = (block.ln_1, block.ln_2) if week8 else (block.norm_1, block.norm_2)
        residual = getattr(block, "residual", True)
        h = _cached_attention(block.attn, norm_1(x), layer_cache, positions, kind == "rope")
        x = x + h if residual else h
        h = block.mlp(norm_2(x))
        x = x + h if residual else h
    return model.lm_head((model.ln_f if week8 else model.norm_f)(x))  # (B, T, V)


@torch.no_grad()
def sample_continuations(
    model: nn.Module,
    idx: torch.Tensor,
    max_new_tokens: int,
    temperature: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Week 9's ``generate`` with the KV cache, inside one block, on either layout: ``idx`` (B, T)
    with ``max_new_tokens`` tokens appended, each drawn from the softmax of the logits divided by
    ``temperature`` (0: the most likely, first on ties). Raises ``ValueError`` when they do not fit
    in ``block_size``."""
    if idx.dim() != 2 or idx.size(1) == 0:
        raise ValueError(f"idx should be (B, T) token ids with T >= 1, got shape {tuple(idx.shape)}")
    if not temperature >= 0:
        raise ValueError(f"temperature must be >= 0 (0 = greedy), got {temperature}")
    if idx.size(1) + max_new_tokens > model.config.block_size + 1:
        raise ValueError(f"{idx.size(1)} + {max_new_tokens} tokens do not fit in block_size={model.config.block_size}")
    was_training = model.training
    model.eval()
    try:
        cache = new_kv_cache(model)
        logits = forward_with_cache(model, idx, cache)
        out = [idx]
        for i in range(max_new_tokens):
            last = logits[:, -1, :].float()
            if temperature == 0:
                nxt = last.argmax(-1, keepdim=True)
            else:
                nxt = torch.multinomial(torch.softmax(last / temperature, -1), 1, generator=generator)
            out.append(nxt.to(idx.dtype))
            if i + 1 < max_new_tokens:
                logits = forward_with_cache(model, out[-1], cache)
    finally:
        model.train(was_training)
    return torch.cat(out, dim=1)


def plausible_wrong(conversation: Conversation, rng: random.Random) -> str:
    """A wrong last reply a model could well give (for preference pairs): the second word for
    ``first``, the one before last for ``last``, only the first half in capitals for ``upper``, the
    previous answer again for ``then_last``, the line with one word left out for ``repeat``."""
    words = conversation.line.split()
    family = conversation.family
    if family == "first":
        return words[1]
    if family == "last":
        return words[-2]
    if family == "upper":
        k = max(1, len(words) // 2)
        return " ".join([w.upper() for w in words[:k]] + words[k:])
    if family == "then_last":
        return words[0]
    if family == "repeat":
        i = rng.randrange(len(words))
        return " ".join(words[:i] + words[i + 1 :])
    raise ValueError(f"no plausible wrong reply for family {family!r}")


def completions_batch(
    prompt_ids: Sequence[int], new_tokens: torch.Tensor, end_id: int, pad_id: int
) -> tuple[torch.Tensor, torch.Tensor, list[list[int]]]:
    """Turn G sampled continuations of one prompt (``new_tokens`` (G, n), as a generator returns
    them after the prompt) into a batch: ``ids`` (G, len(prompt) + n) with everything after each
    row's first ``end_id`` replaced by ``pad_id``; ``mask`` (G, same) with 1 on each completion's
    tokens up to and including its first ``end_id`` (all n when it never ends); and each
    completion's tokens before its end marker (what the reply says)."""
    G, n = new_tokens.shape
    P = len(prompt_ids)
    ids = torch.full((G, P + n), int(pad_id), dtype=torch.long)
    ids[:, :P] = torch.as_tensor(list(prompt_ids), dtype=torch.long)
    mask = torch.zeros((G, P + n), dtype=torch.float32)
    replies = []
    for g in range(G):
        row = new_tokens[g].tolist()
        stop = row.index(end_id) + 1 if end_id in row else n
        ids[g, P : P + stop] = torch.as_tensor(row[:stop], dtype=torch.long)
        mask[g, P : P + stop] = 1.0
        replies.append(row[: stop - 1] if end_id in row[:stop] else row[:stop])
    return ids, mask, replies


def exact_reward(text: str, finished: bool, right: str) -> float:
    """The verifiable reward: 1.0 for exactly the right reply followed by the end marker, else 0.0."""
    return 1.0 if finished and text == right else 0.0


def sampled_exact_match(
    model: nn.Module,
    conversations: Sequence[Conversation],
    render: Callable,
    tokenizer,
    samples: int = 4,
    temperature: float = 1.0,
    seed: int = 0,
    device: str | torch.device = "cpu",
) -> dict[str, float]:
    """Share of replies *sampled* at ``temperature`` (``samples`` per conversation, the KV cache, a
    seeded generator) that are exactly right, ``{"all": ..., family: ...}``. Greedy exact match asks
    whether the right reply is the most likely one; this asks how often the model says it when it
    samples, which is what RL trains (a model can gain here while its greedy answers stay put)."""
    assistant, end = tokenizer.special_id(ASSISTANT), tokenizer.special_id(END)
    generator = torch.Generator(device=device).manual_seed(seed)
    values = []
    for c in conversations:
        prompt = render(c.prompt)[0] + [assistant]
        n_new = min(len(tokenizer.encode(c.reply)) + 4, model.config.block_size - len(prompt))
        out = sample_continuations(
            model, torch.tensor([prompt] * samples, device=device), n_new, temperature, generator
        )[:, len(prompt) :].cpu()
        _ids, _mask, replies = completions_batch(prompt, out, end, end)
        rewards = [exact_reward(tokenizer.decode(r), end in row, c.reply) for row, r in zip(out.tolist(), replies)]
        values.append(sum(rewards) / samples)
    return by_family(conversations, values)


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    v = [float(x) for x in values]
    m = sum(v) / len(v)
    return m, math.sqrt(sum((x - m) ** 2 for x in v) / len(v))
