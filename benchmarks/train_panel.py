"""Train the members of the pretrained panel's ensembles, one model directory per
(dataset, split seed, member), resumably and in parallel worker processes.

Each member is what ``molpred train DATASET --splits SPLITS.json --split-key seedS --seed K``
trains (the dataset card's recommended default model), saved to
``OUT/DATASET/seedS/memberK/``. A finished member (its ``metrics.json`` exists) is skipped,
so the command resumes after an interruption; workers claim jobs with a ``.claim`` file
holding their process id, so several may run at once (one per core, ``OMP_NUM_THREADS=1``).
The split-seed-0 ensembles become the shipped panel (``benchmarks/build_panel.py``); the
other seeds exist for the uncertainty benchmark's mean ± std (``benchmarks/trust.py``).

Command (two workers on two cores)::

    for w in 0 1; do MOLPRED_DATA_DIR=../shared/datasets OMP_NUM_THREADS=1 \\
      python benchmarks/train_panel.py --shared ../shared --out ../panel_runs & done
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

PANEL = ("tox21", "clintox", "bbbp", "delaney", "lipo", "hiv")
MEMBERS = 3


PRIORITY = ("lipo:0", "tox21:1,2", "clintox:1,2", "bbbp:1,2", "hiv:0", "delaney:1,2",
            "lipo:1,2", "hiv:1,2")
"""Job order: what the shipped panel and the three-seed uncertainty benchmark of the
classification sets (tox21, clintox, bbbp) need first; the small sets' split seed 0 runs
before all of these (see :func:`jobs`)."""


def jobs(datasets: list[str], seeds: list[int], members: int) -> list[tuple[str, int, int]]:
    """Every (dataset, split seed, member): the small datasets' split seed 0 first, then
    :data:`PRIORITY`, then anything left."""
    order: list[tuple[str, int]] = [(d, 0) for d in ("tox21", "clintox", "bbbp", "delaney")]
    for item in PRIORITY:
        dataset, listed = item.split(":")
        order += [(dataset, int(s)) for s in listed.split(",")]
    order += [(d, s) for d in datasets for s in seeds]
    seen, out = set(), []
    for dataset, seed in order:
        if dataset in datasets and seed in seeds and (dataset, seed) not in seen:
            seen.add((dataset, seed))
            out += [(dataset, seed, k) for k in range(members)]
    return out


def claim(folder: Path) -> bool:
    """Claim a job folder for this process; a claim of a dead process is taken over."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / ".claim"
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        try:
            owner = int(marker.read_text() or 0)
            os.kill(owner, 0)
            return False  # alive: someone else's job
        except (ValueError, ProcessLookupError):
            marker.unlink(missing_ok=True)
            return claim(folder)
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=",".join(PANEL))
    parser.add_argument("--seeds", default="0,1,2", help="split seeds (keys seedS of the split files)")
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--shared", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--extra-features", default=None,
                        help="Comma-separated head features instead of the dataset card's "
                             "recommended ones (e.g. rdkit2d_fast), or none.")
    args = parser.parse_args(argv)

    from molpred.models.encoders import ENCODERS
    from molpred.names import DEFAULT_MODEL
    from molpred.training.api import train_prepared
    from molpred.training.fit import FitSettings
    from molpred.training.prepare import prepare_dataset
    from molpred.training.recommended import with_recommended
    from molpred.training.splitting import resolve_split

    prepared_cache: dict[str, object] = {}
    todo = jobs(args.datasets.split(","), [int(s) for s in args.seeds.split(",")], args.members)
    for dataset, seed, member in todo:
        folder = args.out / dataset / f"seed{seed}" / f"member{member}"
        if (folder / "metrics.json").exists() or not claim(folder):
            continue
        given = {"encoder_params": {}}
        if args.extra_features is not None:
            given["extra_features"] = [f for f in args.extra_features.split(",") if f != "none"]
        chosen, applied = with_recommended(dataset, DEFAULT_MODEL, given)
        if dataset not in prepared_cache:
            prepared_cache.clear()  # one dataset in memory at a time
            featurizer = ENCODERS.get(DEFAULT_MODEL).featurizer_config(
                tuple(chosen["extra_features"]), chosen["standardize"])
            prepared_cache[dataset] = prepare_dataset(dataset, featurizer, workers=1)
        prepared = prepared_cache[dataset]
        splits = args.shared / "benchmarks" / "splits" / f"{dataset}.json"
        split = resolve_split(prepared, splits, f"seed{seed}", "scaffold", (0.8, 0.1, 0.1), member)
        settings = FitSettings(epochs=chosen["epochs"], seed=member, device="cpu")
        print(f"[{os.getpid()}] {dataset} seed{seed} member{member}", flush=True)
        result = train_prepared(prepared, split, DEFAULT_MODEL, settings, chosen["encoder_params"],
                                chosen["head_params"], folder,
                                {"splits": f"{dataset}.json", "split_key": f"seed{seed}",
                                 "recommended": applied})
        print(f"[{os.getpid()}] {dataset} seed{seed} member{member}: val "
              f"{result.metrics['val']['score']:.4f} in {result.metrics['train_seconds']:.0f} s",
              flush=True)
        (folder / ".claim").unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
