"""Instruction tuning with tasks whose answers can be checked exactly (week 10).

Each example is made by code from a line of the corpus, so success is measurable:

    upper:   "upper: To be, or not to be\nanswer:"   ->  " TO BE, OR NOT TO BE\n"
    first:   "first: To be, or not to be\nanswer:"   ->  " To\n"
    reverse: "reverse: To be, or not to be\nanswer:" ->  " be to not or be, To\n"

(The space before the answer belongs to the answer, as in ``helpers.finetuning``: a BPE tokenizer
joins a space to the word after it.)

(Only characters of the corpus are used, so a character-level model can read every prompt.)

The model is trained on ``prompt + answer`` with the loss **masked on the prompt** (label -100,
which ``F.cross_entropy`` ignores), so it learns to answer, not to predict instructions.

Exact-match accuracy under greedy decoding needs no generation loop: greedy decoding produces
the answer (and the final newline) exactly when, fed the right prefix, the model's argmax is the
right next token at every answer position. So one teacher-forced forward pass per batch decides
it (``exact_match_accuracy``), and ``greedy_complete`` shows what the model actually writes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

IGNORE_INDEX = -100
TASKS = ("upper", "first", "reverse")
END = "\n"


def task_answer(task: str, line: str) -> str:
    """The exact expected answer of ``task`` on ``line`` (without the final newline)."""
    words = line.split()
    if task == "upper":
        return line.upper()
    if task == "first":
        return words[0] if words else ""
    if task == "reverse":
        return " ".join(reversed(words))
    raise ValueError(f"unknown task {task!r}; choose one of {TASKS}")


def format_prompt(task: str, line: str) -> str:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {TASKS}")
    return f"{task}: {line}\nanswer:"


@dataclass(frozen=True)
class Example:
    task: str
    line: str
    prompt: str
    answer: str  # a space, the answer, and the final newline that ends it

    @property
    def text(self) -> str:
        return self.prompt + self.answer


def make_example(task: str, line: str) -> Example:
    return Example(task, line, format_prompt(task, line), " " + task_answer(task, line) + END)


def select_lines(text: str, min_chars: int = 12, max_chars: int = 32, min_words: int = 2) -> list[str]:
    """Distinct stripped lines of ``text`` with ``min_chars..max_chars`` characters and at least
    ``min_words`` words, in order of first appearance (no speaker names in capitals)."""
    seen, out = set(), []
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if not (min_chars <= len(line) <= max_chars) or len(line.split()) < min_words:
            continue
        if line.upper() == line or line in seen:  # headings, speaker names, repeats
            continue
        seen.add(line)
        out.append(line)
    return out


def make_examples(lines: Sequence[str], n: int, seed: int = 0, tasks: Sequence[str] = TASKS) -> list[Example]:
    """``n`` examples: random lines (without replacement while they last), tasks in turn."""
    if not lines:
        raise ValueError("make_examples needs at least one line")
    rng = random.Random(seed)
    order = list(range(len(lines)))
    rng.shuffle(order)
    return [make_example(tasks[i % len(tasks)], lines[order[i % len(order)]]) for i in range(n)]


def mask_prompt(prompt_ids: Sequence[int], answer_ids: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and labels of one example: ``x = (prompt + answer)[:-1]`` and ``y = (prompt + answer)[1:]``
    with the labels that predict prompt tokens set to -100 (only the answer is learnt)."""
    if len(prompt_ids) == 0 or len(answer_ids) == 0:
        raise ValueError("the prompt and the answer must each have at least one token")
    ids = torch.tensor(list(prompt_ids) + list(answer_ids), dtype=torch.long)
    x, y = ids[:-1], ids[1:].clone()
    y[: len(prompt_ids) - 1] = IGNORE_INDEX
    return x, y


def collate(
    pairs: Sequence[tuple[torch.Tensor, torch.Tensor]], pad_id: int = 0, device: str | torch.device = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad a list of ``(x, y)`` to a batch: ``x`` with ``pad_id``, ``y`` with -100."""
    T = max(len(x) for x, _ in pairs)
    X = torch.full((len(pairs), T), pad_id, dtype=torch.long)
    Y = torch.full((len(pairs), T), IGNORE_INDEX, dtype=torch.long)
    for i, (x, y) in enumerate(pairs):
        X[i, : len(x)], Y[i, : len(y)] = x, y
    return X.to(device), Y.to(device)


def masked_lm_loss(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross entropy over the labels that are not -100."""
    out = model(x)
    logits = out[0] if isinstance(out, tuple) else out
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), ignore_index=IGNORE_INDEX)


def encode_examples(
    examples: Sequence[Example], encode: Callable[[str], list[int]], prefix: str = "", block_size: int | None = None
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``mask_prompt`` for each example (``prefix``, e.g. few-shot demonstrations, joins the prompt);
    with ``block_size``, only the last ``block_size + 1`` tokens are kept (the prompt's start is cut)."""
    pairs = []
    for ex in examples:
        p, a = encode(prefix + ex.prompt), encode(ex.answer)
        if block_size is not None and len(p) + len(a) > block_size + 1:
            if len(a) > block_size:
                raise ValueError(f"an answer of {len(a)} tokens does not fit block_size={block_size}")
            p = p[len(p) + len(a) - block_size - 1 :]
        pairs.append(mask_prompt(p, a))
    return pairs


@torch.no_grad()
def exact_match(
    model: torch.nn.Module,
    pairs: Sequence[tuple[torch.Tensor, torch.Tensor]],
    batch_size: int = 64,
    device: str | torch.device = "cpu",
) -> list[bool]:
    """For each ``(x, y)``: does greedy decoding from the prompt write exactly the answer?
    (True when the argmax is the label at every unmasked position.)"""
    was_training = model.training
    model.eval()
    results: list[bool] = []
    for start in range(0, len(pairs), batch_size):
        X, Y = collate(pairs[start : start + batch_size], device=device)
        out = model(X)
        logits = out[0] if isinstance(out, tuple) else out
        ok = (logits.argmax(-1) == Y) | (Y == IGNORE_INDEX)  # (B, T)
        results.extend(ok.all(dim=1).tolist())
    model.train(was_training)
    return results


def exact_match_accuracy(
    model: torch.nn.Module,
    examples: Sequence[Example],
    encode: Callable[[str], list[int]],
    prefix: str | Callable[[Example], str] = "",
    block_size: int | None = None,
    batch_size: int = 64,
    device: str | torch.device = "cpu",
) -> dict[str, float]:
    """Share of examples answered exactly under greedy decoding: ``{"all": acc, task: acc, ...}``.
    ``prefix`` is prepended to every prompt (a string, or a function of the example: few-shot)."""
    pairs = []
    for ex in examples:
        pre = prefix(ex) if callable(prefix) else prefix
        pairs.extend(encode_examples([ex], encode, pre, block_size))
    hits = exact_match(model, pairs, batch_size, device)
    acc = {"all": sum(hits) / len(hits)}
    for task in sorted({ex.task for ex in examples}):
        h = [hit for hit, ex in zip(hits, examples) if ex.task == task]
        acc[task] = sum(h) / len(h)
    return acc


def few_shot_prefix(demos: Sequence[Example], k: int = 2) -> Callable[[Example], str]:
    """A ``prefix`` for ``exact_match_accuracy``: ``k`` solved demonstrations of the same task."""
    by_task: dict[str, list[Example]] = {}
    for d in demos:
        by_task.setdefault(d.task, []).append(d)

    def prefix(ex: Example) -> str:
        shots = [d for d in by_task.get(ex.task, []) if d.line != ex.line][:k]
        return "".join(d.text for d in shots)

    return prefix


@torch.no_grad()
def greedy_complete(
    model: torch.nn.Module,
    prompt_ids: Sequence[int],
    max_new_tokens: int,
    block_size: int,
    stop_id: int | None = None,
    device: str | torch.device = "cpu",
) -> list[int]:
    """Greedy continuation of ``prompt_ids`` (the new tokens only), stopping after ``stop_id``."""
    was_training = model.training
    model.eval()
    idx = torch.tensor([list(prompt_ids)], dtype=torch.long, device=device)
    new: list[int] = []
    for _ in range(max_new_tokens):
        out = model(idx[:, -block_size:])
        logits = out[0] if isinstance(out, tuple) else out
        nxt = int(logits[0, -1].argmax())
        new.append(nxt)
        idx = torch.cat([idx, torch.tensor([[nxt]], device=device)], dim=1)
        if stop_id is not None and nxt == stop_id:
            break
    model.train(was_training)
    return new


def instruction_example(prompt_ids: Sequence[int], answer_ids: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Week 10's exercise name for ``mask_prompt``."""
    return mask_prompt(prompt_ids, answer_ids)


def replay_loss(
    model: torch.nn.Module,
    inst_x: torch.Tensor,
    inst_y: torch.Tensor,
    lm_x: torch.Tensor | None,
    lm_y: torch.Tensor | None,
    replay_weight: float = 1.0,
) -> torch.Tensor:
    """Instruction loss (mean over the labels that are not -100) + ``replay_weight`` * the language-model
    loss of replay windows of pretraining text (mean over all their labels); the instruction loss alone
    when ``lm_x`` is None. The two means are taken separately, so a long replay window does not drown
    the few answer labels."""
    if not bool((inst_y != IGNORE_INDEX).any()):
        raise ValueError("the instruction batch has no answer label (every label is -100)")
    loss = masked_lm_loss(model, inst_x, inst_y)
    if lm_x is not None:
        out = model(lm_x)
        logits = out[0] if isinstance(out, tuple) else out
        loss = loss + replay_weight * F.cross_entropy(logits.reshape(-1, logits.size(-1)), lm_y.reshape(-1))
    return loss
