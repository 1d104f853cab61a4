#!/usr/bin/env python
"""Issue 5's screening benchmark on the one-million-molecule library (shared/BENCHMARKS.md).

Resumable: one JSON per measurement under OUT/ (delete a file to measure it again).

1. ``molpred screen`` and ``chemprop predict`` on the same first 100,000 library molecules,
   run alternately (molpred, chemprop, molpred, chemprop, ...), REPEATS times each: median
   molecules/s, the ratio, and the peak memory of each whole process tree.
2. The RDKit floor: ``Chem.MolFromSmiles`` on the same 100,000 SMILES in as many processes
   as there are cores.
3. ``molpred screen`` of all 1,000,000 molecules once: molecules/s and peak memory, to be
   compared with the 100k run (flat memory means within 20%).

Memory is sampled every 0.2 s with psutil over the command and all its descendants: ``rss``
sums resident sizes (pages shared by forked workers count once per process, an upper bound)
and ``pss`` splits shared pages between processes (sampled every second; what the tree
really holds).

    python benchmarks/screening_scale.py --model runs/tox21-plain --chemprop-model CP.pt \\
        --chemprop /path/to/chemprop --library ../shared/benchmarks/library_1m.csv.gz \\
        --out benchmarks/results/screening_1m --repeats 2
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil


def tree_memory(proc: psutil.Process, pss: bool) -> int:
    """Resident (or proportional) bytes of ``proc`` and its descendants."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_full_info().pss if pss else p.memory_info().rss
        except (psutil.Error, AttributeError):
            pass
    return total


def measure(cmd: list[str], env: dict | None = None) -> dict:
    """Run ``cmd``; wall seconds, peak tree RSS/PSS in GB and the last line it printed."""
    start = time.perf_counter()
    log = tempfile.TemporaryFile()
    proc = psutil.Popen(cmd, stdout=log, stderr=subprocess.PIPE, env=env)
    peak_rss = peak_pss = 0
    last_pss = 0.0
    while proc.poll() is None:
        peak_rss = max(peak_rss, tree_memory(proc, pss=False))
        if time.perf_counter() - last_pss > 1.0:
            peak_pss, last_pss = max(peak_pss, tree_memory(proc, pss=True)), time.perf_counter()
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr.read().decode()[-3000:]}")
    log.seek(0)
    lines = [line for line in log.read().decode(errors="replace").splitlines() if line.strip()]
    return {"seconds": round(seconds, 2), "peak_rss_gb": round(peak_rss / 1e9, 3),
            "peak_pss_gb": round(peak_pss / 1e9, 3), "printed": lines[-1][-300:] if lines else ""}


def count_rows(path: Path) -> int:
    """Data rows of a CSV(.gz) output (one pass, no parsing: a row per line after the header)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        return sum(1 for _ in fh) - 1


def head_library(library: Path, rows: int, dest: Path) -> Path:
    """The first ``rows`` data rows of the library as a plain CSV (header kept)."""
    with gzip.open(library, "rt") as src, open(dest, "w") as out:
        for i, line in enumerate(src):
            if i > rows:
                break
            out.write(line)
    return dest


def _parse_count(smiles: list[str]) -> int:
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    return sum(Chem.MolFromSmiles(s) is not None for s in smiles)


def rdkit_floor(csv_path: Path, workers: int) -> dict:
    """Molecules/s of ``Chem.MolFromSmiles`` alone over the file's SMILES on ``workers`` cores."""
    import pandas as pd

    smiles = pd.read_csv(csv_path)["smiles"].tolist()
    parts = [smiles[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_parse_count, [p[:100] for p in parts]))  # warm the workers up
        start = time.perf_counter()
        parsed = sum(pool.map(_parse_count, parts))
        seconds = time.perf_counter() - start
    return {"molecules": len(smiles), "parsed": parsed, "workers": workers,
            "seconds": round(seconds, 2), "molecules_per_second": round(len(smiles) / seconds, 1)}


def save(path: Path, result: dict) -> dict:
    path.write_text(json.dumps(result, indent=2))
    print(path.name, json.dumps(result), flush=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model", required=True, help="molpred model (the default Tox21 model)")
    ap.add_argument("--chemprop-model", type=Path, help="Chemprop .pt trained on the same data")
    ap.add_argument("--chemprop", default=shutil.which("chemprop"), help="chemprop executable")
    ap.add_argument("--library", type=Path, default=Path("../shared/benchmarks/library_1m.csv.gz"))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/screening_1m"))
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--extra", default="", help="extra molpred screen options, e.g. '--precision bf16'")
    ap.add_argument("--skip-1m", action="store_true")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    molpred = shutil.which("molpred") or sys.exit("molpred is not on PATH: pip install . first")
    work = Path(tempfile.mkdtemp())
    subset = head_library(a.library, a.rows, work / "library_100k.csv")
    tag = "_".join(a.extra.replace("--", "").split()) or "default"
    ours = [molpred, "screen", "-m", a.model, "-o", str(work / "out.csv.gz"), *a.extra.split()]
    cores = len(os.sched_getaffinity(0))

    pair_file = a.out / f"100k_{tag}.json"
    if not pair_file.exists():
        runs: dict[str, list[dict]] = {"molpred": [], "chemprop": []}
        for _ in range(a.repeats):
            runs["molpred"].append(measure([*ours, "-i", str(subset)]))
            if a.chemprop_model is not None:
                runs["chemprop"].append(measure(
                    [a.chemprop, "predict", "-i", str(subset), "--smiles-columns", "smiles",
                     "--model-paths", str(a.chemprop_model), "-o", str(work / "cp.csv")]))
        result = {"rows": a.rows, "cores": cores, "runs": runs,
                  "molpred_command": " ".join(ours[1:]).replace(str(work), "TMP") + " -i 100k.csv"}
        for name, rs in runs.items():
            if rs:
                med = statistics.median(r["seconds"] for r in rs)
                result[name] = {"median_seconds": med,
                                "molecules_per_second": round(a.rows / med, 1),
                                "peak_rss_gb": max(r["peak_rss_gb"] for r in rs),
                                "peak_pss_gb": max(r["peak_pss_gb"] for r in rs)}
        if runs["chemprop"]:
            result["speedup_vs_chemprop"] = round(
                result["molpred"]["molecules_per_second"] / result["chemprop"]["molecules_per_second"], 2)
        save(pair_file, result)

    floor_file = a.out / "100k_rdkit_parse_floor.json"
    if not floor_file.exists():
        save(floor_file, rdkit_floor(subset, cores))

    full_file = a.out / f"1m_{tag}.json"
    if not a.skip_1m and not full_file.exists():
        r = measure([*ours, "-i", str(a.library)])
        rows = 1_000_000
        r["output_rows"] = count_rows(work / "out.csv.gz")
        save(full_file, {"rows": rows, "cores": cores, **r,
                         "molecules_per_second": round(rows / r["seconds"], 1),
                         "command": " ".join(ours[1:]).replace(str(work), "TMP") + f" -i {a.library.name}"})
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
