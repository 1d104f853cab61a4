#!/usr/bin/env python
"""Time whole commands in turn (A B C A B C ...), so that a drift of the machine's speed
touches each alike; write every run's wall time and the medians.

Each command runs through the shell (its own environment and virtualenv, e.g.
``. ../admet/bin/activate && admet_predict ...``), its output thrown away; a warm-up round
runs first and is not counted (disk cache, Python byte code; ``--warmup 0`` skips it). Wall time is
``time.perf_counter`` around the child, start-up included.

    python benchmarks/alternate.py --out benchmarks/results/versus_peers/screen100k \\
        --rows 100000 --repeats 3 \\
        --run 'molpred fp32=molpred screen -m MODEL -i lib100k.csv -o /tmp/a.csv --columns trust' \\
        --run 'chemprop=. ../admet/bin/activate && chemprop predict -i lib100k.csv ...'
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path


def run_once(command: str) -> tuple[float, int]:
    """``(wall seconds, exit code)`` of one run."""
    start = time.perf_counter()
    done = subprocess.run(["bash", "-c", command], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False)
    seconds = time.perf_counter() - start
    return seconds, done.returncode


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", action="append", required=True, metavar="NAME=COMMAND")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1, help="uncounted rounds first")
    parser.add_argument("--rows", type=int, required=True, help="molecules per run (for /s)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    commands = dict(item.split("=", 1) for item in args.run)
    for _ in range(args.warmup):  # not counted
        for name, command in commands.items():
            print(f"warm-up {name}: {run_once(command)[0]:.1f} s", flush=True)
    times: dict[str, list[float]] = {name: [] for name in commands}
    codes: dict[str, list[int]] = {name: [] for name in commands}
    for round_ in range(args.repeats):
        for name, command in commands.items():
            seconds, code = run_once(command)
            times[name].append(round(seconds, 2))
            codes[name].append(code)
            print(f"round {round_ + 1} {name}: {seconds:.1f} s (exit {code})", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    medians = {name: statistics.median(t) for name, t in times.items()}
    record = {"rows": args.rows, "repeats": args.repeats, "warmup": args.warmup,
              "commands": commands,
              "seconds": times, "exit_codes": codes, "median_seconds": medians,
              "molecules_per_second": {n: round(args.rows / m, 1) for n, m in medians.items()}}
    (args.out / "runs.json").write_text(json.dumps(record, indent=2))
    first = next(iter(medians))
    lines = ["| command | runs (s) | median s | molecules/s | time / first's |", "|---|---|---|---|---|"]
    for name, t in times.items():
        lines.append(f"| {name} | {', '.join(f'{x:.1f}' for x in t)} | {medians[name]:.1f} | "
                     f"{args.rows / medians[name]:,.0f} | {medians[name] / medians[first]:.2f} |")
    (args.out / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
