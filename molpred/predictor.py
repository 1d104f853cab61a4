"""``molpred.load(path).predict(smiles)``: a trained model as a notebook-friendly object."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from molpred.data import default_smiles_column
from molpred.data.sdf import SDF_ERROR
from molpred.exceptions import InputError
from molpred.featurizers.featurize import featurize_smiles
from molpred.inference import predict_members, predict_with_embeddings, resolve_device
from molpred.models.checkpoint import load_model
from molpred.models.ensemble import Ensemble, members_of
from molpred.models.model import MoleculeModel
from molpred.pipeline.columns import (  # the report's names, re-exported
    LOWER_SUFFIX,
    SET_SUFFIX,
    STD_SUFFIX,
    UPPER_SUFFIX,
)
from molpred.pipeline.run import Predicted, RunOptions, concat_predicted, run_rows
from molpred.tasks import task_head
from molpred.trust.conformal import check_confidence
from molpred.trust.model import TRUST_JSON, TrustModel

ERROR_COLUMN = "error"
DEFAULT_SMILES_COLUMN = "smiles"
NON_FINITE = "the model produced a non-finite value (a diverged model?)"
"""The error of a row that was featurized but predicted as NaN or infinity."""


def error_column(input_columns: Sequence[str]) -> str:
    """Name of the error column: ``error``; if the input has one, ``molpred_error``; if it
    has that too, ``molpred_error_pred`` (and so on): never an input column's name."""
    taken = {str(c) for c in input_columns}
    return ERROR_COLUMN if ERROR_COLUMN not in taken else _free("molpred_error", "", taken)


class Predictor:
    """A loaded model that predicts from SMILES and returns tables aligned with the input.

    Args:
        model: The network (eval mode), or an :class:`~molpred.models.ensemble.Ensemble`.
        config: The parsed ``config.json`` of its directory.
        path: Where it was loaded from.
        trust: Calibration, conformal predictors and applicability domain fitted on the
            model's validation part (``None`` for models saved without them).

    Attributes:
        model: The network or ensemble, as given.
        config: The parsed ``config.json``, as given.
        path: Where the model was loaded from (``None`` for an in-memory model).
        tasks: Output column names: the task names, or for a multiclass target one
            ``TARGET_pCLASS`` probability column per class.
        targets: The target names the model was trained on (the tasks, or the one
            multiclass target).
        classes: A multiclass target's class names, else ``None``.
        ensemble_size: Members (1 for a single model). Ensembles predict the members' mean
            and add a ``TASK_std`` column (the members' population standard deviation, ddof=0,
            same units) after each task column.
        task_type: ``"classification"`` (outputs are probabilities of class 1),
            ``"regression"`` (outputs in the dataset's units, see ``units``) or
            ``"multiclass"`` (class probabilities, then a ``TARGET`` column with the most
            probable class and, with ``confidence``, a ``TARGET_set`` column).
        units: Unit of the regression outputs, e.g. ``"log(mol/L)"`` for ESOL solubility;
            ``None`` for classification or when the training data gave no unit.
        trust: As given. With it, classification outputs are calibrated probabilities.
    """

    def __init__(self, model: MoleculeModel | Ensemble, config: dict, path: Path | None = None,
                 trust: TrustModel | None = None) -> None:
        self.model = model
        self.trust = trust
        self.ensemble_size = len(members_of(model))
        self.config = config
        self.path = path
        self.tasks: list[str] = list(model.config.outputs)
        self.targets: list[str] = list(model.config.tasks)
        self.classes: list[str] | None = getattr(model.config, "classes", None)
        self.task_type: str = model.config.task_type
        self.units: str | None = model.config.units

    def __repr__(self) -> str:
        return (f"Predictor(encoder={self.model.config.encoder!r}, tasks={len(self.tasks)}, "
                f"ensemble_size={self.ensemble_size}, task_type={self.task_type!r}, path={str(self.path)!r})")

    def output_columns(self, input_columns: Sequence[str]) -> list[str]:
        """Prediction column names: the task names, with ``_pred`` appended where an input
        column already has that name (e.g. when predicting on a labelled dataset)."""
        return [value for value, _ in self.prediction_columns(input_columns)]

    def prediction_columns(self, input_columns: Sequence[str]) -> list[tuple[str, str | None]]:
        """``(value column, spread column)`` per task; the spread column (``TASK_std``) is
        ``None`` for a single model.

        No name is an input column's: where ``TASK`` (or ``TASK_std``) is taken, ``_pred``
        is added before the suffix (``TASK_pred``, ``TASK_pred_std``), as often as needed.
        """
        taken = {str(c) for c in input_columns}
        names = []
        for task in self.tasks:
            value = _free(task, "", taken)
            spread = None
            if self.ensemble_size > 1:
                spread = value + STD_SUFFIX
                if spread in taken:
                    spread = _free(f"{task}_pred", STD_SUFFIX, taken)
            taken.update(n for n in (value, spread) if n is not None)
            names.append((value, spread))
        return names

    def predict(
        self,
        molecules: str | Sequence[str] | pd.Series | pd.DataFrame,
        smiles_col: str | None = None,
        batch_size: int | None = None,
        device: str = "auto",
        workers: int | None = None,
        precision: str = "fp32",
        confidence: float | None = None,
        domain: bool = True,
        alerts: bool = True,
    ) -> pd.DataFrame:
        """Predict every task for every molecule.

        Args:
            molecules: One SMILES, a list/Series of SMILES, or a DataFrame with a SMILES
                column (``smiles_col``, used for DataFrames only; default:
                :func:`~molpred.data.formats.default_smiles_column`).
            batch_size: Molecules per forward pass (default: 32 on the CPU, where a small
                batch stays in the core's caches; 256 on a GPU).
            device: ``auto``, ``cpu`` or ``cuda``.
            workers: Featurization processes (default: all cores for large inputs).
            precision: ``fp32`` (exact) or ``bf16`` (faster on CPUs with AVX-512 BF16/AMX
                and recent GPUs; see :data:`molpred.names.INFERENCE_PRECISIONS`).
            confidence: Add conformal prediction sets (classification, ``TASK_set``) or
                intervals (regression, ``TASK_lower``/``TASK_upper``) that hold the truth
                with this probability, e.g. 0.9 (models with :attr:`trust` only).
            domain: Add the applicability-domain columns ``max_similarity`` (max Tanimoto,
                ECFP4, to the training molecules), ``embedding_distance``,
                ``expected_error`` (relative: 1.0 = a typical validation error; see
                :mod:`molpred.trust.error_model`) and ``in_domain`` (models with
                :attr:`trust` only).
            alerts: Add an ``alerts`` column: PAINS, Brenk and NIH structural alerts
                (:mod:`molpred.chem.alerts`), ``"; "``-separated.

        Returns:
            A DataFrame with one row per input row, in input order: the input columns (a
            ``smiles`` column for list input), one float column per task (probability of
            class 1, calibrated on validation molecules when the model has :attr:`trust`,
            or the value in the dataset's units; NaN when the row failed), for ensembles a
            ``TASK_std`` column after each task column (then ``TASK_set`` or
            ``TASK_lower``/``TASK_upper`` with ``confidence``), the domain and alert
            columns asked for, and ``error`` (``""`` when fine, else why RDKit rejected the
            row; for an SDF record RDKit could not read, the reason the reader gave in
            ``input_error``).

        Raises:
            InputError: if ``smiles_col`` is not a column of the DataFrame, the DataFrame has
                no columns, ``device`` is unknown or unavailable (``cuda`` without a GPU),
                ``precision`` is unknown, ``confidence`` is not between 0 and 1, or
                ``MOLPRED_NUM_WORKERS`` is not a whole number. A SMILES RDKit cannot read is
                not an error: its row says why in ``error``.
        """
        if confidence is not None:
            check_confidence(confidence)
        frame, column = _as_frame(molecules, smiles_col)
        options = RunOptions(batch_size, device, precision, confidence, domain, alerts)
        return self.report(frame, self.run_rows(frame[column].tolist(), options, workers))

    def run_rows(self, smiles: Sequence[object], options: RunOptions,
                 workers: int | None = None) -> Predicted:
        """The pipeline's stages 1-3 for ``smiles`` (:func:`molpred.pipeline.run.run_rows`);
        :meth:`report` makes the table. The screen engine and its pool workers call this (and
        :meth:`concat`, :meth:`report`) on a model or a :class:`~molpred.panel.runner.Panel`
        alike."""
        return run_rows(self, smiles, options, workers)

    def concat(self, parts: Sequence[Predicted]) -> Predicted:
        """Join :meth:`run_rows` results of consecutive slices, in order."""
        return concat_predicted(parts, len(self.tasks))

    def report(self, frame: pd.DataFrame, predicted: Predicted) -> pd.DataFrame:
        """The output table of ``frame`` (N input rows) and the pipeline's
        :class:`~molpred.pipeline.run.Predicted` for them (N rows): :meth:`table` with the
        trust columns, then the drug-likeness columns when there are any."""
        out = self.table(frame, predicted.values, predicted.spread, predicted.errors,
                         predicted.extra)
        if predicted.druglike is not None:
            out = pd.concat([out, predicted.druglike.set_axis(out.index)], axis=1)
        return out

    def embed(
        self, molecules: str | Sequence[str] | pd.Series | pd.DataFrame,
        smiles_col: str | None = None, batch_size: int | None = None, device: str = "auto",
        workers: int | None = None, prefix: str = "emb_",
    ) -> pd.DataFrame:
        """The model's learned molecule embeddings, as features for your own models
        (scikit-learn, the tree models, clustering, a UMAP of a library).

        The embedding is what the encoder hands the prediction head: a network's molecule
        vector (D-MPNN: the sum of its atom states after message passing, Yang et al. 2019),
        the members' mean for an ensemble, the network part's for a blend (``auto``); it is
        also what the applicability domain measures distances in.

        Args:
            molecules, smiles_col, batch_size, device, workers: As for :meth:`predict`.
            prefix: Column prefix: ``emb_0``, ``emb_1``, ...

        Returns:
            A DataFrame, one row per input row in input order: the input columns (a
            ``smiles`` column for list input), H ``float32`` columns ``emb_0..emb_{H-1}``
            (NaN for a row that failed; their names in ``attrs["embedding_columns"]``) and
            ``error``.

        Raises:
            InputError: as for :meth:`predict`; for a tree model or a blend without a
                network part (their inputs, ECFP4 counts and RDKit descriptors, are features
                already: :func:`~molpred.featurizers.featurize.featurize_smiles`).
        """
        network = self.model
        if getattr(network, "family", None) == "blend":  # its network part, if it kept one
            network = network.network
        if not isinstance(network, (MoleculeModel, Ensemble)):
            raise InputError("embeddings come from a network; tree models (and blends that "
                             "kept no network) read ECFP4 counts and RDKit descriptors, "
                             "features already")
        frame, column = _as_frame(molecules, smiles_col)
        data, errors = featurize_smiles(frame[column].tolist(),
                                        network.config.featurizer_config, workers=workers,
                                        arrays=True)
        _, hidden = predict_with_embeddings(network, data, batch_size,
                                            resolve_device(device), embeddings=True)
        vectors = hidden.mean(axis=0)  # a failed row is NaN in every member
        names = [f"{prefix}{i}" for i in range(vectors.shape[1])]
        taken = {str(c) for c in frame.columns}
        names = [_free(n, "", taken) for n in names]
        out = pd.concat([frame, pd.DataFrame(vectors.astype(np.float32), columns=names)],
                        axis=1)
        out[error_column(frame.columns)] = _with_input_errors(frame, errors)
        out.attrs["embedding_columns"] = names
        return out

    def explain(self, smiles: str, task: str | int | None = None, method: str | None = None):
        """Atom attributions of one molecule for one task: ``method`` ``ig`` (Integrated
        Gradients), ``shap`` or ``lime`` (default: ``shap`` for tree models, ``ig``
        otherwise); see :func:`molpred.trust.explain.explain_smiles`.
        ``.draw("atoms.png")`` on the result draws them on the structure with a colour bar.
        Its ``prediction`` is the calibrated probability :meth:`predict` reports (when the
        model has :attr:`trust`; binary tasks); the attributions explain the uncalibrated
        one. For a multiclass target ``task`` names a class column (``TARGET_pCLASS``) and
        the prediction is that class's uncalibrated probability.

        Raises:
            InputError: for a model reading SMILES tokens (``cnn``), an unknown task or
                method, or an unreadable SMILES.
        """
        from molpred.trust.explain import explain_smiles

        explanation = explain_smiles(self.model, smiles, task, method=method)
        if self.trust is not None and self.trust.head.outputs_independent:
            j = self.tasks.index(explanation.task)  # the probability predict() reports
            row = np.full((1, len(self.tasks)), np.nan)
            row[0, j] = explanation.prediction
            explanation.prediction = float(self.trust.calibrated(row)[0, j])
        return explanation

    def predict_featurized(
        self, frame: pd.DataFrame, data: Sequence, errors: Sequence[str],
        batch_size: int | None = None, device: str = "auto", precision: str = "fp32",
    ) -> pd.DataFrame:
        """:meth:`predict` for rows already featurized with this model's featurizer; used by
        the streaming screen.

        Args:
            frame: The input rows, whose columns are copied to the output.
            data: One entry per row of ``frame``: a graph ``Data``, the array dict of
                :func:`~molpred.featurizers.featurize.mol_arrays`, or ``None`` for a row that
                failed.
            errors: One message per row, ``""`` for a featurized row.
            batch_size, device, precision: As for :meth:`predict`.

        Returns:
            The table :meth:`predict` returns, one row per row of ``frame``.

        Raises:
            InputError: for an unknown or unavailable ``device`` or an unknown ``precision``.
        """
        return self._assemble(frame.reset_index(drop=True), data, errors, batch_size, device,
                              precision)

    def _assemble(self, frame, data, errors, batch_size, device, precision="fp32") -> pd.DataFrame:
        members = predict_members(self.model, data, batch_size, resolve_device(device), precision)
        return self.table(frame, *self.summarize(members), errors)

    def summarize(self, members: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """``(values, spread)`` of member predictions ``float64 [M, N, T]``: both ``[N, T]``.

        ``values`` is the members' mean, calibrated (classification) when the model has
        :attr:`trust`; the spread is the population std of the members' (calibrated)
        predictions, ``None`` for a single model."""
        mean = members.mean(axis=0)
        if self.trust is None:
            return mean, (members.std(axis=0) if self.ensemble_size > 1 else None)
        spread = self.trust.member_spread(members)  # in the units of the value beside it
        return self.trust.calibrated(mean), spread

    def trust_columns(self, values: np.ndarray, spread: np.ndarray | None,
                      confidence: float | None, similarity: np.ndarray | None = None
                      ) -> dict[str, object]:
        """Conformal columns at ``confidence`` for :meth:`table`: ``{"TASK_set": [...]}``
        (classification) or ``{"TASK_lower": ..., "TASK_upper": ...}`` (regression); ``{}``
        without ``confidence`` or :attr:`trust`. ``similarity`` ``[N]``: the molecules' max
        ECFP4 similarity to the training set, which picks their bin where the conformal
        predictors are conditioned on it (``TrustModel.conformal == "similarity"``)."""
        if confidence is None or self.trust is None:
            return {}
        if self.trust.head.conformal_sets:  # one set column per target
            sets = self.trust.prediction_sets(values, confidence, similarity)
            return {target + SET_SUFFIX: s for target, s in zip(self.targets, sets, strict=True)}
        bounds = self.trust.intervals(values, spread, confidence, similarity)
        out: dict[str, object] = {}
        for j, task in enumerate(self.tasks):
            out[task + LOWER_SUFFIX], out[task + UPPER_SUFFIX] = bounds[:, j, 0], bounds[:, j, 1]
        return out

    def table(self, frame: pd.DataFrame, values: np.ndarray, spread: np.ndarray | None,
              errors: Sequence[str], extra: dict[str, object] | None = None) -> pd.DataFrame:
        """``frame`` (N rows) with the prediction columns (:meth:`prediction_columns`) filled
        from ``values`` and ``spread`` (``float64 [N, T]``), then ``extra`` columns (each N
        long; a ``TASK_...`` column is placed after its task's columns, under a name that no
        input column has), and the error column last."""
        out = frame.copy()
        # e.g. a multiclass target's most probable class, before its set
        extra = {**task_head(self.task_type).extra_columns(values, self.targets, self.classes),
                 **(extra or {})}
        taken = {str(c) for c in frame.columns}
        for j, (name, spread_name) in enumerate(self.prediction_columns(frame.columns)):
            out[name] = values[:, j]
            if spread is not None:
                out[spread_name] = spread[:, j]
            taken.update(n for n in (name, spread_name) if n is not None)
            task = self.tasks[j]
            suffixes = [x for x in (SET_SUFFIX, LOWER_SUFFIX, UPPER_SUFFIX) if task + x in extra]
            base = name
            while any(base + x in taken for x in suffixes):  # bounds keep one shared base
                base += "_pred"
            for suffix in suffixes:
                out[base + suffix] = _column(extra.pop(task + suffix), out.index)
                taken.add(base + suffix)
        for key, values_ in extra.items():
            column = _free(key, "", taken)
            out[column] = _column(values_, out.index)
            taken.add(column)
        out[error_column(frame.columns)] = _column(
            _with_input_errors(frame, with_non_finite(errors, values)), out.index)
        return out


def _column(values: object, index: pd.Index) -> object:
    """A column's values as given, except a list (text: sets, alerts, errors), which becomes
    an ``object`` Series, so that an empty table's text columns are text, not float64."""
    return pd.Series(values, index=index, dtype=object) if isinstance(values, list) else values


def with_non_finite(errors: Sequence[str], values: np.ndarray) -> list[str]:
    """``errors`` (one per row), with :data:`NON_FINITE` for each row without an error whose
    predictions (``float [N, T]``) hold a NaN or infinity."""
    finite = np.isfinite(values).all(axis=1)
    return [error or ("" if ok else NON_FINITE) for error, ok in zip(errors, finite, strict=True)]


def _with_input_errors(frame: pd.DataFrame, errors: Sequence[str]) -> list[str]:
    """``errors``, with the reader's own reason where it gave one: an SDF record RDKit could
    not read has an empty SMILES, and its ``input_error`` column says why (the valence
    problem, say), which is the reason to report rather than "empty SMILES"."""
    if SDF_ERROR not in frame.columns:
        return list(errors)
    given = frame[SDF_ERROR].tolist()
    return [reason if isinstance(reason, str) and reason else error
            for error, reason in zip(errors, given, strict=True)]


def _free(base: str, suffix: str, taken: set[str]) -> str:
    """``base + suffix``, with ``_pred`` added to ``base`` until it is not in ``taken``."""
    name = base + suffix
    while name in taken:
        base += "_pred"
        name = base + suffix
    return name


def _as_frame(
    molecules: str | Sequence[str] | pd.Series | pd.DataFrame, smiles_col: str | None
) -> tuple[pd.DataFrame, str]:
    if isinstance(molecules, pd.DataFrame):
        column = smiles_col or default_smiles_column(molecules.columns)
        if column not in molecules.columns:
            raise InputError(f"no SMILES column {column!r}; columns are {list(molecules.columns)}")
        return molecules.reset_index(drop=True), column
    if isinstance(molecules, str):
        molecules = [molecules]
    # object dtype: a string column backed by Arrow refuses text that is not valid UTF-8
    # (a lone surrogate), which must become that row's error, not crash the batch
    column = pd.Series(list(molecules), dtype=object)
    return pd.DataFrame({DEFAULT_SMILES_COLUMN: column}), DEFAULT_SMILES_COLUMN


def _check_trust(path: Path, trust: TrustModel, model) -> None:
    """Refuse trust files that belong to another model (task type, task count, members).

    Raises:
        ModelFileError: naming what disagrees.
    """
    from molpred.exceptions import ModelFileError

    tasks = len(model.config.outputs)
    problems = []
    if trust.task_type != model.config.task_type:
        problems.append(f"task type {trust.task_type!r} vs the model's {model.config.task_type!r}")
    if trust.classes != getattr(model.config, "classes", None):  # trees: none
        problems.append(f"classes {trust.classes} vs the model's "
                        f"{getattr(model.config, 'classes', None)}")
    if trust.platt.shape != (len(model.config.tasks), 2):
        problems.append(f"calibration for {trust.platt.shape[0] if trust.platt.ndim else 0} "
                        f"task(s) vs the model's {len(model.config.tasks)}")
    if not trust.embedding or len(trust.embedding) > len(members_of(model)):
        problems.append(f"{len(trust.embedding)} member embedding(s) for "
                        f"{len(members_of(model))} member(s)")
    values = trust.val.get("values")
    if values is None or values.ndim != 2 or values.shape[1] != tasks:
        problems.append("validation values of another shape")
    if problems:
        raise ModelFileError(f"{path}: its trust files do not belong to this model ("
                             + "; ".join(problems) + ")")


def load(path: str | Path) -> Predictor:
    """Load a trained model directory or a shipped panel model.

    Args:
        path: Directory written by ``molpred train`` / :func:`molpred.train`, or the name of
            a shipped model (``"tox21"``, see :func:`molpred.panel.shipped_models`).

    Returns:
        A :class:`Predictor` holding the model (or ensemble) in eval mode on the CPU;
        :meth:`Predictor.predict` moves it to the device it is asked for.

    Raises:
        ModelFileError: if the directory is missing (and no shipped model has that name),
            corrupt or not a molpred model (a pickled file is refused, never unpickled).
    """
    from molpred.panel import resolve_model

    path = resolve_model(path)
    model, config = load_model(path)
    trust = TrustModel.load(path)
    if trust is not None:
        _check_trust(path, trust, model)
    if trust is None:
        import warnings

        warnings.warn(f"{path} has no trust files ({TRUST_JSON}): its predictions come without "
                      "calibration, conformal sets and applicability domain", stacklevel=2)
    return Predictor(model, config, path, trust)
