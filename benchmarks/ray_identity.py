#!/usr/bin/env python
"""Issue 21, must-show 4 at full size: the Ray executor gives the local screen's rows and
values, and a ``kill -9`` of the driver followed by ``--resume`` writes every row once.

On the first N molecules of the 1M library (default 100,000):

1. ``molpred screen -m MODEL -i lib -o local.csv`` (the local engine, a process per core);
2. the same with ``--engine ray``;
3. ``--engine ray`` again, its driver killed with SIGKILL after a random delay (seeded;
   between 25 % and 75 % of run 2's wall time), then the same command with ``--resume``.

Compared: the row ids in order, the error column, and every numeric column (largest absolute
difference, and the largest relative one on the embedding distance and the conformal
bounds, which amplify float32 noise of other batch groupings); text columns must be equal.
Writes ``OUT/ray_identity.json``.

    MOLPRED_DATA_DIR=../shared/datasets python benchmarks/ray_identity.py --model MODEL \\
        --rows 100000 --shared ../shared --out benchmarks/results/ray_identity
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from screening_scale import head_library  # noqa: E402


def run(cmd: list[str]) -> float:
    """Run ``cmd`` to the end; its wall seconds."""
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def run_killed(cmd: list[str], after: float) -> None:
    """Start ``cmd`` in its own process group and SIGKILL only its driver after ``after`` s
    (Ray's own processes are left to notice, as they would after a crash)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    time.sleep(after)
    if proc.poll() is not None:
        sys.exit("the run ended before the kill: choose a later moment or more rows")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def compare(a: Path, b: Path) -> dict:
    """Rows, order and values of two screen outputs."""
    import numpy as np
    import pandas as pd

    x, y = pd.read_csv(a, keep_default_na=False), pd.read_csv(b, keep_default_na=False)
    out: dict = {"rows": [len(x), len(y)], "same_columns": list(x.columns) == list(y.columns),
                 "same_ids_in_order": bool(len(x) == len(y) and (x["id"] == y["id"]).all()),
                 "ids_once": bool(y["id"].is_unique), "columns": {}}
    if not (out["same_columns"] and out["same_ids_in_order"]):
        return out
    for col in x.columns:
        u = pd.to_numeric(x[col], errors="coerce")
        v = pd.to_numeric(y[col], errors="coerce")
        numeric = (x[col].dtype != bool and u.notna().any()
                   and (u.isna() == (x[col] == "")).all())
        if numeric:
            d = np.abs(u - v).to_numpy()
            rel = d / np.maximum(np.abs(u.to_numpy()), 1e-12)
            out["columns"][col] = {"max_abs": float(np.nanmax(d)) if len(d) else 0.0,
                                   "max_rel": float(np.nanmax(rel)) if len(d) else 0.0,
                                   "same_missing": bool((u.isna() == v.isna()).all())}
        else:
            out["columns"][col] = {"equal": bool((x[col] == y[col]).all())}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--shared", type=Path, default=Path("../shared"))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/ray_identity"))
    ap.add_argument("--extra", default="", help="more molpred screen options")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--compare-only", type=Path, default=None,
                    help="a folder holding local.csv, ray.csv and resumed.csv of an earlier run: "
                         "only compare them")
    a = ap.parse_args()
    if a.compare_only is not None:
        record = {"ray_vs_local": compare(a.compare_only / "local.csv", a.compare_only / "ray.csv"),
                  "resumed_vs_local": compare(a.compare_only / "local.csv",
                                              a.compare_only / "resumed.csv")}
        print(json.dumps(record, indent=1))
        return
    molpred = shutil.which("molpred") or sys.exit("molpred is not on PATH")
    work = Path(tempfile.mkdtemp())
    lib = head_library(a.shared / "benchmarks" / "library_1m.csv.gz", a.rows, work / "lib.csv")
    base = [molpred, "screen", "-m", a.model, "-i", str(lib), *a.extra.split()]
    record: dict = {"rows": a.rows, "model": a.model, "extra": a.extra,
                    "cores": len(os.sched_getaffinity(0))}
    record["local_seconds"] = round(run([*base, "-o", str(work / "local.csv")]), 1)
    record["ray_seconds"] = round(run([*base, "--engine", "ray", "-o", str(work / "ray.csv")]), 1)
    after = random.Random(a.seed).uniform(0.25, 0.75) * record["ray_seconds"]
    killed = [*base, "--engine", "ray", "-o", str(work / "resumed.csv")]
    run_killed(killed, after)
    record["killed_after_seconds"] = round(after, 1)
    record["partial_chunks"] = len(list((work / "resumed.csv.partial").glob("*"))) \
        if (work / "resumed.csv.partial").exists() else 0
    record["resume_seconds"] = round(run([*killed, "--resume"]), 1)
    record["ray_vs_local"] = compare(work / "local.csv", work / "ray.csv")
    record["resumed_vs_local"] = compare(work / "local.csv", work / "resumed.csv")
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "ray_identity.json").write_text(json.dumps(record, indent=2))
    print(json.dumps({k: v for k, v in record.items() if not k.endswith("local")}, indent=1)[:3000])
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
