"""Benchmark runner: models x datasets x seeds on fixed split files, resumable.

Follows ``shared/BENCHMARKS.md``: train on ``train``, early-stop on ``val``, predict ``test``
once; the metric is ROC-AUC (classification) or RMSE (regression) averaged over tasks, and
figures are reported as mean ± std over seeds. Each finished run writes one JSON file
``OUT/runs/DATASET/MODEL/seedK.json`` and its test predictions
``OUT/predictions/DATASET/MODEL/seedK.csv`` (``score.py`` format), so an interrupted
benchmark resumes where it stopped.
"""

from __future__ import annotations

import inspect
import json
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from molpred.exceptions import InputError
from molpred.models.encoders import ENCODERS
from molpred.models.head import PredictionHead
from molpred.models.model import ModelConfig
from molpred.names import DEFAULT_MODEL, EXTRA_FEATURES
from molpred.training.api import train_prepared
from molpred.training.fit import FitSettings
from molpred.training.prepare import PreparedDataset, prepare_dataset
from molpred.training.splitting import resolve_split

CONFIG_KEYS = frozenset({"standardize", "extra_features", "ensemble_size", "encoder_params",
                         "head_params", "epochs", "why", "command"})
"""Keys a per-dataset config may hold: its settings, and why and how they were chosen."""

DEFAULT_MODEL_KEYS = ("ensemble_size", "encoder_params", "head_params", "epochs")
"""Config settings that apply to the default model only (other encoders have other
hyper-parameters); ``standardize`` and ``extra_features`` apply to every model."""


def load_configs(folder: str | Path | None) -> dict[str, dict[str, Any]]:
    """Per-dataset benchmark configs: ``folder/DATASET.json`` -> ``{DATASET: config}``.

    Each file holds the settings chosen for one dataset on validation data only
    (``standardize``, ``extra_features``, ``ensemble_size``, ``encoder_params``,
    ``head_params``, ``epochs``; see :func:`run_benchmark`) and says ``why`` and by which
    ``command``; molpred's own are in ``benchmarks/configs/``.
    ``None`` gives no configs.

    Raises:
        InputError: if the folder does not exist, or a file is not a JSON object of the keys in
            :data:`CONFIG_KEYS` with ``standardize`` a boolean, ``extra_features`` a list of
            feature names, ``ensemble_size`` and ``epochs`` whole numbers >= 1, and
            ``encoder_params``/``head_params`` JSON objects (the message names the file).
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
        if not isinstance(config, dict) or not set(config) <= CONFIG_KEYS:
            unknown = sorted(set(config) - CONFIG_KEYS) if isinstance(config, dict) else []
            raise InputError(f"{path}: a config is a JSON object with keys among "
                             f"{sorted(CONFIG_KEYS)}" + (f"; unknown: {unknown}" if unknown else ""))
        problem = _config_problem(config)
        if problem:
            raise InputError(f"{path}: {problem}")
        configs[path.stem] = config
    return configs


def _config_problem(config: dict[str, Any]) -> str | None:
    """What is wrong with a config's setting values, or ``None``."""
    if not isinstance(config.get("standardize", True), bool):
        return f"standardize must be true or false, not {config['standardize']!r}"
    extra = config.get("extra_features", [])
    if not isinstance(extra, list) or any(f not in EXTRA_FEATURES for f in extra):
        return (f"extra_features must be a list drawn from {list(EXTRA_FEATURES)}, "
                f"not {extra!r}")
    for key in ("ensemble_size", "epochs"):
        value = config.get(key, 1)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            return f"{key} must be a whole number >= 1, not {value!r}"
    known = {"encoder_params": _parameters(ENCODERS.get(DEFAULT_MODEL)),
             "head_params": _parameters(PredictionHead) - {"in_dim", "num_tasks"}}
    for key, names in known.items():
        params = config.get(key, {})
        if not isinstance(params, dict):
            return f"{key} must be a JSON object of hyper-parameters, not {params!r}"
        if set(params) - names:
            return (f"{key} of the default model ({DEFAULT_MODEL}) are among {sorted(names)}; "
                    f"unknown: {sorted(set(params) - names)}")
    return None


def _parameters(cls: type) -> set[str]:
    """Keyword parameters of a class's constructor."""
    return set(inspect.signature(cls.__init__).parameters) - {"self"}


def _settings_of(config: dict[str, Any], model: str) -> dict[str, Any]:
    """The run settings a dataset config gives ``model``, as run records store them
    (hyper-parameters resolved against the encoder's and the head's defaults)."""
    own = config if model == DEFAULT_MODEL else {}
    encoder_params, head_params = ModelConfig.resolve_params(
        model, own.get("encoder_params"), own.get("head_params"))
    return {"standardize": bool(config.get("standardize", True)),
            "extra_features": list(config.get("extra_features", ())),
            "ensemble_size": int(own.get("ensemble_size", 1)),
            "encoder_params": encoder_params, "head_params": head_params}


def _fit_settings_of(config: dict[str, Any], model: str, settings: FitSettings) -> FitSettings:
    """``settings`` with the epoch budget a dataset config gives the default model."""
    if model == DEFAULT_MODEL and "epochs" in config:
        return FitSettings(**{**settings.__dict__, "epochs": config["epochs"]})
    return settings


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
    wanted = _settings_of(config, model)
    have = {**{k: record[k] for k in wanted if k in record},
            **{k: stored[k] for k in TRAINING_KEYS if k in stored}}
    settings = _fit_settings_of(config, model, settings)
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
        configs: Per-dataset settings chosen on validation data (``shared/BENCHMARKS.md``
            allows a committed per-dataset config): ``{"standardize": bool,
            "extra_features": ["rdkit2d"], "ensemble_size": int, "encoder_params": {...},
            "head_params": {...}, "epochs": int}``. ``standardize`` and ``extra_features``
            apply to every model; the others (:data:`DEFAULT_MODEL_KEYS`) to the default
            model only: ``ensemble_size`` (default 1) members trained with torch seeds K,
            K+1, ..., hyper-parameters overriding the encoder's and the head's defaults, and
            an epoch budget overriding ``settings``.

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
    for dataset in datasets:
        cache: dict[Any, PreparedDataset] = {}
        for model in models:
            encoder = ENCODERS.get(model)
            for seed in seeds:
                path = run_file(out, dataset, model, seed)
                config = (configs or {}).get(dataset, {})
                settings_k = _fit_settings_of(config, model,
                                              FitSettings(**{**base.__dict__, "seed": seed}))
                if path.exists():
                    records.append(finished_run(path, config, model, settings_k))
                    continue
                wanted = _settings_of(config, model)
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
                own = config if model == DEFAULT_MODEL else {}
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
