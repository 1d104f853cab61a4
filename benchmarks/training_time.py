#!/usr/bin/env python
"""Training cost of the default model against Chemprop's (shared/BENCHMARKS.md, "Training cost").

Wall time of the whole training command on ``tox21`` split ``seed0`` (reading, featurizing,
training to the early-stopping point, scoring val and test), on one core as in anchors.md:
``OMP_NUM_THREADS=1``, one featurization worker, and the process pinned to one CPU with
``taskset`` when it exists. ``molpred train`` applies the settings the dataset's card
recommends (``datasets/NAME.json``: RDKit 2D descriptors into the head on Tox21).

With ``--chemprop``, Chemprop 2.3.1's default ``chemprop train`` runs on the same split in the
same session, alternating with molpred (molpred, Chemprop, molpred, ...), as anchors.md runs
it (its input omits the split file's ``invalid`` rows). Without it, Chemprop's wall time is
taken from anchors.md. One JSON per run under OUT/ (resumable), and OUT/summary.json with the
medians, the ratio and both test scores (score.py's for Chemprop, molpred's own for molpred,
which agrees with score.py to 1e-4: tests/integration/test_reference_scorer.py).

    MOLPRED_DATA_DIR=../shared/datasets python benchmarks/training_time.py --shared ../shared \\
        --chemprop /path/to/bin/chemprop --repeats 2 --out benchmarks/results/training_time
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "chemprop"))
from run_chemprop import run_one  # noqa: E402  (Chemprop's command, split mapping and scoring)
from screening_scale import measure  # noqa: E402  (wall time and process-tree memory)

ONE_CORE = ["OMP_NUM_THREADS=1", "MKL_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1",
            "MOLPRED_NUM_WORKERS=1"]
"""Environment of both tools' runs: one thread, one featurization worker."""


def one_core_env() -> dict[str, str]:
    return {**os.environ, **dict(v.split("=", 1) for v in ONE_CORE)}


def pinned(cmd: list[str]) -> list[str]:
    """``cmd`` on CPU 0 only, where ``taskset`` exists."""
    return ["taskset", "-c", "0", *cmd] if shutil.which("taskset") else cmd


def molpred_run(dataset: str, shared: Path, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [str(Path(sys.executable).parent / "molpred"), "train", dataset, "--splits",
               str(shared / "benchmarks" / "splits" / f"{dataset}.json"), "--split-key", f"seed{seed}",
               "--device", "cpu", "--workers", "1", "--seed", str(seed), "--out", str(Path(tmp) / "m")]
        result = measure(pinned(cmd), env=one_core_env())
        metrics = json.loads((Path(tmp) / "m" / "metrics.json").read_text())
    shown = [c if not c.startswith(tempfile.gettempdir()) else "OUT" for c in cmd[1:]]
    return {"tool": "molpred", "command": "molpred " + " ".join(shown),
            "train_wall_seconds": result["seconds"], "peak_rss_gb": result["peak_rss_gb"],
            "test": metrics["test"]["score"], "val": metrics["val"]["score"],
            "best_epoch": metrics.get("best_epoch"), "epochs_run": metrics.get("epochs_run")}


def chemprop_wall_from_anchors(anchors_md: Path, dataset: str) -> tuple[float, float] | None:
    """(wall seconds, seed0 score) of Chemprop on ``dataset`` from anchors.md, if given there."""
    row = re.search(rf"^\| {dataset} \|[^|]+\| ([\d.]+) \|(?:[^|]*\|){{3}} (\d+) min (\d+) s \|",
                    anchors_md.read_text(), re.M)
    return (int(row.group(2)) * 60 + int(row.group(3)), float(row.group(1))) if row else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--dataset", default="tox21")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shared", default="../shared", type=Path)
    ap.add_argument("--chemprop", help="chemprop executable: measure Chemprop here, alternately")
    ap.add_argument("--repeats", type=int, default=2, help="runs of each tool")
    ap.add_argument("--out", default=Path(__file__).parent / "results" / "training_time", type=Path)
    a = ap.parse_args()
    shared = a.shared.resolve()
    a.out.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict]] = {"molpred": [], "chemprop": []}
    for k in range(a.repeats):
        tools = ["molpred", "chemprop"] if a.chemprop else ["molpred"]
        for tool in tools:
            path = a.out / f"{a.dataset}_seed{a.seed}_{tool}_run{k}.json"
            if not path.exists():
                if tool == "molpred":
                    record = molpred_run(a.dataset, shared, a.seed)
                else:
                    with tempfile.TemporaryDirectory() as tmp:  # one core, as molpred's run
                        record = {"tool": "chemprop", **run_one(
                            a.chemprop, shared, a.dataset, a.seed, Path(tmp),
                            wrap=lambda cmd: ["env", *ONE_CORE, *pinned(cmd)])}
                path.write_text(json.dumps(record, indent=2))
                print(path.name, json.dumps(record), flush=True)
            runs[tool].append(json.loads(path.read_text()))
    ours = statistics.median(r["train_wall_seconds"] for r in runs["molpred"])
    if runs["chemprop"]:
        peer = statistics.median(r["train_wall_seconds"] for r in runs["chemprop"])
        peer_score, source = statistics.median(r["test"] for r in runs["chemprop"]), "measured here"
    else:
        peer, peer_score = chemprop_wall_from_anchors(shared / "benchmarks" / "anchors.md", a.dataset)
        source = "anchors.md"
    summary = {"dataset": a.dataset, "split": f"seed{a.seed}", "cores": 1,
               "molpred_wall_seconds": round(ours, 2), "molpred_test": runs["molpred"][0]["test"],
               "chemprop_wall_seconds": round(peer, 2), "chemprop_test": peer_score,
               "chemprop_source": source,
               "speedup": round(peer / ours, 2), "runs": {t: len(r) for t, r in runs.items()},
               "command": "python " + " ".join(sys.argv)}
    (a.out / f"{a.dataset}_seed{a.seed}_summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
