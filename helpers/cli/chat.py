"""Command-line chat with a model saved by week 11 (a conversation, one reply per line you type).

    python -m helpers.cli.chat --checkpoint runs/week11/chat_model.pt
    python -m helpers.cli.chat --checkpoint runs/week11/chat_model.pt --message "last word: Now is the winter"

The checkpoint is one written by ``helpers.model_io.save_model_with_code`` with a tokenizer that has
the chat tokens (week 11 saves one). Without ``--message`` it reads your messages from standard
input, one per line, and prints each reply; the conversation is kept, and its oldest turns are
dropped when it no longer fits the model's context. ``/reset`` starts a new conversation, ``/quit``
(or an empty line, or the end of the input) ends it. ``--message`` (repeatable) sends those
messages in turn and prints each reply. ``--temperature 0`` (the default) is greedy decoding.
"""

from __future__ import annotations

import argparse
import sys

PROMPT = "you> "


class _Parser(argparse.ArgumentParser):
    """argparse, with a bad flag reported on one line (status 2) instead of the usage text."""

    def error(self, message: str):  # noqa: D401 - argparse's hook
        print(f"error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m helpers.cli.chat",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--checkpoint", required=True, help="a model saved by week 11 (save_model_with_code, chat tokens)")
    p.add_argument("--message", action="append", default=None, help="send this message (repeat for more turns)")
    p.add_argument("--max-new-tokens", type=int, default=80, help="the longest reply, in tokens")
    p.add_argument("--temperature", type=float, default=0.0, help="softmax temperature; 0 = greedy")
    p.add_argument("--top-k", type=int, default=None, help="sample only among the k most likely tokens")
    p.add_argument("--top-p", type=float, default=None, help="nucleus sampling: smallest set with probability >= p")
    p.add_argument("--seed", type=int, default=0, help="random seed (the same seed gives the same replies)")
    p.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
    return p


def fitting(messages: list[dict], render, block_size: int) -> list[dict]:
    """The most recent turns of ``messages`` (ending with the user's) that leave room for a reply:
    whole (user, assistant) pairs are dropped from the start."""
    msgs = list(messages)
    while len(msgs) > 1 and len(render(msgs)[0]) + 2 > block_size:
        msgs = msgs[2:]
    return msgs


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    def fail(message: str) -> int:
        print(f"error: {message}", file=sys.stderr)
        return 2

    if args.max_new_tokens < 1:
        return fail("--max-new-tokens must be >= 1")
    if args.temperature < 0:
        return fail("--temperature must be >= 0")
    if args.top_k is not None and args.top_k < 1:
        return fail("--top-k must be a positive integer")
    if args.top_p is not None and not 0 < args.top_p <= 1:
        return fail("--top-p must be in (0, 1]")
    if args.message is not None and any(not m.strip() for m in args.message):
        return fail("--message must not be empty")

    import torch

    from helpers.chat import CHAT_TOKENS
    from helpers.model_io import load_model_with_code

    try:
        from helpers.reference.posttraining import chat, render_chat
    except ImportError as e:  # a course kit: week 11's own answers are not in it
        return fail(
            f"this tool chats with the course's reference answers, and {e.name or e} is not installed "
            "in a course kit of week 11 or earlier: run it in a clone of the course (or use your own chat() in the notebook)"
        )
    try:
        model, info = load_model_with_code(args.checkpoint, device=args.device)
    except (FileNotFoundError, ValueError) as e:
        return fail(str(e).splitlines()[0])
    except Exception as e:  # noqa: BLE001 - code in the file that does not run here: one line, status 2
        return fail(f"{args.checkpoint} could not be loaded ({type(e).__name__}: {str(e).splitlines()[0][:200]})")
    tok = info["tokenizer"]
    if tok is None or not all(t in getattr(tok, "specials", ()) for t in CHAT_TOKENS):
        return fail(f"{args.checkpoint} has no chat tokens {CHAT_TOKENS}: save the chat model of week 11")
    block = model.config.block_size
    render = lambda m: render_chat(m, tok)  # noqa: E731
    g = torch.Generator(device=args.device).manual_seed(args.seed)
    torch.manual_seed(args.seed)

    def reply_to(history: list[dict], text: str) -> str:
        history.append({"role": "user", "content": text})
        try:
            history[:] = fitting(history, render, block)
            answer = chat(model, tok, history, args.max_new_tokens, args.temperature, args.top_k, args.top_p, g)
        except (ValueError, KeyError) as e:  # a marker's text in the message, a character the model lacks
            history.pop()
            raise ValueError(str(e.args[0] if e.args else e)) from None
        history.append({"role": "assistant", "content": answer})
        return answer

    history: list[dict] = []
    if args.message is not None:
        for text in args.message:
            try:
                print(reply_to(history, text))
            except ValueError as e:
                return fail(str(e))
        return 0
    interactive = sys.stdin.isatty()
    if interactive:
        print(f"chatting with {info['path']} ({info['num_parameters']:,} parameters); /reset, /quit", file=sys.stderr)
    while True:
        if interactive:
            print(PROMPT, end="", flush=True)
        line = sys.stdin.readline()
        text = line.strip()
        if not line or not text or text == "/quit":
            return 0
        if text == "/reset":
            history.clear()
            continue
        try:
            print(reply_to(history, text), flush=True)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
