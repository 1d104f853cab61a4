#!/usr/bin/env python
"""Validation scores of the panel's Tox21 recipe with all RDKit 2D descriptors and with the
32 fast ones, per split seed: the evidence of the rule in
``benchmarks/results/descriptor_subset/RULE.md`` (issue 21, item 7).

Reads the members ``benchmarks/train_panel.py`` trained (``RUNS/tox21/seedS/memberK``) under
``--full`` and ``--fast``; split seed 0 of ``--full`` may be missing (its ensemble is the
shipped model: ``molpred/panel/models/tox21``, whose recorded validation score is used).
Only validation parts are scored. Writes ``OUT/val.json`` and ``OUT/val.md``.

    MOLPRED_DATA_DIR=../shared/datasets OMP_NUM_THREADS=1 python benchmarks/descriptor_subset.py \\
        --full ../panel_runs --fast ../panel_runs_fast --shared ../shared \\
        --out benchmarks/results/descriptor_subset
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from trust import assemble, member_dirs  # noqa: E402

MARGIN = 0.005
"""Most mean validation ROC-AUC the fast descriptors may lose and still be chosen."""


def val_score(runs: Path, seed: int, shared: Path, cache: dict) -> dict:
    """Mean validation ROC-AUC of the ensemble of ``runs/tox21/seedS`` and its members."""
    from molpred.training.evaluate import label_prior, predict_part
    from molpred.training.metrics import score_predictions

    model, prepared, split, metrics = assemble(runs, "tox21", seed, shared, cache)
    prior = label_prior(prepared.y[split["train"]], prepared.task_type)
    frame = predict_part(model, prepared, split["val"], prior, "cpu")
    tasks = list(model.config.tasks)
    score = score_predictions(prepared.y[split["val"]], frame[tasks].to_numpy(), tasks,
                              prepared.task_type)["score"]
    return {"ensemble": score, "members": [m["val"]["score"] for m in metrics],
            "epochs": [m.get("best_epoch") for m in metrics],
            "train_seconds": [m.get("train_seconds") for m in metrics]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", type=Path, required=True)
    parser.add_argument("--fast", type=Path, required=True)
    parser.add_argument("--shared", type=Path, required=True)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    from molpred.panel import MODELS_DIR

    rows, cache = [], {}
    for seed in (int(s) for s in args.seeds.split(",")):
        if len(member_dirs(args.full, "tox21", seed)) == 3:
            full = val_score(args.full, seed, args.shared, cache)
        elif seed == 0:
            shipped = json.loads((MODELS_DIR / "tox21" / "metrics.json").read_text())
            full = {"ensemble": shipped["val"]["score"], "members": None,
                    "note": "the shipped model's recorded validation score (float16 weights)"}
        else:
            raise SystemExit(f"tox21 split seed {seed}: fewer than 3 rdkit2d members in {args.full}")
        fast = val_score(args.fast, seed, args.shared, cache)
        rows.append({"seed": seed, "rdkit2d": full, "rdkit2d_fast": fast})
        print(f"seed {seed}: val rdkit2d {full['ensemble']:.4f}, rdkit2d_fast "
              f"{fast['ensemble']:.4f}", flush=True)
    mean_full = sum(r["rdkit2d"]["ensemble"] for r in rows) / len(rows)
    mean_fast = sum(r["rdkit2d_fast"]["ensemble"] for r in rows) / len(rows)
    choice = "rdkit2d_fast" if mean_fast >= mean_full - MARGIN else "rdkit2d"
    record = {"rows": rows, "mean_rdkit2d": mean_full, "mean_rdkit2d_fast": mean_fast,
              "margin": MARGIN, "choice": choice}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "val.json").write_text(json.dumps(record, indent=2))
    lines = ["| split seed | val ROC-AUC, rdkit2d (217) | val ROC-AUC, rdkit2d_fast (32) | "
             "fast members |", "|---|---|---|---|"]
    for r in rows:
        members = ", ".join(f"{v:.4f}" for v in r["rdkit2d_fast"]["members"])
        lines.append(f"| {r['seed']} | {r['rdkit2d']['ensemble']:.4f} | "
                     f"{r['rdkit2d_fast']['ensemble']:.4f} | {members} |")
    lines.append(f"| mean | {mean_full:.4f} | {mean_fast:.4f} | |")
    lines.append(f"\nRule (RULE.md): fast if its mean is at most {MARGIN} below. Choice: "
                 f"**{choice}**.")
    (args.out / "val.md").write_text("\n".join(lines) + "\n")
    print(f"choice: {choice} (mean {mean_fast:.4f} against {mean_full:.4f})")


if __name__ == "__main__":
    sys.exit(main())
