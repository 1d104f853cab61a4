"""Benchmark runner: models x datasets x seeds on fixed split files, resumable.

Follows ``shared/BENCHMARKS.md``: train on ``train``, early-stop on ``val``, predict ``test``
once; the metric is ROC-AUC (classification) or RMSE (regression) averaged over tasks, and
figures are reported as mean ± std over seeds. Each finished run writes one JSON file
``OUT/runs/DATASET/MODEL/seedK.json`` and its test predictions
``OUT/predictions/DATASET/MODEL/seedK.csv`` (``score.py`` format), so an interrupted
benchmark resumes where it stopped.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from molpred.exceptions import InputError
from molpred.models.encoders import ENCODERS
from molpred.models.model import ModelConfig
from molpred.training.api import train_prepared
from molpred.training.fit import FitSettings
from molpred.training.prepare import PreparedDataset, prepare_dataset
from molpred.training.recommended import (
    applicable,
    config_problem,
    fit_settings,
    model_settings,
)
from molpred.training.splitting import resolve_split


def load_configs(folder: str | Path | None) -> dict[str, dict[str, Any]]:
    """Per-dataset benchmark configs from a folder: ``folder/DATASET.json`` -> ``{DATASET: config}``.

    Each file holds settings chosen for one dataset on validation data only, in the format of
    :mod:`molpred.training.recommended` (molpred's own live in the dataset cards,
    :func:`~molpred.training.recommended.recommended_configs`). ``None`` gives no configs.

    Raises:
        InputError: if the folder does not exist, or a file is not a valid config
            (:func:`~molpred.training.recommended.config_problem`; the message names the file).
    """
    if folder is None:
        return {}
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"config folder {folder} does not exist")
    configs = {}
    for path in sorted(folder.glob("*.json")):
        try:
            config = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}: not a readable JSON config ({exc})") from None
        problem = config_problem(config)
        if problem:
            raise InputError(f"{path}: {problem}")
        configs[path.stem] = config
    return configs


def with_epochs(configs: dict[str, dict[str, Any]], epochs: int | None
                ) -> dict[str, dict[str, Any]]:
    """``configs`` with an explicitly asked epoch budget in place of theirs (``None``: as
    they are), so that ``--epochs`` wins over a config's ``epochs``."""
    if epochs is None:
        return configs
    return {name: {**config, "epochs": epochs} if "epochs" in config else config
            for name, config in configs.items()}


TRAINING_KEYS = ("epochs", "patience", "batch_size", "lr", "weight_decay", "precision",
                 "class_weight")
"""Optimization settings a finished run must share with the current one to be reused."""


def finished_run(path: Path, config: dict[str, Any], model: str,
                 settings: FitSettings) -> dict[str, Any]:
    """The record of a finished run, if it may be reused for ``config`` and ``settings``.

    A run is reused only when it was made with the same per-dataset settings (``config``:
    standardization, extra features, ensemble size, encoder and head hyper-parameters, epoch
    budget) and the same optimization settings (:data:`TRAINING_KEYS`); fields an older
    record lacks are not compared, nor are the seed (part of the file name) and the device.

    Args:
        path: The run's result file (``OUT/runs/DATASET/MODEL/seedK.json``).
        config: The dataset's per-dataset config (``{}`` for none).
        model: The encoder name (the ensemble size applies to the default model only).
        settings: The optimization settings of the run being asked for (``config``'s
            ``epochs`` overrides theirs for the default model).

    Returns:
        The run record.

    Raises:
        InputError: naming the run file and the settings that differ.
    """
    record = json.loads(path.read_text())
    stored = record.get("settings", {})
    wanted = model_settings(config, model)
    if "head_params" not in record and "encoder_params" in record:  # older records: the
        record = {**record, "head_params": ModelConfig.resolve_params(  # head they trained
            model, record["encoder_params"])[1]}                        # was the default one
    have = {**{k: record[k] for k in wanted if k in record},
            **{k: stored[k] for k in TRAINING_KEYS if k in stored}}
    settings = fit_settings(config, model, settings)
    want = {**wanted, **{k: getattr(settings, k) for k in TRAINING_KEYS}}
    differ = {k: (have[k], want[k]) for k in have if have[k] != want[k]}
    if differ:
        detail = ", ".join(f"{k} {old!r} there, {new!r} now" for k, (old, new) in differ.items())
        raise InputError(f"{path} was run with other settings ({detail}); move it away or use "
                         "another --out")
    return record


def run_file(out: Path, dataset: str, model: str, seed: int) -> Path:
    """Where the result JSON of one run lives."""
    return out / "runs" / dataset / model / f"seed{seed}.json"


def run_benchmark(
    datasets: Sequence[str],
    models: Sequence[str],
    seeds: Sequence[int],
    splits_dir: str | Path,
    out: str | Path,
    settings: FitSettings | None = None,
    log: Callable[[str], None] = print,
    configs: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Run every (dataset, model, seed) that has no result file yet.

    Args:
        datasets: Registry names (read through ``MOLPRED_DATA_DIR`` or the download cache).
        models: Encoder names.
        seeds: Split seeds: split ``seedK`` of ``splits_dir/DATASET.json``, and torch seed K.
        splits_dir: Folder of split files (``shared/benchmarks/splits``).
        out: Result folder.
        settings: Optimization settings (seed is overridden per run).
        log: Progress messages.
        configs: ``{dataset: config}``, per-dataset settings chosen on validation data
            (:mod:`molpred.training.recommended`: ``standardize`` and ``extra_features`` for
            every model; ``ensemble_size``, ``encoder_params``, ``head_params`` and ``epochs``
            for the default model only, whose ensemble members get torch seeds K, K+1, ...).
            ``None``: every dataset with the plain defaults. A config's ``epochs`` wins over
            ``settings.epochs`` for the default model.

    Returns:
        All run records found under ``out`` for the requested combinations.

    Raises:
        UnknownNameError: for an unknown encoder.
        DatasetError: for an unknown dataset, or one neither found locally nor downloaded.
        InputError: for an unreadable dataset file, a missing split file or a split key it
            lacks, or a finished run under ``out`` made with other per-dataset settings than
            ``configs`` gives or other optimization settings (:data:`TRAINING_KEYS`) than
            ``settings``.
    """
    out = Path(out)
    base = settings or FitSettings()
    records = []
    configs = {name.lower(): config for name, config in (configs or {}).items()}
    for dataset in (name.lower() for name in datasets):
        cache: dict[Any, PreparedDataset] = {}
        for model in (name.lower() for name in models):
            encoder = ENCODERS.get(model)
            for seed in seeds:
                path = run_file(out, dataset, model, seed)
                config = configs.get(dataset, {})
                settings_k = fit_settings(config, model,
                                          FitSettings(**{**base.__dict__, "seed": seed}))
                if path.exists():
                    records.append(finished_run(path, config, model, settings_k))
                    continue
                wanted = model_settings(config, model)
                standardize = wanted["standardize"]
                extra = tuple(wanted["extra_features"])
                members = wanted["ensemble_size"]
                feat = encoder.featurizer_config(extra_features=extra, standardize=standardize)
                if feat not in cache:
                    t0 = time.perf_counter()
                    cache[feat] = prepare_dataset(dataset, feat)
                    log(f"{dataset}: featurized for {model} in {time.perf_counter() - t0:.1f} s")
                prepared = cache[feat]
                split = resolve_split(prepared, Path(splits_dir) / f"{dataset}.json", f"seed{seed}")
                own = applicable(config, model)
                result = train_prepared(prepared, split, model, settings_k,
                                        encoder_params=own.get("encoder_params"),
                                        head_params=own.get("head_params"),
                                        ensemble_size=members)
                frame = result.predictions["test"]  # what the test score was computed from
                pred_path = out / "predictions" / dataset / model / f"seed{seed}.csv"
                pred_path.parent.mkdir(parents=True, exist_ok=True)
                frame.to_csv(pred_path, index=False)
                m = result.metrics
                record = {
                    "dataset": dataset, "model": model, "seed": seed,
                    "metric": m["test"]["metric"], "test": m["test"]["score"],
                    "val": m["val"]["score"], "test_tasks": m["test"]["tasks"],
                    "test_prc_auc": m["test"].get("prc_auc"),
                    "best_epoch": m["best_epoch"], "epochs_run": m["epochs_run"],
                    "train_seconds": m["train_seconds"],
                    "settings": {k: v for k, v in settings_k.__dict__.items() if k != "progress"},
                    "encoder_params": result.model.config.encoder_params,
                    "head_params": result.model.config.head_params,
                    "standardize": standardize, "extra_features": list(extra),
                    "ensemble_size": members, "members": m.get("members"),
                    "machine": {"cpu_threads": torch.get_num_threads(),
                                "python": platform.python_version(), "torch": torch.__version__},
                }
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(record, indent=2))
                log(f"{dataset} {model} seed{seed}: val {record['val']:.4f} test "
                    f"{record['test']:.4f} ({record['metric']}) in {record['train_seconds']:.0f} s")
                records.append(record)
    return records
