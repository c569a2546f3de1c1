"""Given code of week 10 (no graded answer lives here): the stand-in base model, instruction-task
data, exact-match evaluation, bits per character, LoRA plumbing and canary scoring that part 2
(``finetuning_and_safety.ipynb``) uses, on whatever tokens its model reads.

Part 2 fine-tunes the learner's capstone model (BPE tokens, loaded with
``helpers.model_io.load_capstone``); without one it uses a stand-in, week 8's GPT on characters
(``load_or_train_base``). Every function here works through a tokenizer's ``encode`` / ``decode``,
so the same code serves both.

Everything a learner writes that week (the tokenizers, the token pipeline, ``LoRALinear``, the
prompt mask, the replay loss, the exposure, the n-gram and word-list measures) is *passed in*
to these functions, never defined here: ``exact_match_accuracy(..., make_pair=instruction_example)``,
``apply_lora(model, lora_class=LoRALinear)``. The reference answers are in ``helpers.reference``.

    cap = load_capstone(stand_in=...)                 # the capstone model, or a stand-in
    examples = make_examples(select_lines(text), 300, seed=0)
    acc = exact_match_accuracy(model, examples, tok.encode, make_pair=instruction_example)
    bpc = text_bits_per_char(model, tok.encode(val_text), len(val_text))
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

IGNORE_INDEX = -100
TASKS = ("upper", "first", "last")
ALL_TASKS = ("upper", "first", "second", "last", "repeat", "reverse")
END = "\n"

# ------------------------------------------------------------------ the base model (weeks 8-10)

BASE_CONFIG = dict(block_size=128, n_layer=4, n_head=4, n_embd=128, dropout=0.0)
BASE_TRAINING = dict(steps=3000, batch_size=16, lr=3e-3, warmup=100)
BASE_CHECKPOINT = "base_char_gpt.pt"


def candidate_checkpoints() -> list[Path]:
    """Where a base model may already be: week 10's own (part 1 writes it), then weeks 9 and 8."""
    from helpers.runtime import output_dir

    found = [output_dir("week10") / BASE_CHECKPOINT]
    for week in ("week09", "week08"):
        d = output_dir(week)
        found += sorted(d.glob("*.pt"), key=lambda p: p.stat().st_mtime, reverse=True)
    return [p for p in found if p.is_file()]


def pretrain_char_gpt(
    data,
    steps: int,
    batch_size: int,
    lr: float = 3e-3,
    warmup: int = 100,
    config: dict | None = None,
    device: str = "cpu",
    desc: str = "base model",
    eval_every: int = 250,
    eval_batches: int = 20,
):
    """Train week 8's GPT on ``data.train`` (a ``CharData``) with AdamW, warm-up then cosine decay
    to lr / 10, gradient clipping at 1 (week 8's recipe). Returns ``(model, history)``."""
    from helpers.reference.gpt import GPT, GPTConfig
    from helpers.training import estimate_loss, lm_step, train

    cfg = GPTConfig(vocab_size=data.vocab_size, **(config or BASE_CONFIG))
    torch.manual_seed(0)
    model = GPT(cfg).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.99))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * (0.1 + 0.45 * (1 + math.cos(math.pi * min(1.0, s / steps))))
    )
    step = lm_step(
        model,
        opt,
        data.train,
        cfg.block_size,
        batch_size,
        torch.Generator().manual_seed(0),
        device,
        grad_clip=1.0,
        scheduler=sched,
    )
    evaluate = lambda: estimate_loss(model, data.val, cfg.block_size, 32, eval_batches, device=device)  # noqa: E731
    hist = train(step, steps, evaluate=evaluate, eval_every=eval_every, desc=desc)
    return model, hist


def val_loss_of(model, data, batches: int = 20, device: str = "cpu") -> float:
    from helpers.training import estimate_loss

    return estimate_loss(model, data.val, model.config.block_size, 32, batches, device=device)


def load_or_train_base(
    data,
    steps: int,
    batch_size: int,
    bar: float = 1.6,
    device: str = "cpu",
    eval_batches: int = 20,
    save: bool = True,
    fast_tag: str = "",
    config: dict | None = None,
) -> tuple[nn.Module, dict]:
    """The base model for fine-tuning: the first checkpoint of ``candidate_checkpoints()`` whose
    vocabulary is ``data.itos`` and whose validation loss on ``data.val`` is at most ``bar``
    nats/char; otherwise train one (``pretrain_char_gpt``) and save it under ``runs/week10``.
    Returns ``(model, info)`` with ``info["source"]``, ``info["val_loss"]``, ``info["seconds"]``."""
    from helpers.reference.checkpoint import load_model, save_checkpoint
    from helpers.runtime import output_dir

    start = time.perf_counter()
    own = output_dir("week10") / (BASE_CHECKPOINT if not fast_tag else f"base_char_gpt_{fast_tag}.pt")
    paths = [own] + [p for p in candidate_checkpoints() if p != output_dir("week10") / BASE_CHECKPOINT or not fast_tag]
    seen = set()
    for path in paths:
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        try:
            model, ckpt = load_model(path, device=device)
        except Exception:  # not a course checkpoint, or another format: skip it
            continue
        if list(ckpt.get("vocab") or []) != list(data.itos):
            continue
        loss = val_loss_of(model, data, eval_batches, device)
        if loss <= bar:
            model.train()
            return model, {
                "source": str(path),
                "val_loss": loss,
                "seconds": time.perf_counter() - start,
                "trained": False,
            }
    model, hist = pretrain_char_gpt(
        data, steps, batch_size, device=device, eval_batches=eval_batches, eval_every=max(1, steps // 6), config=config
    )
    loss = val_loss_of(model, data, eval_batches, device)
    if save:
        save_checkpoint(own, model, vocab=data.itos, step=steps, metrics={"val_loss": loss})
    return model, {
        "source": f"trained here ({steps} steps), saved to {own}",
        "val_loss": loss,
        "seconds": time.perf_counter() - start,
        "trained": True,
        "history": hist,
    }


def choose_num_threads(max_threads: int | None = None, repeats: int = 3) -> int:
    """Time a few training steps of a small GPT with 1 thread and with all cores (alternating, the
    median of ``repeats``), keep the faster setting with ``torch.set_num_threads`` and return it.
    On a quiet machine both cores usually win; on a busy one, threads that wait on each other can make
    two threads many times slower than one, so measure rather than assume.

    When ``OMP_NUM_THREADS`` is set (a grader or a test runner chose the threads for every
    process on the machine), that choice is kept and nothing is measured."""
    import os
    import statistics

    from helpers.reference.gpt import GPT, GPTConfig

    chosen = os.environ.get("OMP_NUM_THREADS", "").strip()
    if max_threads is None and chosen.isdigit() and int(chosen) >= 1:
        torch.set_num_threads(int(chosen))
        return int(chosen)
    n_max = max_threads or os.cpu_count() or 1
    if n_max <= 1:
        torch.set_num_threads(1)
        return 1
    torch.manual_seed(0)
    m = GPT(GPTConfig(vocab_size=84, block_size=64, n_layer=2, n_head=4, n_embd=64))
    opt = torch.optim.AdamW(m.parameters(), lr=1e-4)
    x = torch.randint(84, (8, 64))

    def one() -> float:
        start = time.perf_counter()
        for _ in range(3):
            _, loss = m(x, x)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        return time.perf_counter() - start

    times: dict[int, list[float]] = {1: [], n_max: []}
    for _ in range(repeats):
        for n in times:
            torch.set_num_threads(n)
            one()
            times[n].append(one())
    best = min(times, key=lambda n: statistics.median(times[n]))
    torch.set_num_threads(best)
    return best


# ------------------------------------------------------------------ instruction tasks


def task_answer(task: str, line: str) -> str:
    """The exact expected answer of ``task`` on ``line`` (without the final newline)."""
    words = line.split()
    if task == "upper":
        return line.upper()
    if task == "first":
        return words[0] if words else ""
    if task == "last":
        return words[-1] if words else ""
    if task == "second":
        return words[1] if len(words) > 1 else ""
    if task == "repeat":
        return " ".join(words)
    if task == "reverse":
        return " ".join(reversed(words))
    raise ValueError(f"unknown task {task!r}; choose one of {ALL_TASKS}")


def format_prompt(task: str, line: str) -> str:
    """``"task: line\nanswer:"``. The space before the answer belongs to the answer (``make_example``):
    a BPE tokenizer joins a space to the word after it (``" light"`` is one piece), so a prompt that
    ended in a space would leave a lone space token the model never saw before a word in pretraining."""
    task_answer(task, "")  # validates the task name
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
    """Distinct lines of ``text`` (whitespace collapsed) with ``min_chars..max_chars`` characters and
    at least ``min_words`` words, in order of first appearance (headings and speaker names skipped)."""
    seen, out = set(), []
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if not (min_chars <= len(line) <= max_chars) or len(line.split()) < min_words:
            continue
        if line.upper() == line or line in seen:
            continue
        seen.add(line)
        out.append(line)
    return out


def make_examples(lines: Sequence[str], n: int, seed: int = 0, tasks: Sequence[str] = TASKS) -> list[Example]:
    """``n`` examples: random lines (without replacement while they last), the tasks in turn."""
    if not lines:
        raise ValueError("make_examples needs at least one line")
    rng = random.Random(seed)
    order = list(range(len(lines)))
    rng.shuffle(order)
    return [make_example(tasks[i % len(tasks)], lines[order[i % len(order)]]) for i in range(n)]


def collate(
    pairs: Sequence[tuple[torch.Tensor, torch.Tensor]], pad_id: int = 0, device: str | torch.device = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad a list of ``(x, y)`` to a batch: ``x`` with ``pad_id``, ``y`` with -100."""
    T = max(len(x) for x, _ in pairs)
    X = torch.full((len(pairs), T), pad_id, dtype=torch.long)
    Y = torch.full((len(pairs), T), IGNORE_INDEX, dtype=torch.long)
    for i, (x, y) in enumerate(pairs):
        X[i, : len(x)], Y[i, : len(y)] = torch.as_tensor(x), torch.as_tensor(y)
    return X.to(device), Y.to(device)


def encode_examples(
    examples: Sequence[Example],
    encode: Callable[[str], list[int]],
    make_pair: Callable,
    prefix: str | Callable[[Example], str] = "",
    block_size: int | None = None,
) -> list:
    """``make_pair(prompt_ids, answer_ids)`` for each example; ``prefix`` (a string, or a function of the
    example: few-shot demonstrations) joins the prompt; with ``block_size`` the prompt's start is cut
    so that prompt + answer fit the context."""
    pairs = []
    for ex in examples:
        pre = prefix(ex) if callable(prefix) else prefix
        p, a = encode(pre + ex.prompt), encode(ex.answer)
        if block_size is not None and len(p) + len(a) > block_size + 1:
            if len(a) > block_size:
                raise ValueError(f"an answer of {len(a)} tokens does not fit block_size={block_size}")
            p = p[len(p) + len(a) - block_size - 1 :]
        pairs.append(make_pair(p, a))
    return pairs


@torch.no_grad()
def exact_match(
    model: nn.Module, pairs: Sequence, batch_size: int = 64, device: str | torch.device = "cpu"
) -> list[bool]:
    """For each ``(x, y)``: does greedy decoding from the prompt write exactly the answer? (True when
    the argmax is the label at every unmasked position: one teacher-forced pass decides it.)"""
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
    model: nn.Module,
    examples: Sequence[Example],
    encode: Callable[[str], list[int]],
    make_pair: Callable,
    prefix: str | Callable[[Example], str] = "",
    block_size: int | None = None,
    batch_size: int = 64,
    device: str | torch.device = "cpu",
) -> dict[str, float]:
    """Share of examples answered exactly under greedy decoding: ``{"all": acc, task: acc, ...}``."""
    hits = exact_match(model, encode_examples(examples, encode, make_pair, prefix, block_size), batch_size, device)
    acc = {"all": sum(hits) / len(hits)}
    for task in sorted({ex.task for ex in examples}):
        h = [hit for hit, ex in zip(hits, examples) if ex.task == task]
        acc[task] = sum(h) / len(h)
    return acc


def few_shot_prefix(demos: Sequence[Example], k: int = 2) -> Callable[[Example], str]:
    """A ``prefix``: ``k`` solved demonstrations of the same task (never the evaluated line itself)."""
    by_task: dict[str, list[Example]] = {}
    for d in demos:
        by_task.setdefault(d.task, []).append(d)

    def prefix(ex: Example) -> str:
        shots = [d for d in by_task.get(ex.task, []) if d.line != ex.line][:k]
        return "".join(d.text for d in shots)

    return prefix


@torch.no_grad()
def greedy_complete(
    model: nn.Module,
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


# ------------------------------------------------------------------ LoRA plumbing


def attention_projections(name: str, module: nn.Module) -> bool:
    """Default target of ``apply_lora``: every ``nn.Linear`` inside an attention module."""
    return isinstance(module, nn.Linear) and any("attn" in part for part in name.split("."))


def apply_lora(
    model: nn.Module,
    lora_class: type,
    r: int = 8,
    alpha: float = 16.0,
    target: Callable[[str, nn.Module], bool] = attention_projections,
) -> list[str]:
    """Freeze every parameter of ``model``, then replace the ``nn.Linear`` layers chosen by ``target``
    with ``lora_class(layer, r, alpha)`` in place (your ``LoRALinear``). Returns the names replaced."""
    for p in model.parameters():
        p.requires_grad_(False)
    chosen = [name for name, m in model.named_modules() if name and isinstance(m, nn.Linear) and target(name, m)]
    if not chosen:
        raise ValueError("apply_lora found no nn.Linear layer to adapt: check the target function")
    for name in chosen:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, lora_class(getattr(parent, child), r, alpha))
    return chosen


def merge_lora(model: nn.Module) -> int:
    """Replace every LoRA layer (a module with ``merge`` and ``lora_A``) by its merged ``nn.Linear``."""
    names = [name for name, m in model.named_modules() if hasattr(m, "merge") and hasattr(m, "lora_A")]
    for name in names:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, getattr(parent, child).merge())
    return len(names)


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (only those with ``requires_grad`` when ``trainable_only``)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


# ------------------------------------------------------------------ canaries and the block list

# Stand-ins for a real block list: Shakespeare's insults (the corpus has no modern slurs).
BLOCKLIST = ("bastard", "damn", "damned", "devil", "fool", "knave", "rogue", "slave", "villain", "whoreson", "wretch")


def plant_canary(text: str, canary: str, times: int, seed: int = 0) -> str:
    """Insert ``canary`` as a line of its own ``times`` times at random line boundaries of ``text``."""
    if "\n" in canary:
        raise ValueError("the canary must be a single line")
    lines = text.split("\n")
    rng = random.Random(seed)
    for _ in range(times):
        lines.insert(rng.randrange(1, len(lines) + 1), canary)
    return "\n".join(lines)


def random_secrets(n: int, digits: int = 5, seed: int = 0, exclude: Sequence[str] = ()) -> list[str]:
    """``n`` distinct random digit strings, none of them in ``exclude``."""
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        s = "".join(rng.choice("0123456789") for _ in range(digits))
        if s not in exclude:
            out.add(s)
    return sorted(out)


@torch.no_grad()
def sequence_logprobs(
    model: nn.Module,
    context_ids: Sequence[int],
    continuations: Sequence[Sequence[int]],
    device: str | torch.device = "cpu",
    batch_size: int = 256,
) -> list[float]:
    """log p(continuation | context) in nats for each continuation, in order (teacher forcing: one
    forward pass per batch of continuations of the same length; a BPE tokenizer may give candidates
    of one form different lengths). The context's start is cut to the model's ``block_size``."""
    was_training = model.training
    model.eval()
    block = model.config.block_size
    out: list[float | None] = [None] * len(continuations)
    by_length: dict[int, list[int]] = {}
    for i, c in enumerate(continuations):
        if len(c) == 0:
            raise ValueError(f"continuation {i} is empty")
        if len(c) > block:
            raise ValueError(f"continuation {i} has {len(c)} tokens, more than block_size={block}")
        by_length.setdefault(len(c), []).append(i)
    for n, order in by_length.items():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            ids = torch.tensor(
                [list(context_ids) + list(continuations[i]) for i in chunk], dtype=torch.long, device=device
            )
            ids = ids[:, -(block + 1) :]
            out_ = model(ids[:, :-1])
            logits = out_[0] if isinstance(out_, tuple) else out_
            logp = F.log_softmax(logits.float(), dim=-1)[:, -n:]  # (B, n, V)
            target = ids[:, -n:]
            for i, v in zip(chunk, logp.gather(2, target[..., None]).squeeze(-1).sum(1).tolist()):
                out[i] = v
    model.train(was_training)
    return [float(v) for v in out]


# ------------------------------------------------------------------ bits per character


@torch.no_grad()
def text_bits_per_char(
    model: nn.Module,
    ids: Sequence[int] | torch.Tensor,
    n_chars: int,
    batch_size: int = 32,
    device: str | torch.device = "cpu",
) -> float:
    """Bits per character of ``model`` on a text: ``ids`` are its tokens (any tokenizer) and
    ``n_chars`` the characters they spell after the first token (the first token is never
    predicted). Every token after the first is scored once, in consecutive windows of the model's
    ``block_size`` (each window starts without context, as in training).

    Total information = the summed negative log-likelihood in nats; divided by ln 2 for bits and by
    the characters, it compares models whatever their tokens: a character model and a BPE model
    score the same text on the same scale."""
    ids = torch.as_tensor(ids, dtype=torch.long).flatten()
    if len(ids) < 2 or n_chars <= 0:
        raise ValueError("text_bits_per_char needs at least two tokens and a positive number of characters")
    was_training = model.training
    model.eval()
    T, n = model.config.block_size, len(ids) - 1
    starts = list(range(0, n, T))
    total = 0.0
    full = [s for s in starts if s + T <= n]
    for i in range(0, len(full), batch_size):
        idx = torch.tensor(full[i : i + batch_size])[:, None] + torch.arange(T)  # (b, T)
        out = model(ids[idx].to(device))
        logits = out[0] if isinstance(out, tuple) else out
        total += F.cross_entropy(
            logits.float().reshape(-1, logits.size(-1)), ids[idx + 1].to(device).reshape(-1), reduction="sum"
        ).item()
    for s in (s for s in starts if s + T > n):  # the last, shorter window
        out = model(ids[s:n][None].to(device))
        logits = out[0] if isinstance(out, tuple) else out
        total += F.cross_entropy(
            logits.float().reshape(-1, logits.size(-1)), ids[s + 1 : n + 1].to(device), reduction="sum"
        ).item()
    model.train(was_training)
    return total / (n_chars * math.log(2))


def chars_after_first_token(decode: Callable[[Sequence[int]], str], ids: Sequence[int], text: str) -> int:
    """The characters ``ids`` (the tokens of ``text``) spell after their first token: what
    ``text_bits_per_char`` divides by."""
    return len(text) - len(decode([int(ids[0])]))
