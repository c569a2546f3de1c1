"""Command-line inference: load a saved BabyGPT checkpoint and print a completion.

    python -m helpers.cli.generate --checkpoint runs/week09/babygpt.pt --prompt "ROMEO:" \\
        --max-new-tokens 300 --temperature 0.8 --top-k 40 --top-p 0.95 --seed 0

The checkpoint is one written by ``helpers.reference.checkpoint.save_checkpoint`` with a vocabulary
(week 9 saves one). ``--temperature 0`` is greedy decoding. ``--int8`` first replaces every Linear
layer by one with int8 weights (``helpers.reference.quantize``: about 3.4x less memory for week 8's BabyGPT,
not faster on a CPU). The prompt followed by the completion goes to stdout; ``--stats`` adds
timing, the weights' precision and the model's size to stderr.
"""

from __future__ import annotations

import argparse
import sys
import time


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m helpers.cli.generate",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--checkpoint", required=True, help="path of a checkpoint saved by helpers.reference.checkpoint")
    p.add_argument(
        "--prompt", default="\n", help="text to continue (every character must be in the model's vocabulary)"
    )
    p.add_argument("--max-new-tokens", type=int, default=200, help="how many tokens to generate")
    p.add_argument("--temperature", type=float, default=0.8, help="softmax temperature; 0 = greedy")
    p.add_argument("--top-k", type=int, default=None, help="sample only among the k most likely tokens")
    p.add_argument("--top-p", type=float, default=None, help="nucleus sampling: smallest set with probability >= p")
    p.add_argument("--seed", type=int, default=0, help="random seed (the same seed gives the same text)")
    p.add_argument("--no-kv-cache", action="store_true", help="recompute the whole context at every step")
    p.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
    p.add_argument(
        "--int8", action="store_true", help="int8 weights in every Linear layer (per output channel; less memory)"
    )
    p.add_argument("--stats", action="store_true", help="print tokens/s, the weights' precision and size to stderr")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    def fail(message: str) -> int:
        print(f"error: {message}", file=sys.stderr)
        return 2

    if args.max_new_tokens < 0:
        return fail("--max-new-tokens must be >= 0")
    if args.temperature < 0:
        return fail("--temperature must be >= 0")
    if args.top_k is not None and args.top_k < 1:
        return fail("--top-k must be a positive integer")
    if args.top_p is not None and not 0 < args.top_p <= 1:
        return fail("--top-p must be in (0, 1]")
    if not args.prompt:
        return fail("--prompt must not be empty")

    import torch

    try:
        from helpers.reference.checkpoint import load_model
        from helpers.reference.quantize import model_bytes, quantize_model
        from helpers.reference.sampling import generate
        from helpers.reference.text import decode, encode
    except ImportError as e:  # a course kit of week 9 or earlier: its own week's answers are not installed
        return fail(
            f"this tool samples with the course's reference answers, and {e.name or e} is not installed; "
            "a course kit holds them from week 10 on (or run it in a clone of the course)"
        )

    try:
        model, ckpt = load_model(args.checkpoint, device=args.device)
    except (FileNotFoundError, ValueError) as e:
        return fail(str(e))
    if args.int8:
        model = quantize_model(model)
    itos = ckpt.get("vocab")
    if not itos:
        return fail(f"{args.checkpoint} holds no vocabulary; save it with save_checkpoint(..., vocab=itos)")
    stoi = {ch: i for i, ch in enumerate(itos)}
    try:
        ids = encode(args.prompt, stoi)
    except KeyError as e:
        return fail(str(e.args[0]))
    torch.manual_seed(args.seed)
    g = torch.Generator(device=args.device).manual_seed(args.seed)
    idx = torch.tensor([ids], dtype=torch.long, device=args.device)
    start = time.perf_counter()
    out = generate(
        model,
        idx,
        args.max_new_tokens,
        temperature=args.temperature,
        top_k=args.top_k,
        top_p=args.top_p,
        use_kv_cache=not args.no_kv_cache,
        generator=g,
    )
    seconds = time.perf_counter() - start
    print(decode(out[0].tolist(), itos))
    if args.stats:
        rate = args.max_new_tokens / seconds if seconds > 0 else float("inf")
        print(
            f"[{args.max_new_tokens} tokens in {seconds:.2f} s, {rate:.0f} tokens/s, "
            f"kv cache {'off' if args.no_kv_cache else 'on'}, "
            f"weights {'int8' if args.int8 else 'float32'}, {model_bytes(model) / 1e6:.3f} MB of parameters]",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
