#!/usr/bin/env python
"""Per-molecule cost of each step of a CPU screen, on one core (README, "Where the time goes").

Times RDKit parsing, molpred's standardization, atom and bond features, batching (32
molecules) and the model's forward pass in turn, each over the same library molecules, with
one torch and one BLAS thread, as in a screening worker. Prints ms per molecule for each pass.
The model must be a graph model without extra features (descriptors are not timed here; see
benchmarks/results/screening/descriptor_cost.txt), e.g. ``molpred train tox21 --plain``.

    python benchmarks/screening_steps.py --model runs/tox21-plain \\
        --library ../shared/benchmarks/library_1m.csv.gz --skip 10000 --rows 4000 --passes 3
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch
from rdkit import Chem, RDLogger
from threadpoolctl import threadpool_limits

from molpred import allocator
from molpred.chem.standardize import Standardizer
from molpred.featurizers.collate import collate
from molpred.featurizers.graph import graph_arrays
from molpred.inference import CPU_BATCH_SIZE
from molpred.predictor import load


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--library", default="../shared/benchmarks/library_1m.csv.gz")
    ap.add_argument("--skip", type=int, default=10_000, help="library rows skipped first")
    ap.add_argument("--rows", type=int, default=4_000)
    ap.add_argument("--passes", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(1)
    threadpool_limits(1)
    allocator.reuse_freed_memory()  # as in a screening worker
    RDLogger.DisableLog("rdApp.*")
    model = load(a.model).model.eval()
    if model.config.extra_features or not model.config.featurizer_config.graph:
        raise SystemExit(f"{a.model}: this script times a graph model without extra features "
                         "(train one with --plain); this model has "
                         f"{model.config.extra_features or 'no graph input'}")
    smiles = pd.read_csv(a.library, usecols=["smiles"], skiprows=range(1, a.skip + 1),
                         nrows=a.rows)["smiles"].tolist()
    standardize = Standardizer()
    seconds: dict[str, list[float]] = {k: [] for k in
                                       ("parse", "standardize", "features", "batching", "forward")}

    def timed(step, work, items):
        start = time.perf_counter()
        out = [work(item) for item in items]
        seconds[step].append(time.perf_counter() - start)
        return out

    for _ in range(a.passes):
        mols = timed("parse", Chem.MolFromSmiles, smiles)
        mols = timed("standardize", standardize, [m for m in mols if m is not None])
        arrays = timed("features", graph_arrays, mols)
        starts = range(0, len(arrays), CPU_BATCH_SIZE)
        batches = timed("batching", lambda i: collate(arrays[i:i + CPU_BATCH_SIZE]), starts)  # noqa: B023
        with torch.inference_mode():
            timed("forward", model, batches)
    print(f"{len(smiles)} molecules, {np.mean([m.GetNumAtoms() for m in mols]):.1f} heavy atoms "
          f"on average, {a.passes} passes, ms per molecule:")
    for step, values in seconds.items():
        print(f"  {step:12s} " + "  ".join(f"{v / len(smiles) * 1e3:.3f}" for v in values))


if __name__ == "__main__":
    main()
