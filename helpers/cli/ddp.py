"""Data-parallel training across processes with ``torch.distributed`` (week 10).

Every process (a *rank*) holds a full copy of the model, takes its own share of each global
batch, computes gradients on it, and then the ranks **average their gradients** with an
all-reduce before each applies the same optimizer step. Because the mean over the global batch
is the mean of the per-rank means (equal shares), the parameters stay identical on every rank
and equal to single-process training on the whole global batch.

Run it (2 processes on the CPU with the gloo backend; ``torchrun`` is the same command):

    python -m torch.distributed.run --standalone --nproc_per_node=2 -m helpers.cli.ddp --steps 3 --out runs/ddp.pt

or from Python: ``result = run_torchrun(nproc=2, steps=3)``, then compare
``result["manual"]`` and ``result["ddp"]`` (parameters after training, rank 0) with
``train_single(...)``. ``manual`` averages gradients by hand (``average_gradients``); ``ddp``
wraps the model in ``DistributedDataParallel``, which does the same all-reduce in buckets,
overlapped with the backward pass.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.distributed as dist

from helpers.reference.gpt import GPT, GPTConfig
from helpers.training import lm_loss

REPO = Path(__file__).resolve().parent.parent


@dataclass
class DDPSetup:
    """Everything that must be the same in every process (and in the single-process reference)."""

    vocab_size: int = 64
    block_size: int = 32
    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 32
    global_batch: int = 8  # split evenly across the ranks
    steps: int = 3
    lr: float = 1e-3
    seed: int = 0
    tokens: str = ""  # a uint16 token file (week 10's pipeline); empty: random tokens

    def config(self) -> GPTConfig:
        return GPTConfig(
            vocab_size=self.vocab_size,
            block_size=self.block_size,
            n_layer=self.n_layer,
            n_head=self.n_head,
            n_embd=self.n_embd,
        )


def make_model(setup: DDPSetup) -> GPT:
    torch.manual_seed(setup.seed)  # the same initial weights in every process
    return GPT(setup.config())


def global_batches(setup: DDPSetup) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The ``steps`` global batches, ``(x, y)`` each (global_batch, block_size), the same in every process."""
    g = torch.Generator().manual_seed(setup.seed + 1)
    if setup.tokens:
        import numpy as np

        data = np.memmap(setup.tokens, dtype=np.uint16, mode="r")  # a uint16 token file (week 10's pipeline)
        out = []
        for _ in range(setup.steps):
            starts = torch.randint(len(data) - setup.block_size, (setup.global_batch,), generator=g).tolist()
            w = torch.from_numpy(
                np.stack([np.asarray(data[s : s + setup.block_size + 1], dtype=np.int64) for s in starts])
            )
            out.append((w[:, :-1].contiguous(), w[:, 1:].contiguous()))
        return out
    out = []
    for _ in range(setup.steps):
        w = torch.randint(setup.vocab_size, (setup.global_batch, setup.block_size + 1), generator=g)
        out.append((w[:, :-1], w[:, 1:]))
    return out


def train_single(setup: DDPSetup) -> dict[str, torch.Tensor]:
    """The reference: one process, the whole global batch each step. Returns the final parameters."""
    model = make_model(setup)
    opt = torch.optim.AdamW(model.parameters(), lr=setup.lr)
    for x, y in global_batches(setup):
        loss = lm_loss(model, x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def shard(x: torch.Tensor, rank: int, world_size: int) -> torch.Tensor:
    """Rank ``rank``'s equal share of the rows of ``x``."""
    if x.size(0) % world_size:
        raise ValueError(f"global batch {x.size(0)} does not split evenly across {world_size} ranks")
    n = x.size(0) // world_size
    return x[rank * n : (rank + 1) * n]


def average_gradients(model: torch.nn.Module, world_size: int) -> None:
    """All-reduce (sum) every gradient across the ranks, then divide by ``world_size``: each rank
    then holds the gradient of the mean loss over the whole global batch."""
    for p in model.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
            p.grad /= world_size


def train_data_parallel(setup: DDPSetup, rank: int, world_size: int, use_ddp: bool) -> dict[str, torch.Tensor]:
    """Data-parallel training inside an initialised process group; returns the final parameters."""
    model = make_model(setup)
    net = torch.nn.parallel.DistributedDataParallel(model) if use_ddp else model
    opt = torch.optim.AdamW(model.parameters(), lr=setup.lr)
    for x, y in global_batches(setup):
        xs, ys = shard(x, rank, world_size), shard(y, rank, world_size)  # (global_batch / world_size, T)
        loss = lm_loss(net, xs, ys)  # the mean over this rank's share
        opt.zero_grad(set_to_none=True)
        loss.backward()  # DDP all-reduces (averages) gradients during backward
        if not use_ddp:
            average_gradients(model, world_size)
        opt.step()
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def max_difference(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    """The largest absolute difference between two state dicts with the same keys."""
    if a.keys() != b.keys():
        raise ValueError(f"different parameter names: {sorted(a.keys() ^ b.keys())[:5]}")
    return max(float((a[k].float() - b[k].float()).abs().max()) for k in a)


def main(argv: list[str] | None = None) -> None:
    """Entry point under torchrun: trains by hand-averaged gradients and with DDP, rank 0 saves both."""
    parser = argparse.ArgumentParser(description="data-parallel training demo (run under torchrun)")
    for name, value in asdict(DDPSetup()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    parser.add_argument("--out", required=True, help="where rank 0 writes the parameters (torch.save)")
    args = vars(parser.parse_args(argv))
    out = Path(args.pop("out"))
    setup = DDPSetup(**args)
    torch.set_num_threads(1)
    dist.init_process_group(backend="gloo")
    rank, world_size = dist.get_rank(), dist.get_world_size()
    try:
        result = {"world_size": world_size, "setup": asdict(setup)}
        for use_ddp in (False, True):
            params = train_data_parallel(setup, rank, world_size, use_ddp)
            # every rank must end with the same parameters: compare with rank 0's
            gathered = [None] * world_size
            dist.all_gather_object(gathered, params)
            result[f"{'ddp' if use_ddp else 'manual'}_rank_spread"] = max(
                max_difference(gathered[0], g) for g in gathered
            )
            result["ddp" if use_ddp else "manual"] = params
        if rank == 0:
            out.parent.mkdir(parents=True, exist_ok=True)
            torch.save(result, out)
            print(f"rank 0 of {world_size}: wrote {out}")
    finally:
        dist.destroy_process_group()


def torchrun_available() -> tuple[bool, str]:
    """Can this Python launch ``torchrun`` with the gloo backend? ``(True, "")`` or ``(False, reason)``."""
    if not dist.is_available():
        return False, "this torch build has no torch.distributed"
    if not dist.is_gloo_available():
        return False, "this torch build has no gloo backend"
    if importlib.util.find_spec("torch.distributed.run") is None:
        return False, "torch.distributed.run (torchrun) is missing"
    return True, ""


def run_torchrun(nproc: int = 2, out: str | os.PathLike | None = None, timeout: float = 300, **setup_fields) -> dict:
    """Launch ``python -m torch.distributed.run --standalone --nproc_per_node=nproc -m helpers.cli.ddp``
    and return what rank 0 saved. ``setup_fields`` override ``DDPSetup`` (e.g. ``steps=5``)."""
    ok, why = torchrun_available()
    if not ok:
        raise RuntimeError(f"cannot run torchrun: {why}")
    tmp = None
    if out is None:
        tmp = tempfile.mkdtemp(prefix="ddp_")
        out = Path(tmp) / "ddp_result.pt"
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in setup_fields.items()]
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={nproc}",
        "-m",
        "helpers.cli.ddp",
        f"--out={out}",
        *flags,
    ]
    env = dict(
        os.environ,
        OMP_NUM_THREADS="1",
        PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=str(REPO))
        if proc.returncode != 0:
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
            raise RuntimeError(f"torchrun exited with {proc.returncode}:\n{tail}")
        result = torch.load(out, weights_only=True)
        result["command"] = " ".join(cmd[1:])
        return result
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
