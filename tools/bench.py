"""Run solution notebooks in full mode and report the figures they reached.

    python tools/bench.py                  # every week (make bench)
    python tools/bench.py week01 week08    # only these; other weeks' earlier results are kept
    python tools/bench.py week10/bpe_and_scaling   # one notebook of a week

Each notebook runs top to bottom in a fresh kernel without COURSE_FAST; the figures it records
with ``helpers.report.record`` are collected with its wall-clock time into
``benchmarks/results.json`` (machine-readable) and ``benchmarks/results.md`` (a table).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks"


def machine() -> dict:
    import torch

    info = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }
    return info


def load_average() -> float | None:
    """The 1-minute load average (None where the system has none): a row's timing means little
    without it, since a shared machine runs the same notebook several times slower."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def run_notebook(path: Path, timeout: int, save_dir: Path | None = None) -> dict:
    nb = nbformat.read(str(path), as_version=4)
    env = dict(os.environ)
    env.pop("COURSE_FAST", None)
    env.setdefault("MPLBACKEND", "Agg")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "figures.json"
        env["COURSE_REPORT"] = str(report)
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(path.parent)}},
        )
        start = time.perf_counter()
        with client.setup_kernel(env=env, cwd=str(path.parent)):
            for i, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, i)
        seconds = time.perf_counter() - start
        figures = json.loads(report.read_text()) if report.exists() else {}
    if save_dir is not None:  # the executed notebook, to read its text next to what it printed
        save_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(save_dir / path.name))
    errors = [
        f"cell {i}: {o.ename}: {o.evalue[:300]}"
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    return {
        "notebook": str(path.relative_to(ROOT)),
        "seconds": round(seconds, 1),
        "figures": figures,
        "errors": errors,
        "ok": not errors,
    }


def write_table(results: dict) -> str:
    lines = [
        "# Benchmark report (full mode)",
        "",
        "Written by `make bench` (`python tools/bench.py`): every solution notebook run top to "
        "bottom in full mode; figures are what the notebook recorded.",
        "",
    ]
    m = results.get("machine", {})
    lines += [
        f"Machine: {m.get('cpus')} CPUs, {m.get('platform')}, torch {m.get('torch')} "
        f"({m.get('torch_threads')} threads), GPU: {m.get('cuda') or 'none'}. Each row says when it was "
        "measured and the machine's 1-minute load average before and after it (about 1 on an idle "
        "2-core machine while a notebook runs; more means the timing is an upper bound).",
        "",
        "| notebook | seconds | measured (UTC) | load before → after | status | figures |",
        "|---|---:|---|---|---|---|",
    ]
    for name, r in sorted(results.get("notebooks", {}).items()):
        figs = "<br>".join(f"`{k}` = {v}" for k, v in sorted(r["figures"].items()))
        status = "ok" if r["ok"] else "errors: " + "; ".join(r["errors"])[:300]
        load = " → ".join(
            f"{x:.2f}" if isinstance(x, int | float) else "n/a"
            for x in (r.get("load_average_before"), r.get("load_average_after"))
        )
        lines.append(f"| {name} | {r['seconds']} | {r.get('date', 'n/a')} | {load} | {status} | {figs} |")
    lines.append("")
    lines.append(f"Last updated {results.get('updated')}.")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weeks", nargs="*", help="e.g. week01, or week10/bpe_and_scaling for one notebook (default: all)")
    ap.add_argument("--timeout", type=int, default=1800, help="per-cell timeout in seconds")
    ap.add_argument("--save-dir", type=Path, help="also write each executed notebook here")
    args = ap.parse_args(argv)
    paths = sorted((ROOT / "solutions").glob("week*/*.ipynb"))
    if args.weeks:
        paths = [p for p in paths if p.parent.name in args.weeks or f"{p.parent.name}/{p.stem}" in args.weeks]
        if not paths:
            ap.error(f"no solution notebooks for {args.weeks}")
    OUT.mkdir(exist_ok=True)
    json_path = OUT / "results.json"
    info = machine()
    failed = 0
    for path in paths:
        print(f"running {path.relative_to(ROOT)} in full mode ...", flush=True)
        before = load_average()
        r = run_notebook(path, args.timeout, args.save_dir)
        r["date"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        r["load_average_before"], r["load_average_after"] = before, load_average()
        failed += not r["ok"]
        print(f"  {r['seconds']} s, {'ok' if r['ok'] else 'ERRORS'}: {r['figures']}", flush=True)
        for e in r["errors"]:
            print("   ", e)
        # read the file again just before writing: another run may have added its rows meanwhile
        results = json.loads(json_path.read_text()) if json_path.exists() else {}
        results.setdefault("notebooks", {})[r["notebook"]] = r
        results["machine"] = info
        results["updated"] = r["date"]
        json_path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
        (OUT / "results.md").write_text(write_table(results))
    print(f"wrote {json_path.relative_to(ROOT)} and benchmarks/results.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
