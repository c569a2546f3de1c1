"""Short training runs of the week 10 capstone's candidate shapes and settings, to choose them.

Each run trains ``helpers.reference.capstone.ModernGPT`` (or a variant with week 8's pieces) on the
course corpus in sentencepiece BPE tokens (trained here with part 1's lossless options), with
AdamW or Muon + AdamW, warm-up then cosine to a tenth, clipping at 1, and reports the validation
bits per character on the first 100,000 validation characters every ``eval_every`` steps, with the
training seconds (wall and CPU) so far. One JSON line per run is appended to
``benchmarks/capstone_shape.jsonl``; ``benchmarks/capstone_shape.md`` reads them.

    python benchmarks/capstone_shape.py V=2048 L=4 C=160 steps=1000 opt=muon muon_lr=0.02 lr=3e-3 label=muon160
    python benchmarks/capstone_shape.py timing          # ms per step of the candidate shapes

On a shared machine wall-clock seconds mean little: the CPU seconds (``time.process_time``, one
thread) and the step counts are the figures to compare between runs.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers.data import load_corpus, train_val_split  # noqa: E402
from helpers.reference.capstone import ModernConfig, ModernGPT, Muon, split_parameters  # noqa: E402
from helpers.reference.gpt import lr_at  # noqa: E402

CACHE = Path(os.environ.get("CAPSTONE_SHAPE_CACHE", "/tmp/capstone_shape"))
EVAL_CHARS = 100_000
RESULTS = ROOT / "benchmarks" / "capstone_shape.jsonl"


def tokenizer(V: int):
    import sentencepiece as spm

    CACHE.mkdir(parents=True, exist_ok=True)
    prefix = CACHE / f"sp{V}"
    if not Path(f"{prefix}.model").is_file():
        train_text = train_val_split(load_corpus())[0]
        (CACHE / "train.txt").write_text(train_text, encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(CACHE / "train.txt"), model_prefix=str(prefix), vocab_size=V, model_type="bpe",
            character_coverage=1.0, normalization_rule_name="identity", remove_extra_whitespaces=False,
            add_dummy_prefix=False, allow_whitespace_only_pieces=True, user_defined_symbols=["\n"],
            byte_fallback=True, minloglevel=2,
        )  # fmt: skip
    return spm.SentencePieceProcessor(model_file=f"{prefix}.model")


def data(V: int):
    f = CACHE / f"tok{V}.npz"
    train_text, val_text = train_val_split(load_corpus())
    if not f.is_file():
        sp = tokenizer(V)
        np.savez(
            f,
            train=np.array(sp.encode(train_text), dtype=np.uint16),
            val=np.array(sp.encode(val_text[:EVAL_CHARS]), dtype=np.uint16),
        )
    z = np.load(f)
    return (
        torch.from_numpy(z["train"].astype(np.int64)),
        torch.from_numpy(z["val"].astype(np.int64)),
        val_text[:EVAL_CHARS],
    )


def full_val(V: int):
    """The whole validation split in tokens, and the number of characters its tokens after the first spell."""
    f = CACHE / f"valfull{V}.npy"
    val_text = train_val_split(load_corpus())[1]
    sp = tokenizer(V)
    if not f.is_file():
        np.save(f, np.array(sp.encode(val_text), dtype=np.uint16))
    ids = torch.from_numpy(np.load(f).astype(np.int64))
    return ids, len(val_text) - len(sp.decode([int(ids[0])]))


@torch.no_grad()
def bits_per_char_all(model, ids, n_chars, T, bs=32):
    """As the notebook's eval_bits_per_char: consecutive windows of T predictions, every token after the
    first scored once (the last window shorter), total nats over the characters those tokens spell."""
    model.eval()
    n, total = len(ids) - 1, 0.0
    starts = list(range(0, n, T))
    full = [s for s in starts if s + T <= n]
    for i in range(0, len(full), bs):
        idx = torch.tensor(full[i : i + bs])[:, None] + torch.arange(T)
        logits, _ = model(ids[idx])
        total += F.cross_entropy(
            logits.float().reshape(-1, logits.size(-1)), ids[idx + 1].reshape(-1), reduction="sum"
        ).item()
    for s in [s for s in starts if s + T > n]:
        logits, _ = model(ids[s:n][None])
        total += F.cross_entropy(
            logits.float().reshape(-1, logits.size(-1)), ids[s + 1 : n + 1], reduction="sum"
        ).item()
    model.train()
    return total / n_chars / math.log(2)


@torch.no_grad()
def bits_per_char(model, val_ids, n_chars, T, bs=32):
    """Consecutive windows of T predictions; the characters scored are those of the predicted tokens."""
    model.eval()
    n = (len(val_ids) - 1) // T
    X, Y = val_ids[: n * T].view(n, T), val_ids[1 : n * T + 1].view(n, T)
    total = 0.0
    for i in range(0, n, bs):
        logits, _ = model(X[i : i + bs])
        total += F.cross_entropy(
            logits.float().reshape(-1, logits.size(-1)), Y[i : i + bs].reshape(-1), reduction="sum"
        ).item()
    model.train()
    chars = n_chars * (n * T) / (len(val_ids) - 1)
    return total / chars / math.log(2)


def run(V=2048, L=4, C=160, H=4, T=128, B=32, steps=600, opt="muon", lr=3e-3, muon_lr=0.02, warmup=None, wd=0.1,
        eval_every=100, norm="rms", positions="rope", mlp="swiglu", threads=1, label="", momentum=0.95, seed=0,
        whole_val=0):  # fmt: skip
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    tr, va, vtext = data(V)
    cfg = ModernConfig(V, T, L, H, C, norm=norm, positions=positions, mlp=mlp)
    model = ModernGPT(cfg)
    warmup = warmup if warmup is not None else max(1, steps // 20)
    if opt == "adamw":
        dec = [p for n, p in model.named_parameters() if p.dim() >= 2 and "emb" not in n]
        rest = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and "emb" not in n)]
        opts = [torch.optim.AdamW([{"params": dec, "weight_decay": wd}, {"params": rest, "weight_decay": 0.0}],
                                  lr=lr, betas=(0.9, 0.99))]  # fmt: skip
    else:
        matrices, rest = split_parameters(model)
        opts = [
            Muon(matrices, lr=muon_lr, momentum=momentum),
            torch.optim.AdamW(rest, lr=lr, betas=(0.9, 0.99), weight_decay=0.0),
        ]
    for o in opts:
        for g in o.param_groups:
            g["base_lr"] = g["lr"]
    gen = torch.Generator().manual_seed(1)
    hist, wall, c0 = [], 0.0, time.process_time()
    for s in range(steps):
        t0 = time.perf_counter()
        f = lr_at(s, 1.0, 0.1, warmup, steps)
        for o in opts:
            for g in o.param_groups:
                g["lr"] = g["base_lr"] * f
        ix = torch.randint(len(tr) - T - 1, (B,), generator=gen).tolist()
        x = torch.stack([tr[i : i + T] for i in ix])
        y = torch.stack([tr[i + 1 : i + T + 1] for i in ix])
        _, loss = model(x, y)
        for o in opts:
            o.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        for o in opts:
            o.step()
        wall += time.perf_counter() - t0
        if (s + 1) % eval_every == 0 or s + 1 == steps:
            hist.append(
                (
                    s + 1,
                    round(wall, 1),
                    round(time.process_time() - c0, 1),
                    round(bits_per_char(model, va, len(vtext), T), 4),
                )
            )
            print(label, hist[-1], flush=True)
    extra = {}
    if whole_val:  # the notebook's final figure: the whole validation split (week 8's model: 2.2415 there)
        ids, n_chars = full_val(V)
        extra["final_bpc_whole_val"] = round(bits_per_char_all(model, ids, n_chars, T), 4)
        print(label, "whole validation split:", extra["final_bpc_whole_val"], flush=True)
    res = dict(label=label, V=V, L=L, C=C, H=H, T=T, B=B, opt=opt, lr=lr, muon_lr=muon_lr, steps=steps, norm=norm,
               positions=positions, mlp=mlp, params=sum(p.numel() for p in model.parameters()), final_bpc=hist[-1][3],
               hist=hist, load=os.getloadavg()[0], date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), **extra)  # fmt: skip
    with RESULTS.open("a") as f:
        f.write(json.dumps(res) + "\n")
    return res


def timing(threads=1, steps=6):
    """CPU milliseconds per training step (AdamW and Muon) of the candidate shapes, batch 32 x 128."""
    torch.set_num_threads(threads)
    for V, L, C in [
        (2048, 4, 128),
        (2048, 4, 160),
        (2048, 4, 192),
        (2048, 6, 192),
        (2048, 6, 256),
        (1024, 4, 160),
        (4096, 4, 160),
    ]:
        cfg = ModernConfig(V, 128, L, 4, C)
        row = {}
        for opt in ("adamw", "muon"):
            torch.manual_seed(0)
            m = ModernGPT(cfg)
            if opt == "adamw":
                opts = [torch.optim.AdamW(m.parameters(), lr=1e-3)]
            else:
                a, b = split_parameters(m)
                opts = [Muon(a), torch.optim.AdamW(b, lr=1e-3)]
            x = torch.randint(V, (32, 128))

            def step(m=m, x=x, opts=opts):
                loss = m(x, x)[1]
                for o in opts:
                    o.zero_grad()
                loss.backward()
                for o in opts:
                    o.step()

            step()
            c = time.process_time()
            for _ in range(steps):
                step()
            row[opt] = (time.process_time() - c) / steps * 1000
        n = sum(p.numel() for p in m.parameters())
        print(f"V={V} L={L} C={C}: {n:,} parameters; CPU ms/step AdamW {row['adamw']:.0f}, Muon {row['muon']:.0f} "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:2] == ["timing"]:
        timing()
        sys.exit()
    kw = {}
    for a in sys.argv[1:]:
        k, v = a.split("=")
        for conv in (int, float):
            try:
                v = conv(v)
                break
            except ValueError:
                pass
        kw[k] = v
    run(**kw)
