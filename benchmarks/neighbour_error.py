#!/usr/bin/env python
"""Would a neighbour-error signal rank errors where molpred's signals do not (issue 19, ESOL)?

A check on train+val only (split seed 0; test is not read): a random forest (300 trees, ECFP4
counts) is cross-fitted on 5 scaffold-grouped folds; each molecule's out-of-fold error is
compared with (a) its dissimilarity to the other folds (1 - max ECFP4 Tanimoto), (b) the
similarity-weighted mean out-of-fold error of its k most similar molecules in the other folds
(k = 1, 5, 10), (c) the task's own signal (p(1-p), or a value's extremity). Printed: Spearman
correlation with the error, and the error of the 20 % a signal flags over that of the rest
(RMSE for regression, Brier for classification).

    python benchmarks/neighbour_error.py --shared ../shared --datasets delaney,bbbp,clintox:CT_TOX
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd


def check(shared: Path, dataset: str, target: str | None) -> list[str]:
    """The printed lines for one dataset (and task)."""
    from rdkit import Chem, DataStructs, RDLogger
    from rdkit.Chem import rdFingerprintGenerator
    from rdkit.Chem.Scaffolds import MurckoScaffold
    from scipy.stats import spearmanr
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.model_selection import GroupKFold

    RDLogger.DisableLog("rdApp.*")
    path = shared / "datasets" / f"{dataset}.csv"
    frame = pd.read_csv(path if path.is_file() else path.with_suffix(".csv.gz"))
    split = json.loads((shared / "benchmarks" / "splits" / f"{dataset}.json").read_text())
    rows = sorted(split["splits"]["seed0"]["train"] + split["splits"]["seed0"]["val"])
    frame = frame.iloc[rows]
    target = target or frame.columns[1]
    frame = frame[frame[target].notna()]
    mols = [Chem.MolFromSmiles(s) for s in frame.iloc[:, 0]]
    keep = [m is not None for m in mols]
    mols, y = [m for m in mols if m is not None], frame[target].to_numpy(float)[keep]
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    bits = [generator.GetFingerprint(m) for m in mols]
    X = np.array([generator.GetCountFingerprintAsNumPy(m) for m in mols], dtype=np.float32)
    groups = pd.factorize(pd.Series([MurckoScaffold.MurckoScaffoldSmiles(mol=m) for m in mols]))[0]
    binary = set(np.unique(y)) <= {0.0, 1.0}
    oof, fold = np.zeros(len(y)), np.zeros(len(y), dtype=int)
    for k, (fit, held) in enumerate(GroupKFold(5).split(X, y, groups)):
        forest = (RandomForestClassifier if binary else RandomForestRegressor)(
            300, n_jobs=1, random_state=0).fit(X[fit], y[fit])
        oof[held] = forest.predict_proba(X[held])[:, 1] if binary else forest.predict(X[held])
        fold[held] = k
    error = (oof - y) ** 2 if binary else np.abs(oof - y)
    signals = {"dissimilarity": np.zeros(len(y)), **{f"neighbours{k}": np.zeros(len(y))
                                                     for k in (1, 5, 10)}}
    for i in range(len(y)):
        other = fold != fold[i]
        similarity = np.array(DataStructs.BulkTanimotoSimilarity(bits[i], bits))[other]
        order = np.argsort(-similarity)
        signals["dissimilarity"][i] = 1 - similarity[order[0]]
        for k in (1, 5, 10):
            w = similarity[order[:k]]
            signals[f"neighbours{k}"][i] = (w * error[other][order[:k]]).sum() / max(w.sum(), 1e-9)
    signals["ambiguity" if binary else "extremity"] = (oof * (1 - oof) if binary
                                                       else np.abs(oof - oof.mean()))
    summary = (np.mean if binary else (lambda e: np.sqrt(np.mean(e ** 2))))
    lines = [f"{dataset} {target}: {len(y)} train+val molecules, "
             f"{'Brier' if binary else 'absolute error'} {error.mean():.4f}"]
    for name, signal in signals.items():
        flagged = signal > np.quantile(signal, 0.8)
        lines.append(f"  {name:>13}: Spearman {spearmanr(signal, error)[0]:.3f}, flagged/kept at "
                     f"20 % {summary(error[flagged]) / summary(error[~flagged]):.2f}x")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--datasets", default="delaney,bbbp,clintox:CT_TOX")
    args = parser.parse_args()
    for item in args.datasets.split(","):
        dataset, _, target = item.partition(":")
        print("\n".join(check(args.shared, dataset, target or None)), flush=True)


if __name__ == "__main__":
    main()
