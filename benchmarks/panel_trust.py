#!/usr/bin/env python
"""Refit the shipped panel's trust (calibration, conformal, domain and, new, the error model
behind ``expected_error``) on each model's split-seed-0 validation part, measure it once on
the test part, and draw what a chemist looks at: a reliability diagram and coverage against
similarity.

The ensembles are the shipped ones (``molpred/panel/models/NAME``, float16 weights, the
members ``benchmarks/train_panel.py`` trained); only their trust files are refitted (the
rule in ``docs/guide.md``, "Expected error and the domain", committed before this ran).
The ``in_domain`` rule of each model is chosen by cross-validation on its validation
molecules; the report gives both rules side by side on test.

Writes, per model: ``OUT/DATASET/seed0.json`` (test score, trust report, the figures the
plots draw), ``docs/img/trust/DATASET_reliability.png`` and ``..._coverage.png``, the
refitted ``trust.json``/``trust.safetensors`` and ``metrics.json`` of the shipped model;
``OUT/table.md`` summarizes.

``--runs RUNS --datasets toxcast,freesolv`` does the same for ensembles that are not shipped:
the members ``benchmarks/train_panel.py`` trained in ``RUNS`` (nothing in the package is
written), for the split seeds of ``--seeds`` (default 0; ``OUT/DATASET/seedS.json``; plots for
seed 0 only).

    MOLPRED_DATA_DIR=../shared/datasets OMP_NUM_THREADS=1 python benchmarks/panel_trust.py \\
        --shared ../shared --out benchmarks/results/trust_v2
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from trust import assemble, evaluate_seed, member_dirs  # noqa: E402

SEED = 0
IMG = Path(__file__).resolve().parent.parent / "docs" / "img" / "trust"
SIMILARITY_BINS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.8, 1.01)


def curves(trust, model, prepared, rows: np.ndarray, confidence: float = 0.9) -> dict:
    """Per-molecule test figures binned for the two plots: reliability (classification:
    mean calibrated probability vs observed frequency in 10 bins) and coverage of the
    conformal sets/intervals per similarity bin."""
    from molpred.inference import predict_with_embeddings

    smiles = prepared.table.frame[prepared.table.smiles_col].tolist()
    members, embeddings = predict_with_embeddings(model, [prepared.data[i] for i in rows], 256,
                                                  "cpu")
    y = prepared.y[rows].astype(np.float64)
    values = trust.calibrated(members.mean(axis=0))
    spread = members.std(axis=0) if members.shape[0] > 1 else None
    similarity, _, expected, _ = trust.domain([smiles[i] for i in rows], embeddings, values,
                                              spread)
    known = np.isfinite(y) & np.isfinite(values)
    out: dict = {"similarity_bins": list(SIMILARITY_BINS)}
    if prepared.task_type == "classification":
        sets = trust.set_membership(values, confidence, similarity)
        label = np.where(known, y, 0).astype(int)
        hit = np.take_along_axis(sets, label[..., None], axis=2)[..., 0]
        edges = np.linspace(0, 1, 11)
        p, t = values[known], y[known]
        which = np.clip(np.digitize(p, edges) - 1, 0, 9)
        out["reliability"] = [{"mean_p": float(p[which == b].mean()),
                               "observed": float(t[which == b].mean()),
                               "pairs": int((which == b).sum())}
                              for b in range(10) if (which == b).any()]
        minority = {}
        for t_ in range(y.shape[1]):
            k = known[:, t_]
            if k.any():
                rare = 1 if np.nanmean(y[k, t_]) < 0.5 else 0
                m = k & (y[:, t_] == rare)
                minority[prepared.tasks[t_]] = (float(hit[m, t_].mean()) if m.any() else None,
                                                int(m.sum()))
        out["minority_coverage"] = minority
        out["ece_if_calibrated"] = ece_if_calibrated(p)
    else:
        bounds = trust.intervals(values, spread, confidence, similarity)
        with np.errstate(invalid="ignore"):
            hit = (y >= bounds[..., 0]) & (y <= bounds[..., 1])
    cover = []
    for lo, hi in zip(SIMILARITY_BINS[:-1], SIMILARITY_BINS[1:], strict=True):
        m = known & ((similarity >= lo) & (similarity < hi))[:, None]
        cover.append({"low": lo, "high": hi, "pairs": int(m.sum()),
                      "coverage": float(hit[m].mean()) if m.any() else None})
    out["coverage_by_similarity"] = cover
    return out


def ece_if_calibrated(probabilities: np.ndarray, draws: int = 200) -> float:
    """The mean ECE a perfectly calibrated model would show on this many test pairs: labels
    drawn from the calibrated probabilities themselves, ``draws`` times. ECE on a few hundred
    molecules is noisy; this is its floor at the test set's size."""
    from molpred.trust.calibration import expected_calibration_error

    rng = np.random.default_rng(0)
    return float(np.mean([expected_calibration_error(
        probabilities, (rng.random(len(probabilities)) < probabilities).astype(float))
        for _ in range(draws)]))


def plots(dataset: str, record: dict) -> list[str]:
    """The reliability diagram (classification) and the coverage-vs-similarity plot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    IMG.mkdir(parents=True, exist_ok=True)
    written = []
    c = record["curves"]
    if "reliability" in c:
        fig, ax = plt.subplots(figsize=(3.6, 3.4), dpi=120)
        ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="perfect")
        r = c["reliability"]
        ax.plot([b["mean_p"] for b in r], [b["observed"] for b in r], "o-", color="C0",
                label=f"test, ECE {record['trust']['ece_calibrated']:.3f}")
        ax.set_xlabel("calibrated probability")
        ax.set_ylabel("observed frequency")
        ax.set_title(f"{dataset}: reliability (seed 0)", fontsize=10)
        ax.legend(fontsize=8, loc="upper left")
        written.append(_save(fig, f"{dataset}_reliability.png"))
    fig, ax = plt.subplots(figsize=(3.6, 3.4), dpi=120)
    bins = [b for b in c["coverage_by_similarity"] if b["coverage"] is not None]
    centres = [(b["low"] + min(b["high"], 1.0)) / 2 for b in bins]
    ax.axhline(0.9, color="0.6", lw=1, ls="--", label="target 0.9")
    ax.plot(centres, [b["coverage"] for b in bins], "o-", color="C1", label="test coverage")
    for x, b in zip(centres, bins, strict=True):
        ax.annotate(str(b["pairs"]), (x, b["coverage"]), textcoords="offset points",
                    xytext=(0, 6), ha="center", fontsize=7)
    ax.set_ylim(0.5, 1.02)
    ax.set_xlabel("max ECFP4 similarity to training set")
    ax.set_ylabel("coverage of 90 % sets")
    ax.set_title(f"{dataset}: coverage vs similarity", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    written.append(_save(fig, f"{dataset}_coverage.png"))
    return written


def _save(fig, name: str) -> str:
    """Write a figure into :data:`IMG`; its path relative to the repository."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    path = IMG / name
    fig.savefig(path)
    plt.close(fig)
    return str(path.relative_to(IMG.parent.parent.parent))


def card_section(record: dict) -> str:
    """The model card's "How far to believe it" section from a refit record."""
    t = record["trust"]
    lines = ["## How far to believe it (fitted on validation, measured on test)"]
    if "ece_raw" in t:
        lines.append(f"- Expected calibration error (10 bins, all labelled pairs): "
                     f"{t['ece_raw']:.3f} before, {t['ece_calibrated']:.3f} after the "
                     "calibration cross-validation chose per task (none, Platt, Venn-ABERS "
                     "or isotonic).")
        rare = record["curves"].get("minority_coverage", {})
        worst = min((v[0] for v in rare.values() if v[0] is not None), default=float("nan"))
        lines.append(f"- Class-conditional (Mondrian) conformal sets at 0.9 contain the true "
                     f"label for {t['coverage']:.3f} of test pairs (mean set size "
                     f"{t['mean_set_size']:.2f}); for the rarer class of each task at least "
                     f"{worst:.2f}.")
    else:
        lines.append(f"- Conformal intervals at 0.9 contain the measured value for "
                     f"{t['coverage']:.3f} of test molecules (mean width {t['mean_width']:.2f}).")
    kind = "Brier score" if "ece_raw" in t else "RMSE"
    signal = "p(1-p)" if "ece_raw" in t else "how extreme the prediction is"
    follows = ("expected error" if t["domain_rule"] == "error_model"
               else "similarity/distance thresholds")
    spearman = t.get("expected_error_spearman", float("nan"))
    lines.append(
        f"- `expected_error` (a linear model of the error on validation molecules: similarity, "
        f"embedding distance, ensemble spread, {signal}) ranks test molecules by error with "
        f"Spearman {spearman:.2f}. `in_domain` follows the {follows} (chosen by 5-fold CV on "
        f"validation: error ratio flagged/kept {t['domain_cv_ratio_error_model']:.2f} for the "
        f"error model, {t['domain_cv_ratio_thresholds']:.2f} for the thresholds). On test "
        f"{1 - t['in_domain_share']:.1%} of molecules are flagged; {kind} {t['error_in']:.3f} "
        f"inside, {t['error_out']:.3f} outside ({t['error_out'] / t['error_in']:.2f}x). The "
        f"thresholds alone would give {t['thresholds_error_in']:.3f} inside, "
        f"{t['thresholds_error_out']:.3f} outside.")
    lines.append("- Refitted by `benchmarks/panel_trust.py` (results in "
                 "`benchmarks/results/trust_v2/`, plots in `docs/img/trust/`).")
    return "\n".join(lines) + "\n\n"


def update_card(folder: Path, record: dict) -> None:
    """Replace the card's trust section with :func:`card_section`."""
    path = folder / "card.md"
    text = path.read_text()
    start = text.index("## How far to believe it")
    end = text.index("## Intended use", start)
    path.write_text(text[:start] + card_section(record) + text[end:])


def table(out: Path) -> str:
    """One row per model: the two domain rules side by side, ECE, coverage."""
    lines = ["| dataset, split seed | test score | rule (CV ratio model / thresholds) | error "
             "model: in-domain share, error in / out (ratio) | thresholds: in-domain share, "
             "error in / out (ratio) | Spearman | ECE raw → cal. (if perfectly calibrated) | "
             "coverage 0.9 |",
             "|---|---|---|---|---|---|---|---|"]
    for path in sorted(out.glob("*/seed*.json")):
        r = json.loads(path.read_text())
        t = r["trust"]

        def side(prefix: str, t: dict = t) -> str:
            if f"{prefix}error_in" not in t:
                return "–"
            a, b = t[f"{prefix}error_in"], t[f"{prefix}error_out"]
            return (f"{t[f'{prefix}in_domain_share']:.2f}, {a:.3f} / {b:.3f} "
                    f"({b / a:.2f}x)" if a else "–")

        metric = {"roc_auc": "ROC-AUC", "rmse": "RMSE"}[r["test"]["metric"]]
        floor = r["curves"].get("ece_if_calibrated")
        ece = (f"{t['ece_raw']:.3f} → {t['ece_calibrated']:.3f}" if "ece_raw" in t else "–")
        ece += f" ({floor:.3f})" if floor is not None else ""
        cv = (f"{t['domain_rule']} ({t.get('domain_cv_ratio_error_model', float('nan')):.2f} / "
              f"{t.get('domain_cv_ratio_thresholds', float('nan')):.2f})")
        lines.append(f"| {r['dataset']} {r.get('seed', 0)} | {metric} {r['test']['score']:.3f} | {cv} | "
                     f"{side('error_model_')} | {side('thresholds_')} | "
                     f"{t.get('expected_error_spearman', float('nan')):.2f} | {ece} | "
                     f"{t['coverage']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    from molpred.models.checkpoint import load_model
    from molpred.panel import MODELS_DIR, PANEL
    from molpred.training.prepare import prepare_dataset
    from molpred.training.splitting import resolve_split

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--models", default=",".join(PANEL))
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--runs", type=Path, help="member runs of datasets without a shipped "
                        "model (with --datasets)")
    parser.add_argument("--datasets", default="", help="with --runs: datasets to assemble")
    parser.add_argument("--seeds", default="0", help="with --runs: split seeds")
    parser.add_argument("--cards-only", action="store_true",
                        help="rewrite the model cards from the stored records")
    args = parser.parse_args(argv)
    if args.cards_only:
        for name in args.models.split(","):
            record = json.loads((args.out / PANEL[name].dataset / f"seed{SEED}.json").read_text())
            update_card(MODELS_DIR / name, record)
        return
    if args.runs is not None:
        pairs = [(d, int(k)) for d in filter(None, args.datasets.split(","))
                 for k in args.seeds.split(",")]
        for dataset, seed in pairs:
            target = args.out / dataset / f"seed{seed}.json"
            if target.exists() and not args.force:
                continue
            if len(member_dirs(args.runs, dataset, seed)) < 3:
                print(f"{dataset} seed{seed}: fewer than 3 members in {args.runs}", flush=True)
                continue
            model, prepared, split, metrics = assemble(args.runs, dataset, seed, args.shared, {})
            record, trust = evaluate_seed(model, prepared, split)
            record.update(dataset=dataset, model=None, seed=seed, members=len(metrics),
                          curves=curves(trust, model, prepared, np.asarray(split["test"])))
            target.parent.mkdir(parents=True, exist_ok=True)
            if seed == SEED:
                record["plots"] = plots(dataset, record)
            target.write_text(json.dumps(record, indent=2))
            print(f"{dataset} seed{seed}: rule {record['trust']['domain_rule']}", flush=True)
    for name in filter(None, args.models.split(",")):
        entry = PANEL[name]
        target = args.out / entry.dataset / f"seed{SEED}.json"
        if target.exists() and not args.force:
            continue
        folder = MODELS_DIR / name
        model, _ = load_model(folder)
        prepared = prepare_dataset(entry.dataset, model.config.featurizer_config, workers=1)
        split = resolve_split(prepared, args.shared / "benchmarks" / "splits"
                              / f"{entry.dataset}.json", f"seed{SEED}", "scaffold",
                              (0.8, 0.1, 0.1), 0)
        record, trust = evaluate_seed(model, prepared, split)
        record.update(dataset=entry.dataset, model=name, seed=SEED,
                      curves=curves(trust, model, prepared, np.asarray(split["test"])))
        trust.save(folder)
        metrics = json.loads((folder / "metrics.json").read_text())
        metrics.update(trust=record["trust"], thresholds=record["thresholds"])
        (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
        target.parent.mkdir(parents=True, exist_ok=True)
        record["plots"] = plots(entry.dataset, record)
        target.write_text(json.dumps(record, indent=2))
        update_card(folder, record)
        print(f"{name}: rule {record['trust']['domain_rule']}, coverage "
              f"{record['trust']['coverage']:.3f}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "table.md").write_text(table(args.out))
    print(table(args.out))


if __name__ == "__main__":
    sys.exit(main())
