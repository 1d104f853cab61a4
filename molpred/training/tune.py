"""``molpred tune``: hyper-parameter search with Optuna on a cross-validated objective.

The objective is the mean out-of-fold score over tasks (ROC-AUC maximized, RMSE minimized)
of K scaffold folds of train+val (:func:`~molpred.training.folds.scaffold_folds`), never the
test part. Optuna's TPE sampler (Akiba et al. 2019, "Optuna: A next-generation
hyperparameter optimization framework") proposes the settings; with ``storage`` every
finished trial is written to an Optuna journal file, so a killed search resumes where it
stopped when run again with the same file.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from molpred.exceptions import InputError
from molpred.featurizers.featurize import FeaturizerConfig
from molpred.names import DEFAULT_MODEL, TREE_MODELS, VECTOR_FEATURES

TUNABLE_MODELS = (*TREE_MODELS, DEFAULT_MODEL)


def _suggest(trial: Any, model: str) -> dict[str, Any]:
    """The search space of ``model`` (Optuna ``trial.suggest_*``)."""
    if model == "gbdt":
        return {"learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
                "num_iterations": trial.suggest_int("num_iterations", 100, 1000, log=True),
                "num_leaves": trial.suggest_int("num_leaves", 8, 128, log=True),
                "min_data_in_leaf": trial.suggest_int("min_data_in_leaf", 1, 50, log=True),
                "feature_fraction": trial.suggest_float("feature_fraction", 0.05, 0.6),
                "lambda_l2": trial.suggest_float("lambda_l2", 1e-3, 10.0, log=True)}
    if model == "rf":
        return {"num_leaves": trial.suggest_int("num_leaves", 64, 4096, log=True),
                "min_data_in_leaf": trial.suggest_int("min_data_in_leaf", 1, 20, log=True),
                "feature_fraction": trial.suggest_float("feature_fraction", 0.05, 0.5),
                "feature_fraction_bynode": trial.suggest_float("feature_fraction_bynode", 0.1, 1.0)}
    return {"hidden_size": trial.suggest_int("hidden_size", 100, 600, step=100),
            "depth": trial.suggest_int("depth", 2, 6),
            "dropout": trial.suggest_float("dropout", 0.0, 0.4, step=0.05),
            "lr": trial.suggest_float("lr", 1e-4, 3e-3, log=True)}


def tune(
    data: str | Path,
    *,
    model: str = "gbdt",
    trials: int = 20,
    folds: int = 3,
    storage: str | Path | None = None,
    study_name: str | None = None,
    seed: int = 0,
    smiles_col: str | None = None,
    targets: Sequence[str] | None = None,
    task_type: str | None = None,
    splits: str | Path | None = None,
    split_key: str = "seed0",
    split: str = "scaffold",
    epochs: int = 50,
    timeout: float | None = None,
    workers: int | None = None,
    progress_message: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Search ``model``'s settings by K-fold scaffold CV on train+val.

    Args:
        data: A MoleculeNet name or a molecule file with labels.
        model: ``gbdt``, ``rf`` or ``dmpnn``.
        trials: Trials to run in this call (a resumed study adds them to the ones stored).
        folds: K.
        storage: Optuna journal file that keeps every trial (resume by passing it again).
        study_name: Name of the study in ``storage`` (default ``DATA-MODEL``).
        seed: Seeds the sampler, the folds and the models.
        smiles_col, targets, task_type, splits, split_key, split: As :func:`molpred.train`;
            the test part of the split is left out of the search.
        epochs: D-MPNN epoch budget per fold.
        timeout: Stop starting trials after this many seconds.
        workers: Featurization processes.
        progress_message: Called with one line per finished trial.

    Returns:
        ``{"best_params", "best_score", "metric", "trials", "command"}``; ``command`` is the
        ``molpred train`` line that trains with the best settings.

    Raises:
        InputError: for a model that cannot be tuned, ``trials`` < 1 or bad split settings.
    """
    import optuna

    from molpred.training.auto import _cross_fit_trees, _mean_score
    from molpred.training.fit import FitSettings, fit_model
    from molpred.training.folds import scaffold_folds
    from molpred.training.metrics import HIGHER_IS_BETTER, METRICS
    from molpred.training.prepare import prepare_dataset
    from molpred.training.splitting import resolve_split

    model = model.lower()
    if model not in TUNABLE_MODELS:
        raise InputError(f"tune searches {', '.join(TUNABLE_MODELS)}; not {model!r}")
    if trials < 1:
        raise InputError(f"trials must be at least 1, not {trials}")
    say = progress_message or (lambda _m: None)
    trees = model in TREE_MODELS
    featurizer = (FeaturizerConfig(graph=False, vector=VECTOR_FEATURES) if trees
                  else FeaturizerConfig(graph=True))
    prepared = prepare_dataset(data, featurizer, smiles_col, targets, task_type, workers)
    from molpred.tasks import task_head

    if not task_head(prepared.task_type).trees and trees:
        raise InputError(f"--model {model} trains binary and regression tasks; tune a "
                         "multiclass target with --model dmpnn")
    parts = resolve_split(prepared, splits, split_key, split, seed=seed)
    pool = np.sort(np.concatenate([parts["train"], parts["val"]]).astype(np.int64))
    pool = pool[prepared.valid[pool]]
    smiles = [s if isinstance(s, str) else "" for s in prepared.table.smiles]
    fold_rows = scaffold_folds(smiles, pool, folds, seed)
    metric = METRICS[prepared.task_type]
    higher = HIGHER_IS_BETTER[metric]
    if trees:
        from molpred.models.trees.model import vectors

        X_all, kept = vectors(prepared.data)
        position = np.full(len(prepared.data), -1, dtype=np.int64)
        position[kept] = np.arange(len(kept))

    def objective(trial: Any) -> float:
        params = _suggest(trial, model)
        if trees:
            oof, _ = _cross_fit_trees(model, prepared, X_all, position, pool, fold_rows, seed,
                                      params=params)
            return _mean_score(prepared, pool, oof)
        from molpred.models.model import ModelConfig

        config = ModelConfig.build(DEFAULT_MODEL, prepared.tasks, prepared.task_type,
                                   {"hidden_size": params["hidden_size"], "depth": params["depth"],
                                    "dropout": params["dropout"]},
                                   standardize=prepared.featurizer.standardize,
                                   classes=prepared.classes)
        settings = FitSettings(epochs=epochs, lr=params["lr"], seed=seed)
        scores = [fit_model(prepared, {"train": np.setdiff1d(pool, held), "val": held}, config,
                            replace(settings, seed=seed + k)).best_val_score
                  for k, held in enumerate(fold_rows)]
        return float(np.mean(scores))

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    name = study_name or f"{Path(str(data)).name.split('.')[0]}-{model}"
    backend = None
    if storage is not None:
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        backend = JournalStorage(JournalFileBackend(str(storage)))
    done = 0  # a resumed study: its sampler must not draw the first trials' settings again
    if backend is not None:
        try:
            done = len(optuna.load_study(study_name=name, storage=backend).trials)
        except KeyError:  # no such study yet
            done = 0
    study = optuna.create_study(study_name=name, storage=backend, load_if_exists=True,
                                direction="maximize" if higher else "minimize",
                                sampler=optuna.samplers.TPESampler(seed=seed + done))

    def report(study: Any, trial: Any) -> None:
        say(f"tune: trial {trial.number + 1}: {metric} {trial.value:.4f} "
            f"(best {study.best_value:.4f}) {json.dumps(trial.params)}")

    study.optimize(objective, n_trials=trials, timeout=timeout, callbacks=[report])
    best = dict(study.best_params)
    return {"best_params": best, "best_score": float(study.best_value), "metric": metric,
            "trials": len(study.trials), "command": train_command(data, model, best)}


def train_command(data: str | Path, model: str, params: dict[str, Any]) -> str:
    """The ``molpred train`` command line that trains ``model`` with ``params``."""
    words = ["molpred", "train", str(data), "--model", model]
    if model in TREE_MODELS:
        words += ["--tree-params", json.dumps(params, sort_keys=True)]
    else:
        words += ["--hidden-size", str(params["hidden_size"]), "--depth", str(params["depth"]),
                  "--dropout", f"{params['dropout']:g}", "--lr", f"{params['lr']:.3g}"]
    return shlex.join(words)
