"""Where a screen's time goes: the cost per molecule of each stage of the one pipeline
(:mod:`molpred.pipeline`), on one core, for a shipped model.

Stages timed on the first N molecules of the 1M virtual library, in this order:
prepare (parse + standardize), model features (graph, and RDKit 2D descriptors for models
fed them), domain ECFP4 bits, structural alerts (through the pattern-fingerprint screen of
:mod:`molpred.chem.alert_screen`; also timed without it, not counted in the total), inference
(members + embeddings, batches of 32), trust (calibration, conformal, domain similarity and
distance).

    OMP_NUM_THREADS=1 python benchmarks/pipeline_stages.py --models tox21,bbbp \
        --molecules 2000 --shared ../shared --out benchmarks/results/pipeline_stages
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

import molpred
from molpred.featurizers.featurize import featurize_mols
from molpred.inference import predict_with_embeddings
from molpred.pipeline.prepare import prepare


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def stage_costs(model: str, smiles: list[str]) -> dict[str, float]:
    """Milliseconds per molecule of each stage (one core)."""
    from molpred.chem.alerts import _catalog, alerts_of
    from molpred.trust.domain import ecfp4_bits_of

    predictor = molpred.load(model)
    config = predictor.model.config.featurizer_config
    n = len(smiles)
    prepared, t_prepare = _timed(lambda: prepare(smiles, config.standardize))
    rows, t_features = _timed(lambda: featurize_mols(prepared.mols, prepared.errors, config))
    arrays = [a for a, _ in rows]
    bits, t_bits = _timed(lambda: ecfp4_bits_of(prepared.mols))
    _, t_alerts = _timed(lambda: alerts_of(prepared.mols))
    catalog = _catalog()  # the same alerts without the pattern-fingerprint screen
    _, t_plain = _timed(lambda: [catalog.GetMatches(m) for m in prepared.mols if m is not None])
    (members, embeddings), t_infer = _timed(lambda: predict_with_embeddings(
        predictor.model, arrays, 32, "cpu", embeddings=True))

    def trust():  # as molpred.pipeline.run.predict_features: similarity once, for both
        values, spread = predictor.summarize(members)
        similarity = predictor.trust.fingerprints.max_similarity(bits)
        predictor.trust_columns(values, spread, 0.9, similarity)
        predictor.trust.domain_of(bits, embeddings, values, spread, similarity)

    _, t_trust = _timed(trust)
    (_, t_similarity) = _timed(lambda: predictor.trust.fingerprints.max_similarity(bits))
    ms = {"prepare": t_prepare, "model_features": t_features, "domain_ecfp4": t_bits,
          "alerts": t_alerts, "inference": t_infer, "trust": t_trust,
          "of_which_similarity": t_similarity, "not_counted_alerts_unscreened": t_plain}
    out = {k: 1000 * v / n for k, v in ms.items()}
    out["total"] = sum(v for k, v in out.items() if not k.startswith(("of_which", "not_counted")))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="tox21,bbbp")
    ap.add_argument("--molecules", type=int, default=2000)
    ap.add_argument("--shared", type=Path, default=Path("../shared"))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/pipeline_stages"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    library = pd.read_csv(args.shared / "benchmarks" / "library_1m.csv.gz", nrows=args.molecules)
    smiles = library["smiles"].astype(str).tolist()
    results = {}
    for model in args.models.split(","):
        stage_costs(model, smiles[:100])  # warm-up: loading, RDKit catalogs, allocator
        results[model] = stage_costs(model, smiles)
        print(model, {k: round(v, 3) for k, v in results[model].items()})
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "stages.json").write_text(json.dumps({
        "molecules": args.molecules, "unit": "ms per molecule, one core", "models": results,
        "machine": platform.processor() or platform.machine(), "torch_threads": 1,
        "command": "OMP_NUM_THREADS=1 python benchmarks/pipeline_stages.py --models "
                   f"{args.models} --molecules {args.molecules} --shared ../shared --out {args.out}",
    }, indent=2))
    columns = list(next(iter(results.values())))
    lines = ["| model | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for model, costs in results.items():
        lines.append(f"| {model} | " + " | ".join(f"{costs[c]:.3f}" for c in columns) + " |")
    (args.out / "stages.md").write_text(
        f"Milliseconds per molecule and stage, one core, first {args.molecules:,} library "
        "molecules (`benchmarks/pipeline_stages.py`).\n\n" + "\n".join(lines) + "\n")
    np.set_printoptions(precision=3)


if __name__ == "__main__":
    main()
