#!/usr/bin/env python
"""What each RDKit 2D descriptor costs: the groundwork for issue 21's "the shipped models
that take descriptors compute only what pays for itself".

Times every descriptor of :data:`molpred.featurizers.vector.DESCRIPTOR_NAMES` (as
:func:`~molpred.featurizers.vector.rdkit2d` calls it: the E-state indices computed once) on
the first N molecules of the 1M virtual library, one thread, parsing excluded. Writes
``OUT/descriptor_cost.json`` (microseconds per molecule per descriptor) and
``OUT/descriptor_cost.md`` (the costliest, and how much of the total the cheapest k cover).
Costs are marginal, in RDKit's order (a family's first descriptor pays for what RDKit then
caches on the molecule for the others).

    OMP_NUM_THREADS=1 python benchmarks/descriptor_cost.py --molecules 1000 \\
        --shared ../shared --out benchmarks/results/descriptor_cost
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--molecules", type=int, default=1000)
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/descriptor_cost"))
    parser.add_argument("--note", default="", help="What else ran on the machine.")
    args = parser.parse_args()
    import pandas as pd
    from rdkit import Chem
    from rdkit.Chem import EState

    from molpred.chem.logs import quiet_rdkit
    from molpred.featurizers.vector import _FUNCTIONS, DESCRIPTOR_NAMES

    with gzip.open(args.shared / "benchmarks" / "library_1m.csv.gz", "rt") as handle:
        smiles = pd.read_csv(handle, nrows=args.molecules)["smiles"].tolist()
    with quiet_rdkit():
        mols = [m for m in (Chem.MolFromSmiles(s) for s in smiles) if m is not None]
    seconds = np.zeros(len(_FUNCTIONS))
    estate = 0.0
    with quiet_rdkit():
        for mol in mols:
            t0 = time.perf_counter()
            EState.EStateIndices(mol, force=True)
            estate += time.perf_counter() - t0
            for i, fn in enumerate(_FUNCTIONS):
                t0 = time.perf_counter()
                try:
                    fn(mol)
                except Exception:  # as rdkit2d: a failing descriptor is a 0
                    pass
                seconds[i] += time.perf_counter() - t0
    per_mol = seconds / len(mols) * 1e6
    total = float(per_mol.sum() + estate / len(mols) * 1e6)
    order = np.argsort(per_mol)[::-1]
    record = {"molecules": len(mols), "total_us_per_molecule": total,
              "estate_us_per_molecule": estate / len(mols) * 1e6, "note": args.note,
              "us_per_molecule": {DESCRIPTOR_NAMES[i]: float(per_mol[i]) for i in order}}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "descriptor_cost.json").write_text(json.dumps(record, indent=2))
    cumulative = np.cumsum(np.sort(per_mol))
    lines = [f"# RDKit 2D descriptor cost ({len(mols):,} library molecules, one thread)", "",
             f"All {len(per_mol)} descriptors: {total / 1000:.2f} ms per molecule "
             f"(E-state indices {record['estate_us_per_molecule']:.0f} µs of it). "
             + (f"Measured while {args.note}." if args.note else ""), "",
             "| costliest | µs / molecule | share of total |", "|---|---|---|"]
    lines += [f"| {DESCRIPTOR_NAMES[i]} | {per_mol[i]:.0f} | {per_mol[i] / total:.1%} |"
              for i in order[:15]]
    lines += ["", "A descriptor's cost is its *marginal* cost in RDKit's order: the first of a family "
              "pays for what RDKit caches on the molecule for the rest (Crippen contributions for "
              "MolLogP then SMR_VSA*, Gasteiger charges for MaxPartialCharge then the others, "
              "BCUT2D for BCUT2D_MWHI), so dropping it alone saves less than shown.",
              "", "| cheapest k descriptors | µs / molecule together |", "|---|---|"]
    lines += [f"| {k} | {cumulative[k - 1]:.0f} |" for k in (50, 100, 150, 200)
              if k <= len(cumulative)]
    (args.out / "descriptor_cost.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
