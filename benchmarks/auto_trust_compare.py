#!/usr/bin/env python
"""Trust of ``auto`` models before and after a trust change, on the same models.

Reads the committed ``auto`` runs (``--before``, e.g. ``benchmarks/results/auto``) and a
re-run of the same datasets and seeds (``--after``, written by ``benchmarks/auto.py --out
AFTER --predictions DIR``), says how far the re-run's test predictions are from the committed
ones (the same rule and seeds; the models are the same only if training repeats to the bit
across the code versions), and writes ``AFTER/table.md``: test score, 90 % coverage,
interval width or set size, share in domain and error outside/inside the domain, before ->
after, per dataset and seed.

    python benchmarks/auto_trust_compare.py --before benchmarks/results/auto \\
        --after benchmarks/results/auto_intervals --predictions /tmp/auto_intervals_preds
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

COMMITTED = Path(__file__).parent / "results" / "predictions"


def _fmt(value: object, digits: int = 3) -> str:
    return "–" if value is None or (isinstance(value, float) and not np.isfinite(value)) \
        else f"{value:.{digits}f}"


def _ratio(t: dict) -> str:
    inside, outside = t.get("error_in"), t.get("error_out")
    if not inside or outside is None:
        return "–"
    return f"{outside / inside:.2f}x"


def compare(before: Path, after: Path, predictions: Path) -> str:
    """The markdown table (and the largest prediction difference) for every re-run."""
    lines = ["| dataset | seed | test score (same?) | coverage 0.9 before → after | "
             "mean width / set size before → after | in domain before → after | "
             "error out/in before → after |", "|---|---|---|---|---|---|---|"]
    worst = 0.0
    for path in sorted((after / "runs").glob("*/auto_seed*.json")):
        new = json.loads(path.read_text())
        old = json.loads((before / "runs" / path.parent.name / path.name).read_text())
        d, seed = new["dataset"], new["seed"]
        a = pd.read_csv(predictions / d / "auto" / f"seed{seed}.csv")
        b = pd.read_csv(COMMITTED / d / "auto" / f"seed{seed}.csv")
        numeric = [c for c in b.columns if c in a.columns and pd.api.types.is_numeric_dtype(b[c])]
        diff = float(np.nanmax(np.abs(a[numeric].to_numpy(float) - b[numeric].to_numpy(float))))
        worst = max(worst, diff)
        same = "same" if diff <= 1e-6 and abs(new["test"] - old["test"]) <= 1e-9 else f"Δ {diff:.1e}"
        t0, t1 = old.get("trust") or {}, new.get("trust") or {}
        size = "mean_width" if "mean_width" in t1 else "mean_set_size"
        lines.append(
            f"| {d} | {seed} | {new['test']:.3f} ({same}) | {_fmt(t0.get('coverage'))} → "
            f"**{_fmt(t1.get('coverage'))}** | {_fmt(t0.get(size))} → {_fmt(t1.get(size))} | "
            f"{_fmt(t0.get('in_domain_share'), 2)} → {_fmt(t1.get('in_domain_share'), 2)} | "
            f"{_ratio(t0)} → {_ratio(t1)} |")
    lines += ["", f"Largest difference between re-run and committed test predictions: {worst:.1e}"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=Path("benchmarks/results/auto"))
    parser.add_argument("--after", type=Path, required=True)
    parser.add_argument("--predictions", type=Path, required=True)
    args = parser.parse_args()
    table = compare(args.before, args.after, args.predictions)
    (args.after / "table.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
