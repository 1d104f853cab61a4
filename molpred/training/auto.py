"""``--model auto``: candidate families compared, chosen and blended by K-fold cross-validation
on train+val; the test part is predicted once, at the end, by the chosen model.

The rule (written before any test prediction of the benchmark was made; ``docs/auto.md``):

1. Train+val rows are cut into K scaffold folds (:func:`~molpred.training.folds.scaffold_folds`,
   K = 3 by default). Every candidate is fitted K times, each time on K-1 folds, and predicts
   the fold it did not see: out-of-fold (OOF) predictions for every train+val molecule.
2. Candidates: the D-MPNN (plain defaults), gradient-boosted trees and a random forest (both on
   ECFP4 counts + RDKit 2D descriptors, :mod:`molpred.models.trees`); on train+val sets of at
   most :data:`PRETRAINED_MAX_MOLECULES` molecules also the D-MPNN fine-tuned from the shipped
   pretrained backbone ``molpred-base`` (:data:`PRETRAINED_CANDIDATE`; version 3 of the rule).
3. The D-MPNN's epoch count is chosen by cross-validation: every fold keeps its weights after
   each epoch; E* maximizes the fold-averaged validation score (over the epochs every fold
   ran), and every fold model takes its epoch-E* weights. One epoch count chosen on all K
   folds replaces K early stops on small, noisy validation parts.
4. One tree family per dataset: the one with the better mean OOF score over tasks; likewise one
   network (from scratch or pretrained; ties go to the network from scratch).
5. The network's share w of the blend ``w * D-MPNN + (1 - w) * trees`` is taken from
   :data:`WEIGHT_GRID` by OOF score: one dataset-level w (mean OOF score over tasks; ties go
   to the w nearest 0.5), and a task's own w only where its OOF labels can carry it
   (:data:`MIN_TASK_MINORITY` molecules of the rarer class, :data:`MIN_TASK_ROWS` values for
   regression); other tasks take the dataset-level w.
6. The saved model is the blend of the K fold models of each part (a part with weight 0 on
   every task is dropped). Calibration, conformal sets and the domain thresholds are fitted
   on the OOF predictions (:func:`~molpred.training.trust.fit_cross_trust`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from molpred.exceptions import InputError, TrainingError
from molpred.featurizers.featurize import FeaturizerConfig
from molpred.inference import predict_members
from molpred.models.blend import BlendModel
from molpred.models.checkpoint import save_model
from molpred.models.ensemble import Ensemble
from molpred.models.model import ModelConfig
from molpred.models.trees.model import OutOfTime, TreeModel, fit_tree_model, vectors
from molpred.names import DEFAULT_MODEL, VECTOR_FEATURES
from molpred.predictor import NON_FINITE
from molpred.training.evaluate import label_prior, predict_part
from molpred.training.fit import FitSettings, check_settings, fit_model
from molpred.training.folds import scaffold_folds
from molpred.training.metrics import HIGHER_IS_BETTER, METRICS, score_predictions
from molpred.training.prepare import (
    PreparedDataset,
    describe_tasks,
    prepare_dataset,
)
from molpred.training.settings import TrainSettings
from molpred.training.splitting import resolve_split
from molpred.training.trust import fit_cross_trust, trust_report

WEIGHT_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
"""Network shares the blend may take (0 = trees only, 1 = D-MPNN only)."""
TREE_FAMILIES = ("gbdt", "rf")
PRETRAINED_CANDIDATE = "dmpnn_pretrained"
"""The D-MPNN candidate whose encoder starts from a pretrained backbone."""
NETWORK_FAMILIES = (DEFAULT_MODEL, PRETRAINED_CANDIDATE)
DEFAULT_BACKBONE = "molpred-base"
PRETRAINED_MAX_MOLECULES = 3000
"""By default the pretrained candidate joins only when train+val has at most this many
molecules (transfer learning is for scarce data; above this it would double the network's
cost). ``pretrained=NAME`` asks for it at any size, ``pretrained="none"`` never."""
MIN_TASK_MINORITY = 30
"""A classification task gets its own blend weight only with this many OOF molecules of its
rarer class (a ROC-AUC over fewer moves by several hundredths with a few molecules)."""
MIN_TASK_ROWS = 200
"""A regression task gets its own blend weight only with this many OOF values."""
DEFAULT_FOLDS = 3
DEFAULT_TIME_BUDGET = 3600.0
"""Seconds ``auto`` may take by default; the D-MPNN folds share what the trees leave."""
TREE_SHARE = 0.25
"""The share of the time budget each tree family may take for its K folds, each fold an equal
part of what is left: a family is dropped as soon as its first boosters project its fold past
that (:func:`~molpred.models.trees.model.fit_tree_model`), or when the time is out (a file of
hundreds of tasks would otherwise spend hours in the trees before any network). The first
tree family is exempt when no network could run in the rest of the budget (a model must come
out). The shared datasets' trees took at most 8 % of the default budget (HIV's random forest,
288 s)."""
MIN_NETWORK_SECONDS = 30.0
"""Below this much budget per fold the D-MPNN is not tried (it would not learn)."""


def train_auto(
    data: str | Path,
    settings: TrainSettings | None = None,
    candidates: Sequence[str] = (*NETWORK_FAMILIES, *TREE_FAMILIES),
) -> Any:
    """Train ``auto`` on a dataset (see the module docstring for the rule).

    A multiclass target never reaches this function: :func:`molpred.train` trains it as
    an ensemble of ``folds`` D-MPNNs (the tree candidates and the blend take binary and
    regression tasks) and says so.

    Args:
        data: A MoleculeNet name or a CSV/TSV/SMI/SDF/Parquet file.
        settings: :func:`molpred.train`'s grouped settings
            (:class:`~molpred.training.settings.TrainSettings`). ``auto`` reads:
            ``data`` (columns, task type); ``split`` (cross-validation runs on train+val,
            test is scored once); ``optim.epochs`` (the D-MPNN epoch budget per fold,
            default 50), ``batch_size``, ``lr``, ``seed``, ``encoder_lr_ratio`` and
            ``freeze_encoder`` (the pretrained candidate's, as :class:`FitSettings` has them);
            ``model.standardize`` (``True``/``False``: standardize or take the molecules as
            given; ``None``, the default: chosen by cross-validation,
            :func:`choose_standardization`); ``model.pretrained`` (the backbone the
            ``dmpnn_pretrained`` candidate starts from, ``molpred-base`` or a folder,
            :mod:`molpred.pretraining.backbone`, then competing at any data size; ``None``:
            ``molpred-base``, only on train+val sets of at most
            :data:`PRETRAINED_MAX_MOLECULES` molecules; ``"none"``: no pretrained
            candidate); ``auto.time_budget`` (seconds for the whole search, default
            :data:`DEFAULT_TIME_BUDGET`: the D-MPNN folds stop early to stay within it, and
            are skipped when under :data:`MIN_NETWORK_SECONDS` per fold remain after the
            trees) and ``auto.folds`` (K, at least 2); ``run.out``, ``device``, ``workers``,
            ``featurize_progress`` (called with the molecules featurized so far) and
            ``progress_message`` (called with one line per finished step). The rest is not
            used by ``auto``.
        candidates: Families to compare (default: dmpnn, dmpnn_pretrained, gbdt, rf; the
            pretrained one only as ``model.pretrained`` says).

    Returns:
        A :class:`~molpred.training.api.TrainResult`; ``metrics["auto"]`` holds the OOF score
        of every candidate per task, the chosen tree family, weights and epoch count.

    Raises:
        InputError: bad settings, too few scaffolds for ``folds``, or an unknown candidate.
        DatasetError: as :func:`molpred.train`.
        TrainingError: if the chosen model predicts NaN or infinity.
    """
    from molpred.training.result import TrainResult

    s = settings or TrainSettings()
    smiles_col, targets, task_type = s.data.smiles_col, s.data.targets, s.data.task_type
    splits, split_key, split, split_sizes = (s.split.splits, s.split.split_key, s.split.split,
                                             s.split.split_sizes)
    epochs, batch_size, lr, seed = s.optim.epochs, s.optim.batch_size, s.optim.lr, s.optim.seed
    encoder_lr_ratio, freeze_encoder = s.optim.encoder_lr_ratio, s.optim.freeze_encoder
    standardize, pretrained = s.model.standardize, s.model.pretrained
    time_budget, folds = s.auto.time_budget, s.auto.folds
    out, device, workers = s.run.out, s.run.device, s.run.workers
    featurize_progress, progress_message = s.run.featurize_progress, s.run.progress_message
    say = progress_message or (lambda _msg: None)
    start = time.perf_counter()
    budget = DEFAULT_TIME_BUDGET if time_budget is None else float(time_budget)
    unknown = sorted(set(candidates) - {*NETWORK_FAMILIES, *TREE_FAMILIES})
    if unknown or not candidates:
        raise InputError(f"auto compares {', '.join((*NETWORK_FAMILIES, *TREE_FAMILIES))}; "
                         f"unknown: {unknown}")
    if folds < 2:
        raise InputError(f"auto needs at least 2 folds, not {folds}")
    if budget <= 0:
        raise InputError(f"the time budget must be positive, not {budget:g} s")
    asked = pretrained is not None and pretrained.lower() != "none"
    backbone = pretrained if asked else DEFAULT_BACKBONE
    fit = FitSettings(epochs=epochs or 50, batch_size=batch_size, lr=lr, seed=seed,
                      device=device, keep_every_epoch=True)
    tuned = replace(fit, pretrained=backbone, encoder_lr_ratio=encoder_lr_ratio,
                    freeze_encoder=freeze_encoder)
    check_settings(tuned)
    tuned_params = None
    if PRETRAINED_CANDIDATE in candidates and (pretrained is None or asked):
        # a missing or corrupt backbone fails before featurization
        from molpred.pretraining.backbone import fine_tune_encoder_params

        tuned_params = fine_tune_encoder_params(DEFAULT_MODEL, backbone, None)
    if splits is not None and not Path(splits).is_file():
        raise InputError(f"split file not found: {splits}")
    flags = (True, False) if standardize is None else (bool(standardize),)
    if len(flags) == 2:
        say("auto: featurizing the molecules twice, standardized and as given (step 0)")
    variants = {flag: prepare_dataset(data, FeaturizerConfig(graph=True, vector=VECTOR_FEATURES,
                                                             standardize=flag),
                                      smiles_col, targets, task_type, workers, featurize_progress)
                for flag in flags}
    prepared = variants[flags[0]]
    say(describe_tasks(prepared, task_type, named=targets is not None))
    parts = resolve_split(prepared, splits, split_key, split, split_sizes, seed)
    every = np.sort(np.concatenate([parts["train"], parts["val"]]).astype(np.int64))
    smiles = [s if isinstance(s, str) else "" for s in prepared.table.smiles]
    standardization = {"standardize": flags[0], "chosen_by": "given"}
    if len(flags) == 2:
        say(f"auto: step 0: gbdt on both featurizations ({folds} scaffold folds each) chooses "
            "standardized or as given")
        standardization = choose_standardization(
            variants, every, smiles, folds, seed,
            deadline=time.perf_counter() + TREE_SHARE * budget)
        prepared = variants[standardization["standardize"]]
        say(f"auto: {standardization['summary']}")
        if not standardization["standardize"]:  # the split of the molecules as given
            parts = resolve_split(prepared, splits, split_key, split, split_sizes, seed)
    variants.clear()  # the featurization not chosen is not kept
    pool, fold_rows = cross_validation_rows(prepared, parts, folds, seed)
    say(f"auto: {len(pool):,} train+val molecules in {folds} scaffold folds "
        f"({', '.join(str(len(f)) for f in fold_rows)}); test part: {len(parts.get('test', ())):,}")

    X_all, kept = vectors(prepared.data)
    position = np.full(len(prepared.data), -1, dtype=np.int64)
    position[kept] = np.arange(len(kept))
    oof: dict[str, np.ndarray] = {}
    fold_models: dict[str, list[Any]] = {}
    seconds: dict[str, float] = {}
    dropped: dict[str, str] = {}  # candidate -> why it is not compared (out of time)
    network_can_run = _network_can_run(candidates, budget, folds)
    for n, kind in enumerate(c for c in candidates if c in TREE_FAMILIES):
        t0 = time.perf_counter()
        last_resort = n == 0 and not network_can_run  # then a model must come from it
        try:
            oof[kind], fold_models[kind] = _cross_fit_trees(
                kind, prepared, X_all, position, pool, fold_rows, seed,
                deadline=None if last_resort else t0 + TREE_SHARE * budget)
        except OutOfTime as stop:
            seconds[kind] = round(time.perf_counter() - t0, 1)
            dropped[kind] = (f"{stop}, past its {TREE_SHARE * budget:.0f} s "
                             f"({TREE_SHARE:.0%} of the time budget)")
            say(f"auto: {kind} dropped: {dropped[kind]}")
            continue
        seconds[kind] = round(time.perf_counter() - t0, 1)
        say(f"auto: {kind} cross-validated in {seconds[kind]:.0f} s, OOF "
            f"{_mean_score(prepared, pool, oof[kind]):.4f}")
    networks = {DEFAULT_MODEL: (fit, None)} if DEFAULT_MODEL in candidates else {}
    if tuned_params is not None and (asked or len(pool) <= PRETRAINED_MAX_MOLECULES):
        networks[PRETRAINED_CANDIDATE] = (tuned, tuned_params)
    elif tuned_params is not None:
        say(f"auto: {PRETRAINED_CANDIDATE} not tried: {len(pool):,} train+val molecules, more than "
            f"{PRETRAINED_MAX_MOLECULES:,} (--from-pretrained {DEFAULT_BACKBONE} asks for it)")
    network_epochs: dict[str, int] = {}
    for n, (name, (fit_settings, params)) in enumerate(networks.items()):
        left = budget - (time.perf_counter() - start)
        # the networks still to run share what is left; when it cannot give each of them
        # MIN_NETWORK_SECONDS a fold, the later ones give way (decided again after this one)
        fitting = min(len(networks) - n, int(left / (folds * MIN_NETWORK_SECONDS)))
        if fitting < 1:
            dropped[name] = (f"{max(left, 0):.0f} s of the {budget:.0f} s budget left, under "
                             f"{MIN_NETWORK_SECONDS:.0f} s per fold")
            say(f"auto: {name} skipped: {dropped[name]}")
            continue
        share = left / fitting
        t0 = time.perf_counter()
        oof[name], fold_models[name], network_epochs[name], _ = _cross_fit_network(
            prepared, pool, fold_rows, fit_settings, share, say, params, name)
        seconds[name] = round(time.perf_counter() - t0, 1)
        say(f"auto: {name} cross-validated in {seconds[name]:.0f} s, epoch "
            f"{network_epochs[name] + 1} chosen, OOF {_mean_score(prepared, pool, oof[name]):.4f}")
    if not oof:  # every candidate dropped or skipped: the first tree family, without a limit
        kind = next((c for c in candidates if c in TREE_FAMILIES), None)
        if kind is None:
            raise InputError(f"no candidate of {list(candidates)} fitted within the "
                             f"{budget:g} s time budget; give --time-budget more seconds")
        say(f"auto: no candidate finished within the time budget; {kind} is fitted without "
            "a limit so that a model comes out")
        t0 = time.perf_counter()
        oof[kind], fold_models[kind] = _cross_fit_trees(kind, prepared, X_all, position, pool,
                                                       fold_rows, seed)
        seconds[kind] = round(time.perf_counter() - t0, 1)
        dropped.pop(kind, None)

    choice = choose_blend(prepared, pool, oof)
    network_epoch = network_epochs.get(choice["network_family"])
    say(f"auto: chose {choice['summary']}")
    model = _final_model(choice, fold_models)
    y_pool = prepared.y[pool].astype(np.float64)
    trust = fit_cross_trust(model, prepared, pool, fold_rows, choice["oof"], y_pool, device)
    prior = label_prior(prepared.y[pool], prepared.task_type)
    metrics: dict[str, Any] = {"cv": choice["cv_score"]}
    predictions = {}
    test = parts.get("test", np.zeros(0, dtype=np.int64))
    if len(test):
        frame = predictions["test"] = predict_part(model, prepared, test, prior, device)
        diverged = int((frame["error"] == NON_FINITE).sum())
        if diverged:
            raise TrainingError(f"auto's model predicts NaN or infinity for {diverged:,} test "
                                "molecules; nothing was saved")
        metrics["test"] = score_predictions(prepared.y[test], frame[prepared.tasks].to_numpy(),
                                            prepared.tasks, prepared.task_type)
        metrics["trust"] = trust_report(trust, model, prepared, test, device=device)
    metrics["val"] = choice["cv_score"]  # what the train table shows as "val": the CV score
    metrics.update(
        best_epoch=network_epoch or 0, epochs_run=(network_epoch or 0) + 1,
        train_seconds=round(time.perf_counter() - start, 2),
        rows={"train+val": int(len(pool)), "test": int(len(test))},
        invalid_rows=[i for i, d in enumerate(prepared.data) if d is None],
        invalid_reasons={str(i): prepared.errors[i] for i, d in enumerate(prepared.data)
                         if d is None},
        auto={"folds": [len(f) for f in fold_rows], "candidate_seconds": seconds,
              "standardize": {k: v for k, v in standardization.items() if k != "summary"},
              "network_epoch": network_epoch, "network_epochs": network_epochs,
              "time_budget": budget, "dropped": dropped,
              **{k: v for k, v in choice.items() if k != "oof"}},
    )
    model_dir = None
    if out is not None:
        training = {"model": "auto", "dataset": prepared.source, "seed": seed, "folds": folds,
                    "splits": str(splits) if splits else split,
                    "split_key": split_key if splits else None, "epochs": fit.epochs,
                    "batch_size": batch_size, "lr": lr, "time_budget": budget,
                    "pretrained": backbone if choice["network_family"] == PRETRAINED_CANDIDATE
                    else None,
                    "pretrained_candidate": backbone if PRETRAINED_CANDIDATE in networks else None}
        model_dir = save_model(model, out, training=training, metrics=metrics)
        trust.save(model_dir)
        (Path(model_dir) / "card.md").write_text(auto_card(prepared, metrics))
    return TrainResult(model, metrics, model_dir, predictions, trust)


AS_GIVEN_MARGIN_ROC_AUC = 0.01
"""Step 0: how much higher the mean OOF ROC-AUC of molecules as given must be to keep them."""
AS_GIVEN_MARGIN_RMSE = 0.02
"""Step 0: how much lower (relative) the mean OOF RMSE of molecules as given must be."""


def choose_standardization(variants: dict[bool, PreparedDataset], rows: np.ndarray,
                           smiles: Sequence[str], folds: int, seed: int,
                           deadline: float | None = None) -> dict[str, Any]:
    """Step 0 of the rule (``docs/auto.md``): standardize, unless the molecules as given
    cross-validate clearly better.

    ``gbdt`` is cross-fitted (within ``deadline``) on the scaffold folds of the train+val
    ``rows`` that both featurizations read, once per featurization; the molecules as given
    are kept when their mean OOF ROC-AUC is at least :data:`AS_GIVEN_MARGIN_ROC_AUC` higher, or their RMSE at
    least :data:`AS_GIVEN_MARGIN_RMSE` (relative) lower.

    Args:
        variants: ``{True: standardized, False: as given}`` featurizations of one dataset.
        rows: ``int64 [n]`` train+val row indices.
        smiles: The input SMILES per row (the scaffold folds are cut on them).
        folds, seed: As for :func:`train_auto`.
        deadline: A ``time.perf_counter()`` value (``auto``'s :data:`TREE_SHARE` of its time
            budget): each featurization's cross-fit may take half of what is left; if one
            would run past it, molecules are standardized (the default) and the summary says
            why.

    Returns:
        ``{"standardize": bool, "chosen_by": "cv" or "default", "cv_standardized": float,
        "cv_as_given": float, "summary": str}`` (NaN scores when not cross-validated).
    """
    both = rows[variants[True].valid[rows] & variants[False].valid[rows]]
    fold_rows = scaffold_folds(list(smiles), both, folds, seed)
    scores = {}
    for n, (flag, prepared) in enumerate(variants.items()):
        X_all, kept = vectors(prepared.data)
        position = np.full(len(prepared.data), -1, dtype=np.int64)
        position[kept] = np.arange(len(kept))
        now = time.perf_counter()
        try:
            oof, _ = _cross_fit_trees("gbdt", prepared, X_all, position, both, fold_rows, seed,
                                      deadline=None if deadline is None else
                                      now + (deadline - now) / (len(variants) - n))
        except OutOfTime as stop:
            reason = (f"step 0's gbdt {stop}, past its share of {TREE_SHARE:.0%} of the time "
                      "budget")
            return {"standardize": True, "chosen_by": "default", "cv_standardized": float("nan"),
                    "cv_as_given": float("nan"), "reason": reason,
                    "summary": f"molecules standardized (the default): {reason}"}
        scores[flag] = _mean_score(prepared, both, oof)
    if HIGHER_IS_BETTER[METRICS[variants[True].task_type]]:
        as_given = scores[False] >= scores[True] + AS_GIVEN_MARGIN_ROC_AUC
    else:
        as_given = scores[False] <= scores[True] * (1 - AS_GIVEN_MARGIN_RMSE)
    return {"standardize": not as_given, "chosen_by": "cv", "cv_standardized": scores[True],
            "cv_as_given": scores[False],
            "summary": (f"molecules {'as given' if as_given else 'standardized'} (gbdt OOF "
                        f"{scores[True]:.4f} standardized, {scores[False]:.4f} as given)")}


def _cross_fit_trees(kind: str, prepared: PreparedDataset, X_all: np.ndarray, position: np.ndarray,
                     pool: np.ndarray, fold_rows: list[np.ndarray], seed: int,
                     params: dict[str, Any] | None = None, deadline: float | None = None,
                     ) -> tuple[np.ndarray, list[TreeModel]]:
    """OOF predictions ``float64 [len(pool), T]`` of ``kind`` (LightGBM overrides ``params``)
    and its K fold models.

    Raises:
        OutOfTime: when ``deadline`` (a ``time.perf_counter()`` value) passes first, or the
            folds fitted so far project the rest past it.
    """
    oof = np.full((len(prepared.data), len(prepared.tasks)), np.nan)
    models = []
    begin = time.perf_counter()
    for k, held in enumerate(fold_rows):
        fit_rows = np.setdiff1d(pool, held)
        # each fold may take an equal part of what is left, so a slow family stops in fold 1
        started = time.perf_counter()
        fold_deadline = (None if deadline is None else
                         started + (deadline - started) / (len(fold_rows) - k))
        try:
            model = fit_tree_model(kind, X_all[position[fit_rows]], prepared.y[fit_rows],
                                   prepared.tasks, prepared.task_type, members=1, seed=seed + k,
                                   params=params, units=prepared.units,
                                   featurizer=_tree_featurizer(prepared),
                                   deadline=fold_deadline)
        except OutOfTime as stop:
            part = ("" if fold_deadline is None
                    else f" (its {max(0.0, fold_deadline - started):.0f} s)")
            raise OutOfTime(f"fold {k + 1} of {len(fold_rows)}{part}: {stop}") from None
        oof[held] = model.predict_matrix(X_all[position[held]])[0]
        models.append(model)
        now, left = time.perf_counter(), len(fold_rows) - k - 1
        each = (now - begin) / (k + 1)  # few boosters per fold: project by whole folds
        if deadline is not None and left and now + each * left > deadline:
            raise OutOfTime(f"{len(fold_rows)} folds would take about {each * len(fold_rows):.0f} "
                            f"s ({k + 1} took {now - begin:.0f} s)")
    return oof[pool], models


def _network_can_run(candidates: Sequence[str], budget: float, folds: int) -> bool:
    """Whether a network candidate would get :data:`MIN_NETWORK_SECONDS` per fold after
    the trees' share of ``budget``."""
    return (any(c in NETWORK_FAMILIES for c in candidates)
            and budget * (1 - TREE_SHARE) / folds >= MIN_NETWORK_SECONDS)


def _tree_featurizer(prepared: PreparedDataset) -> FeaturizerConfig:
    return FeaturizerConfig(graph=False, vector=prepared.featurizer.vector,
                            standardize=prepared.featurizer.standardize)


def _cross_fit_network(prepared: PreparedDataset, pool: np.ndarray, fold_rows: list[np.ndarray],
                       settings: FitSettings, seconds_left: float, say: Callable[[str], None],
                       encoder_params: dict[str, Any] | None = None, name: str = DEFAULT_MODEL,
                       ) -> tuple[np.ndarray, list[Any], int, list[float]]:
    """The D-MPNN on each fold; the epoch count chosen on the fold-averaged curve
    (``encoder_params``: overrides of its defaults, e.g. a pretrained backbone's; ``name``:
    the candidate's name in the progress lines).

    Returns:
        ``(oof [len(pool), T], fold models at epoch E*, E*, fold-averaged curve)``.
    """
    config = ModelConfig.build(DEFAULT_MODEL, prepared.tasks, prepared.task_type, encoder_params,
                               standardize=prepared.featurizer.standardize, units=prepared.units)
    fits = []
    start = time.perf_counter()
    for k, held in enumerate(fold_rows):
        left = seconds_left - (time.perf_counter() - start)
        per_fold = max(MIN_NETWORK_SECONDS, left / (len(fold_rows) - k))
        fit = fit_model(prepared, {"train": np.setdiff1d(pool, held), "val": held}, config,
                        replace(settings, seed=settings.seed + k, max_seconds=per_fold))
        fits.append(fit)
        say(f"auto: {name} fold {k + 1} of {len(fold_rows)}: {fit.epochs_run} epochs, "
            f"{fit.seconds:.0f} s, best fold score {fit.best_val_score:.4f}")
    higher = HIGHER_IS_BETTER[METRICS[prepared.task_type]]
    runs = min(len(f.val_scores) for f in fits)
    curve = np.nanmean([f.val_scores[:runs] for f in fits], axis=0)
    epoch = int(np.nanargmax(curve) if higher else np.nanargmin(curve))
    oof = np.full((len(prepared.data), len(prepared.tasks)), np.nan)
    models = []
    for fit, held in zip(fits, fold_rows, strict=True):
        fit.model.load_state_dict(fit.epoch_states[epoch])
        fit.model.eval()
        fit.epoch_states = None  # free the copies
        oof[held] = predict_members(fit.model, [prepared.data[i] for i in held])[0]
        models.append(fit.model)
    return oof[pool], models, epoch, curve.tolist()


def _task_scores(prepared: PreparedDataset, pool: np.ndarray, predictions: np.ndarray
                 ) -> np.ndarray:
    """Per-task OOF score ``float64 [T]`` (ROC-AUC or RMSE as ``score.py``; NaN where a task
    cannot be scored)."""
    scored = score_predictions(prepared.y[pool], predictions, prepared.tasks, prepared.task_type)
    return np.array([scored["tasks"].get(t, np.nan) for t in prepared.tasks], dtype=np.float64)


def _mean_score(prepared: PreparedDataset, pool: np.ndarray, predictions: np.ndarray) -> float:
    return float(np.nanmean(_task_scores(prepared, pool, predictions)))


def _task_has_support(y: np.ndarray, task_type: str) -> np.ndarray:
    """``bool [T]``: tasks whose OOF labels can carry a weight of their own."""
    from molpred.tasks import task_head

    return task_head(task_type).has_support(y, MIN_TASK_ROWS, MIN_TASK_MINORITY)


def cross_validation_rows(prepared: PreparedDataset, parts: dict[str, np.ndarray], folds: int,
                          seed: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """``(pool int64 [n], fold_rows)``: the train+val rows of ``parts`` that featurized (sorted)
    and their K = ``folds`` scaffold folds (:func:`~molpred.training.folds.scaffold_folds`
    with ``seed``), as ``auto`` cross-validates on them: what re-creates a saved model's
    out-of-fold rows (:func:`~molpred.training.trust.refit_cross_trust`)."""
    every = np.sort(np.concatenate([parts["train"], parts["val"]]).astype(np.int64))
    pool = every[prepared.valid[every]]
    smiles = [s if isinstance(s, str) else "" for s in prepared.table.smiles]
    return pool, scaffold_folds(smiles, pool, folds, seed)


def choose_blend(prepared: PreparedDataset, pool: np.ndarray, oof: dict[str, np.ndarray]
                 ) -> dict[str, Any]:
    """Apply the rule of the module docstring (steps 4-5) to OOF predictions.

    Args:
        prepared: The dataset (labels, tasks, task type).
        pool: ``int64 [n]`` the train+val rows the OOF predictions are of.
        oof: Candidate name -> ``float64 [n, T]`` OOF predictions.

    Returns:
        ``{"tree_family", "weights" [T] (network share), "dataset_weight", "per_task": {task:
        {candidate: OOF score, ..., "blend": score, "weight": w, "own_weight": bool}},
        "network_family" (the better of the networks, or None),
        "cv_score" (score_predictions dict of the chosen blend's OOF), "oof" [n, T],
        "summary"}``.
    """
    higher = HIGHER_IS_BETTER[METRICS[prepared.task_type]]
    sign = 1.0 if higher else -1.0
    trees = [c for c in TREE_FAMILIES if c in oof]
    tree_family = None
    if trees:
        tree_family = max(trees, key=lambda c: sign * _mean_score(prepared, pool, oof[c]))
    nets = [c for c in NETWORK_FAMILIES if c in oof]  # ties: the first (from scratch)
    network_family = None
    if nets:
        network_family = max(nets, key=lambda c: sign * _mean_score(prepared, pool, oof[c]))
    network = None if network_family is None else oof[network_family]
    T = len(prepared.tasks)
    if network is None or tree_family is None:
        only = network_family if network is not None else tree_family
        weight = 1.0 if network is not None else 0.0
        weights = np.full(T, weight)
        blend = oof[only]
        grid_scores = {weight: _task_scores(prepared, pool, blend)}
        dataset_weight = weight
    else:
        grid_scores = {w: _task_scores(prepared, pool, w * network + (1 - w) * oof[tree_family])
                       for w in WEIGHT_GRID}
        means = {w: sign * np.nanmean(s) for w, s in grid_scores.items()}
        best = max(means.values())
        dataset_weight = min((w for w, m in means.items() if np.isclose(m, best, atol=1e-12)),
                             key=lambda w: abs(w - 0.5))
        support = _task_has_support(prepared.y[pool], prepared.task_type)
        weights = np.full(T, dataset_weight)
        for t in np.flatnonzero(support):
            column = np.array([sign * grid_scores[w][t] for w in WEIGHT_GRID])
            if np.isfinite(column).any():
                top = np.nanmax(column)
                ties = [w for w, c in zip(WEIGHT_GRID, column, strict=True)
                        if np.isfinite(c) and np.isclose(c, top, atol=1e-12)]
                weights[t] = min(ties, key=lambda w: abs(w - dataset_weight))
        blend = weights * network + (1 - weights) * oof[tree_family]
    per_candidate = {c: _task_scores(prepared, pool, p) for c, p in oof.items()}
    blend_scores = _task_scores(prepared, pool, blend)
    support = _task_has_support(prepared.y[pool], prepared.task_type)
    per_task = {}
    for t, task in enumerate(prepared.tasks):
        per_task[task] = {**{c: _finite(s[t]) for c, s in per_candidate.items()},
                          "blend": _finite(blend_scores[t]), "weight": float(weights[t]),
                          "own_weight": bool(support[t]) and len(grid_scores) > 1}
    cv = score_predictions(prepared.y[pool], blend, prepared.tasks, prepared.task_type)
    summary = (f"network share {dataset_weight:g} (dataset), network {network_family}, "
               f"tree family {tree_family}, "
               f"{sum(v['own_weight'] for v in per_task.values())} task(s) with their own "
               f"share; CV {cv['metric']} {cv['score']:.4f}")
    return {"tree_family": tree_family, "network_family": network_family,
            "weights": weights.tolist(),
            "dataset_weight": float(dataset_weight),
            "dataset_scores": {str(w): _finite(np.nanmean(s)) for w, s in grid_scores.items()},
            "candidates": {c: _finite(np.nanmean(s)) for c, s in per_candidate.items()},
            "per_task": per_task, "cv_score": cv, "oof": blend, "summary": summary}


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _final_model(choice: dict[str, Any], fold_models: dict[str, list[Any]]) -> BlendModel:
    """The blend of the K fold models of each part that has weight somewhere."""
    weights = np.asarray(choice["weights"], dtype=np.float64)
    network = trees = None
    if (weights > 0).any():
        members = fold_models[choice["network_family"]]
        network = members[0] if len(members) == 1 else Ensemble(members)
    if (weights < 1).any():
        parts = fold_models[choice["tree_family"]]
        first = parts[0]
        trees = TreeModel(first.config, [p.members[0] for p in parts],
                          np.mean([p.descriptor_mean for p in parts], axis=0),
                          np.mean([p.descriptor_std for p in parts], axis=0))
    return BlendModel(network, trees, weights)


def auto_card(prepared: PreparedDataset, metrics: dict[str, Any]) -> str:
    """A Markdown model card: what won on which task and by what CV score."""
    auto = metrics["auto"]
    cv = metrics["cv"]
    lines = [f"# auto model: {prepared.name}", "",
             f"Chosen by {len(auto['folds'])}-fold scaffold cross-validation on train+val "
             f"({sum(auto['folds']):,} molecules; folds {auto['folds']}). Test was not used.", "",
             f"- network: **{auto.get('network_family') or '-'}**; tree family: "
             f"**{auto['tree_family']}**; D-MPNN epochs (chosen by CV): "
             f"{'-' if auto['network_epoch'] is None else auto['network_epoch'] + 1}",
             _standardization_line(auto.get("standardize", {})),
             f"- network share of the blend, dataset level: **{auto['dataset_weight']:g}**",
             f"- CV {cv['metric']} of the chosen blend: **{cv['score']:.4f}**; candidates alone: "
             + ", ".join(f"{c} {s:.4f}" for c, s in auto["candidates"].items() if s is not None),
             *(f"- {kind} not compared: {why}" for kind, why in auto.get("dropped", {}).items()),
             ""]
    if "test" in metrics:
        lines += [f"Test {metrics['test']['metric']} (predicted once, after the choice): "
                  f"{metrics['test']['score']:.4f}", ""]
    names = list(auto["candidates"])
    lines += ["| task | " + " | ".join(names) + " | blend | network share |",
              "|---|" + "---|" * (len(names) + 2)]
    for task, row in auto["per_task"].items():
        cells = ["-" if row.get(c) is None else f"{row[c]:.4f}" for c in names + ["blend"]]
        share = f"{row['weight']:g}" + ("" if row["own_weight"] else " (dataset)")
        lines.append(f"| {task} | " + " | ".join(cells) + f" | {share} |")
    return "\n".join(lines) + "\n"


def _standardization_line(step0: dict[str, Any]) -> str:
    """The card's line on step 0: standardized or as given, and why."""
    kept = "standardized" if step0.get("standardize", True) else "as given"
    if step0.get("chosen_by") == "default":
        return f"- molecules: **{kept}** (the default: {step0.get('reason', '')})"
    if step0.get("chosen_by") != "cv":
        return f"- molecules: **{kept}** (as asked)"
    return (f"- molecules: **{kept}** (gbdt OOF {step0['cv_standardized']:.4f} standardized, "
            f"{step0['cv_as_given']:.4f} as given)")
