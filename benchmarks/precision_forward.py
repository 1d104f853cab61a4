#!/usr/bin/env python
"""Forward-pass speed of a saved model at ``--precision fp32`` and ``bf16`` on this CPU.

Featurizes ROWS library molecules once (not timed), runs one untimed warm-up pass per
precision (oneDNN builds its bf16 kernels on first use), then times
``Predictor.predict_featurized`` (batching, the network's forward pass and assembling the
table; no parsing or featurization) at each precision, alternating, on one torch thread;
prints molecules per second per pass, the ratio of the medians, and the largest change in a
predicted value that bf16 causes. Whether bf16 helps depends on
the CPU: it needs native bfloat16 instructions (AVX-512 BF16 or AMX), so the script prints
the CPU model and flags with the result.

    OMP_NUM_THREADS=1 python benchmarks/precision_forward.py --model runs/tox21-plain \
        --library ../shared/benchmarks/library_1m.csv.gz
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import time
from pathlib import Path

import pandas as pd
import torch

import molpred
from molpred.featurizers.featurize import featurize_smiles


def cpu_summary() -> str:
    """CPU model name and its bfloat16-related flags, from ``/proc/cpuinfo`` (Linux)."""
    info = Path("/proc/cpuinfo")
    if not info.exists():
        return platform.processor() or "unknown CPU"
    text = info.read_text()
    name = re.search(r"model name\s*:\s*(.+)", text)
    flags = sorted({f for f in re.findall(r"\b(avx512_bf16|amx_bf16|amx_tile)\b", text)})
    return f"{name.group(1) if name else 'unknown CPU'}; bf16 flags: {', '.join(flags) or 'none'}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model", required=True, help="saved model folder or file")
    ap.add_argument("--library", default="../shared/benchmarks/library_1m.csv.gz")
    ap.add_argument("--skip", type=int, default=10_000, help="library rows skipped first")
    ap.add_argument("--rows", type=int, default=4_000)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=32)
    a = ap.parse_args()
    torch.set_num_threads(1)
    library = pd.read_csv(a.library, skiprows=range(1, a.skip + 1), nrows=a.rows)
    smiles = library["smiles"].tolist()
    predictor = molpred.load(a.model)
    data, errors = featurize_smiles(smiles, predictor.model.config.featurizer_config, workers=1,
                                    arrays=True)
    frame = pd.DataFrame({"smiles": smiles})
    rates: dict[str, list[float]] = {"fp32": [], "bf16": []}
    tables = {precision: predictor.predict_featurized(  # warm-up, not timed
        frame, data, errors, batch_size=a.batch_size, device="cpu", precision=precision)
        for precision in rates}
    for _ in range(a.passes):
        for precision in rates:
            t0 = time.perf_counter()
            tables[precision] = predictor.predict_featurized(
                frame, data, errors, batch_size=a.batch_size, device="cpu", precision=precision)
            rates[precision].append(len(smiles) / (time.perf_counter() - t0))
    numeric = [c for c in tables["fp32"].columns if c not in ("smiles", "error")]
    drift = (tables["bf16"][numeric] - tables["fp32"][numeric]).abs().max().max()
    print(cpu_summary())
    print(f"{len(smiles)} molecules, {sum(bool(e) for e in errors)} errors, batch {a.batch_size}, "
          f"1 torch thread, torch {torch.__version__}")
    for precision, values in rates.items():
        print(f"{precision}: " + ", ".join(f"{v:,.0f}" for v in values) + " molecules/s per pass")
    ratio = statistics.median(rates["bf16"]) / statistics.median(rates["fp32"])
    print(f"bf16 / fp32 (medians): {ratio:.2f}x")
    print(f"largest |bf16 - fp32| over all predicted values: {drift:.5f}")


if __name__ == "__main__":
    main()
