"""Instruction-tuning sweep for week 10 part 2: run the solution notebook's own cells (setup to
the tuning cell) in full mode with another tuning configuration, and print the held-out accuracy
curve and the validation language-model loss of the tuned model.

    python benchmarks/week10_tuning_sweep.py --steps 1200 --inst-batch 32 --lm-batch 8 \
        --replay-weight 2.0 --lr 2e-3 --which full --threads 1

It tunes the model the notebook loads: the capstone checkpoint (``runs/week10/capstone.pt``, written
by ``capstone_pretraining.ipynb``), or the stand-in. Two sweeps can run side by side with
``--threads 1`` each.
Results of the runs behind the notebook's configuration: ``week10_finetuning_capstone.md`` (the capstone model) and
``week10_tuning_notes.md`` (the stand-in, week 8's character model, before the capstone).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[1] / "solutions" / "week10" / "finetuning_and_safety.ipynb"
CONFIG_LINE = "TUNE_STEPS, INST_BATCH, LM_BATCH, REPLAY_WEIGHT = "
LR_LINE = "LR_FULL, LR_LORA = "


def tuning_source(src: str, args) -> str:
    """The tuning cell with the sweep's configuration in place of the notebook's, and only the
    chosen model's run kept."""
    kept = []
    for line in src.splitlines():
        if line.startswith(CONFIG_LINE):
            line = f"{CONFIG_LINE}{args.steps}, {args.inst_batch}, {args.lm_batch}, {args.replay_weight}"
        if line.startswith(LR_LINE):
            line = f"{LR_LINE}{args.lr}, {args.lr}"
        if line.startswith("    evaluate = lambda: "):  # the same measures, printed as they come
            kept += [
                "    def evaluate():",
                "        r = " + line.split("lambda: ", 1)[1],
                '        print(f"[eval] {desc}: {r}", flush=True)',
                "        return r",
            ]
            continue
        kept.append(line)
    src = "\n".join(kept)
    full, lora = src.index("seed_everything(0)\ntuned"), src.index("seed_everything(0)\nlora_model")
    return src[:full] + (src[full:lora] if args.which == "full" else src[lora:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--inst-batch", type=int, required=True)
    ap.add_argument("--lm-batch", type=int, required=True)
    ap.add_argument("--replay-weight", type=float, default=1.0)
    ap.add_argument("--lr", type=float, required=True)
    ap.add_argument("--which", choices=("full", "lora"), default="full")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: the notebook's own choice)")
    ap.add_argument(
        "--tasks", default="", help="comma-separated task families in place of the notebook's (e.g. first,last,repeat)"
    )
    args = ap.parse_args()
    if args.tasks:  # the notebook imports make_examples from helpers.finetuning: give it another default
        import helpers.finetuning as hf

        tasks, make = tuple(args.tasks.split(",")), hf.make_examples
        hf.make_examples = lambda lines, n, seed=0, tasks=tasks: make(lines, n, seed=seed, tasks=tasks)

    nb = nbformat.read(NOTEBOOK, as_version=4)
    tuning = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and CONFIG_LINE in c.source)
    env: dict = {"__name__": "__main__"}
    start = time.perf_counter()
    for i, cell in enumerate(nb.cells[: tuning + 1]):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type != "code" or i < 2 or grade_id.startswith("test_"):
            continue  # the setup cell installs the kit (not needed here); test cells are not needed
        src = tuning_source(cell.source, args) if i == tuning else cell.source
        exec(compile(src, f"cell {i}", "exec"), env)
        if i == 2 and args.threads:
            import torch

            torch.set_num_threads(args.threads)
    model, hist = (env["tuned"], env["hist_full"]) if args.which == "full" else (env["lora_model"], env["hist_lora"])
    print("steps      ", hist.eval_steps)
    print("accuracy   ", [round(a, 3) for a in hist.extra["accuracy"]])
    print("bits/char  ", [round(v, 3) for v in hist.val_loss], "(the curve's validation slice)")
    acc, bpc, base = env["accuracy"](model), env["val_bpc"](model), env["base_bpc"]
    print(
        f"final: accuracy {acc}, validation {bpc:.3f} bits/char (base {base:.3f}, {bpc - base:+.3f}); "
        f"tuning {hist.seconds:.0f} s, script {time.perf_counter() - start:.0f} s"
    )


if __name__ == "__main__":
    main()
