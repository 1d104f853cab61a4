#!/usr/bin/env python
"""Screening throughput and peak memory of `molpred screen` (shared/BENCHMARKS.md).

Runs the real command line end to end (read -> parse -> featurize -> predict -> write) as a
subprocess, REPEATS times, and samples the resident memory of its whole process tree
(the command plus its featurization workers) every 0.2 s with psutil
(``screening_scale.measure``). Writes one JSON per input under OUT/ and prints a Markdown
line.

    python benchmarks/screening.py --model runs/tox21-plain \
        --input ../shared/datasets/hiv.csv.gz --out benchmarks/results/screening --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import pandas as pd
from screening_scale import measure  # the same timing and process-tree memory sampling


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--input", required=True, type=Path)
    ap.add_argument("--out", default="benchmarks/results/screening", type=Path)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--format", default="csv.gz", help="output suffix: csv, csv.gz or parquet")
    a = ap.parse_args()
    molpred = shutil.which("molpred") or sys.exit("molpred is not on PATH: pip install . first")
    work = Path(tempfile.mkdtemp())
    output = work / f"hits.{a.format}"
    cmd = [molpred, "screen", "-m", a.model, "-i", str(a.input), "-o", str(output)]
    runs = [(r["seconds"], r["peak_rss_gb"] * 1e9) for r in (measure(cmd) for _ in range(a.repeats))]
    written = pd.read_parquet(output) if a.format == "parquet" else pd.read_csv(output, low_memory=False)
    rows = len(written)
    errors = int((written["error"].fillna("") != "").sum())
    seconds = statistics.median(s for s, _ in runs)
    result = {
        "input": a.input.name, "model": a.model, "rows_written": rows, "rows_with_error": errors,
        "median_seconds": round(seconds, 2), "molecules_per_second": round(rows / seconds, 1),
        "peak_rss_gb": round(max(p for _, p in runs) / 1e9, 3),
        "runs": [{"seconds": round(s, 2), "peak_rss_gb": round(p / 1e9, 3)} for s, p in runs],
        "cpu_count": os.cpu_count(), "command": " ".join(cmd[1:]).replace(str(work), "TMP"),
    }
    a.out.mkdir(parents=True, exist_ok=True)
    stem = a.input.name.split(".")[0]
    (a.out / f"{stem}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    print(f"| {a.input.name} | {rows:,} | {errors} | {result['molecules_per_second']:,.0f} | "
          f"{result['peak_rss_gb']:.2f} GB |")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
