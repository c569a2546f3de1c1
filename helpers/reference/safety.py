"""Safety and evaluation basics for week 10: memorization, a canary (leakage) test, and a word-list
toxicity filter.

- **Memorization**: the share of word n-grams of generated text found verbatim in the training
  text. Common phrases occur in any English text, so the same share against held-out
  (validation) text is the control: memorization is the gap between the two.
- **Canary**: a made-up secret ("the vault code is 40815") planted a few times in the training
  data. Afterwards we ask whether greedy decoding completes the prefix with the secret, and how
  the secret ranks by likelihood among random alternatives of the same form (its *exposure*,
  Carlini et al. 2019: log2 of the number of candidates minus log2 of its rank).
- **Toxicity filter**: whole-word, case-insensitive matching against a block list. Cheap and
  transparent, and blind to context, spelling variants and meaning (see ``flag_words``).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterable, Sequence

import torch
import torch.nn.functional as F

# Stand-ins for a real block list: Shakespeare's insults (the corpus has no modern slurs).
BLOCKLIST = ("bastard", "damn", "damned", "devil", "fool", "knave", "rogue", "slave", "villain", "whoreson", "wretch")
_WORD = re.compile(r"[A-Za-z']+")


def words(text: str) -> list[str]:
    """The words of ``text`` as the n-gram measures see them: split on whitespace, nothing else."""
    return text.split()


def ngrams(text: str, n: int) -> list[tuple[str, ...]]:
    """Every run of ``n`` consecutive words of ``text`` (overlapping), in order."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    w = words(text)
    return [tuple(w[i : i + n]) for i in range(len(w) - n + 1)]


def memorization_share(generated: str | Sequence[str], reference: str | set, n: int = 6) -> float:
    """Share of the word ``n``-grams of ``generated`` (a text or a list of texts) that occur verbatim
    in ``reference`` (a text, or a set from ``set(ngrams(text, n))``). NaN if there is none."""
    ref = reference if isinstance(reference, set) else set(ngrams(reference, n))
    texts = [generated] if isinstance(generated, str) else list(generated)
    grams = [g for t in texts for g in ngrams(t, n)]
    if not grams:
        return math.nan
    return sum(g in ref for g in grams) / len(grams)


def plant_canary(text: str, canary: str, times: int, seed: int = 0) -> str:
    """Insert ``canary`` as a line of its own ``times`` times at random line boundaries of ``text``."""
    if "\n" in canary:
        raise ValueError("the canary must be a single line")
    lines = text.split("\n")
    rng = random.Random(seed)
    for _ in range(times):
        lines.insert(rng.randrange(1, len(lines) + 1), canary)
    return "\n".join(lines)


@torch.no_grad()
def sequence_logprob(
    model: torch.nn.Module,
    context_ids: Sequence[int],
    continuation_ids: Sequence[int],
    device: str | torch.device = "cpu",
) -> float:
    """log p(continuation | context) in nats under the model (teacher forcing, one forward pass)."""
    ids = torch.tensor([list(context_ids) + list(continuation_ids)], dtype=torch.long, device=device)
    block = getattr(getattr(model, "config", None), "block_size", ids.size(1))
    ids = ids[:, -(block + 1) :]
    was_training = model.training
    model.eval()
    out = model(ids[:, :-1])
    model.train(was_training)
    logits = out[0] if isinstance(out, tuple) else out
    logp = F.log_softmax(logits.float(), dim=-1)[0, -len(continuation_ids) :]  # (n, V)
    target = ids[0, -len(continuation_ids) :]
    return float(logp.gather(1, target[:, None]).sum())


def exposure(secret_logprob: float, other_logprobs: Sequence[float]) -> float:
    """log2(M) - log2(rank): M candidates (the secret and its alternatives), rank 1 + the number of
    alternatives strictly more likely than the secret (ties count in its favour)."""
    others = [float(o) for o in other_logprobs]
    if not others:
        raise ValueError("exposure needs at least one alternative")
    rank = 1 + sum(o > float(secret_logprob) for o in others)
    return math.log2(len(others) + 1) - math.log2(rank)


def canary_exposure(
    model: torch.nn.Module,
    encode: Callable[[str], list[int]],
    prefix: str,
    secret: str,
    candidates: Sequence[str],
    device: str | torch.device = "cpu",
) -> dict:
    """Rank of ``secret`` among ``candidates`` (alternatives of the same form) by model likelihood
    after ``prefix``; exposure = log2(len(candidates) + 1) - log2(rank). Rank 1 is the most likely."""
    ctx = encode(prefix)
    score = sequence_logprob(model, ctx, encode(secret), device)
    others = [sequence_logprob(model, ctx, encode(c), device) for c in candidates if c != secret]
    rank = 1 + sum(o > score for o in others)
    return {
        "rank": rank,
        "candidates": len(others) + 1,
        "logprob": score,
        "exposure": math.log2(len(others) + 1) - math.log2(rank),
    }


def random_secrets(n: int, digits: int = 5, seed: int = 0) -> list[str]:
    """``n`` distinct random digit strings (the alternatives for ``canary_exposure``)."""
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice("0123456789") for _ in range(digits)))
    return sorted(out)


def flag_words(text: str, blocklist: Iterable[str] = BLOCKLIST) -> list[str]:
    """The block-listed words found in ``text`` as whole words, case-insensitively, in order.

    Its limits are the lesson: "class" is not flagged for containing "ass" (whole words only), but
    "k n a v e", "knav3", a new insult, an insult in quotation ("he called me a knave") and a
    harmful sentence without any listed word are all misjudged; it sees words, not meaning.
    """
    block = {w.lower() for w in blocklist}
    return [w for w in (m.group(0).lower().strip("'") for m in _WORD.finditer(text)) if w in block]


def filter_generations(texts: Sequence[str], blocklist: Iterable[str] = BLOCKLIST) -> tuple[list[str], list[str]]:
    """Split ``texts`` into (kept, blocked) by ``flag_words``."""
    kept, blocked = [], []
    for t in texts:
        (blocked if flag_words(t, blocklist) else kept).append(t)
    return kept, blocked
