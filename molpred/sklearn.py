"""``MolPredictor``: molpred as a scikit-learn-style estimator, for notebooks and pipelines.

    >>> from molpred import MolPredictor
    >>> est = MolPredictor(model="dmpnn", epochs=30).fit(smiles, y)
    >>> est.predict(new_smiles)            # float64 [N] (or [N, T] for several targets)
    >>> est.predict_proba(new_smiles)      # classification: float64 [N, 2]
    >>> est.save("runs/my_model")          # then molpred.load("runs/my_model") or -m runs/my_model

A scikit-learn estimator (``sklearn.base.BaseEstimator``; ``doc/developers/develop.rst``):
``__init__`` stores settings only, ``get_params``/``set_params``/``clone`` work, ``fit``
returns ``self`` and sets attributes ending in ``_``, predicting before ``fit`` raises
``NotFittedError``, ``score`` is accuracy (classification) or R² (regression) as in
scikit-learn's mixins, and ``classes_`` is set for one classification task, so
``cross_val_score``, ``GridSearchCV`` and ``Pipeline`` take it (``scoring="roc_auc"`` uses
``predict_proba``). ``X`` is a 1-D sequence of SMILES (a list, array or Series), as text
estimators take documents. :class:`MolClassifier` and :class:`MolRegressor` fix the task type,
so scikit-learn also knows it before ``fit`` (stratified folds for a classifier).

Outputs are aligned with the input rows (an unreadable SMILES gives NaN, or raises with
``on_invalid="raise"``).

Which of scikit-learn's own estimator checks apply is stated in
``tests/integration/test_sklearn_estimator.py``: its generic data checks feed float matrices,
which are not molecules; SMILES versions of the ones that matter run there instead.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from molpred.exceptions import InputError
from molpred.names import DEFAULT_MODEL
from molpred.tasks import HEADS, BinaryHead, task_head


class NotFittedYet(InputError, NotFittedError):
    """Predicting before ``fit``: a molpred :class:`InputError` and scikit-learn's
    ``NotFittedError`` (what ``sklearn.utils.validation.check_is_fitted`` raises)."""


class MolPredictor(BaseEstimator):
    """Train a molpred model on SMILES and labels; predict like a scikit-learn estimator.

    Args:
        model: Encoder: ``dmpnn`` (default), ``gin``, ``gat``, ``attentivefp``, ``gcn``,
            ``transformer``, ``cnn`` or ``mlp``.
        task_type: ``classification``, ``regression`` or ``None`` (guessed: 0/1 labels ->
            classification).
        epochs: Maximum epochs (early stopping on the validation part).
        ensemble_size: Members of a deep ensemble (spread in ``predict_frame``'s ``_std``).
        val_fraction: Share of the molecules held out, by Bemis-Murcko scaffold, for early
            stopping, calibration, conformal prediction and the applicability domain.
        seed: Random seed.
        device: ``auto``, ``cpu`` or ``cuda``.
        on_invalid: ``"nan"`` (an unreadable SMILES predicts NaN) or ``"raise"``.

    Attributes (after ``fit``):
        predictor_: The trained :class:`~molpred.predictor.Predictor`.
        tasks_: Target names.
        task_type_: ``classification``, ``regression`` or ``multiclass`` (a classifier
            fitted on one target with more than two classes).
        classes_: ``int64 [2]`` ``[0, 1]`` for one classification task (scikit-learn's
            convention; scorers such as ``roc_auc`` read it), the sorted class labels of a
            multiclass target; absent otherwise.
        metrics_: Validation scores and training record (:class:`molpred.training.api.TrainResult`).
    """

    def __init__(self, model: str = DEFAULT_MODEL, task_type: str | None = None,
                 epochs: int = 50, ensemble_size: int = 1, val_fraction: float = 0.1,
                 seed: int = 0, device: str = "auto", on_invalid: str = "nan") -> None:
        self.model = model
        self.task_type = task_type
        self.epochs = epochs
        self.ensemble_size = ensemble_size
        self.val_fraction = val_fraction
        self.seed = seed
        self.device = device
        self.on_invalid = on_invalid

    def __sklearn_tags__(self):
        """scikit-learn's tags: a classifier or regressor when ``task_type`` says so; input
        is a 1-D sequence of SMILES strings (so scikit-learn's float-matrix checks skip it);
        several targets allowed (missing labels: NaN)."""
        tags = super().__sklearn_tags__()
        if self.task_type in HEADS:
            tags.estimator_type = HEADS[self.task_type].sklearn_type
        tags.input_tags.two_d_array = False
        tags.input_tags.one_d_array = True
        tags.input_tags.string = True
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.target_tags.two_d_labels = True
        return tags

    def score(self, smiles: Sequence[str], y, sample_weight=None) -> float:
        """scikit-learn's default score: mean accuracy (classification, at probability 0.5)
        or R² (regression) over the rows with a prediction and a label; for several tasks
        the mean over tasks. (Use ``scoring="roc_auc"`` in ``cross_val_score`` for ROC-AUC.)

        Raises:
            NotFittedYet: before ``fit``.
        """
        from sklearn.metrics import accuracy_score, r2_score

        predicted = np.asarray(self.predict(smiles), dtype=np.float64).reshape(len(smiles), -1)
        truth = _label_frame(y).to_numpy(dtype=np.float64).reshape(len(smiles), -1)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        scores = []
        for t in range(truth.shape[1]):
            ok = ~np.isnan(truth[:, t]) & ~np.isnan(predicted[:, t])
            w = None if weights is None else weights[ok]
            metric = accuracy_score if task_head(self.task_type_).probabilities else r2_score
            scores.append(metric(truth[ok, t], predicted[ok, t], sample_weight=w))
        return float(np.mean(scores))

    def fit(self, smiles: Sequence[str] | pd.Series, y: Sequence | np.ndarray | pd.Series |
            pd.DataFrame) -> MolPredictor:
        """Train on SMILES and labels.

        Args:
            smiles: N SMILES.
            y: ``[N]`` or ``[N, T]`` labels (0/1 or values; NaN = missing). A DataFrame's or
                Series' column names become the task names, else ``y`` / ``y0, y1, ...``.

        Returns:
            ``self``.

        Raises:
            InputError: for mismatched lengths, an unknown ``on_invalid``, or what
                :func:`molpred.train` raises (too few molecules, labels not fitting
                ``task_type``, ...).
        """
        from molpred.predictor import Predictor
        from molpred.training.api import train

        if self.on_invalid not in ("nan", "raise"):
            raise InputError(f"on_invalid must be 'nan' or 'raise', not {self.on_invalid!r}")
        labels = _label_frame(y)
        smiles = list(smiles)
        if len(smiles) != len(labels):
            raise InputError(f"{len(smiles)} SMILES but {len(labels)} labels")
        if self.on_invalid == "raise":
            self._check_valid(smiles)
        table = pd.concat([pd.DataFrame({"smiles": smiles}), labels], axis=1)
        task_type = self.task_type
        if task_type is not None and isinstance(task_head(task_type), BinaryHead) and \
                labels.shape[1] == 1 and \
                labels.iloc[:, 0].dropna().nunique() > 2:  # a classifier takes C classes
            task_type = "multiclass"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "train.csv"
            table.to_csv(path, index=False)
            result = train(path, targets=list(labels.columns), task_type=task_type,
                           model=self.model, epochs=self.epochs,
                           ensemble_size=self.ensemble_size, seed=self.seed,
                           device=self.device, split="scaffold",
                           split_sizes=(1 - self.val_fraction, self.val_fraction, 0.0),
                           workers=1)
        self.tasks_ = list(result.model.config.tasks)
        self.task_type_ = result.model.config.task_type
        classes = task_head(self.task_type_).sklearn_classes(len(self.tasks_),
                                                             result.model.config.classes)
        if classes is not None:
            self.classes_ = classes
        elif hasattr(self, "classes_"):
            del self.classes_
        self.metrics_ = result.metrics
        self.predictor_ = Predictor(result.model, {}, None, result.trust)
        return self

    def predict_frame(self, smiles: Sequence[str] | str, confidence: float | None = 0.9
                      ) -> pd.DataFrame:
        """The full table of :meth:`molpred.predictor.Predictor.predict` (values, spread,
        conformal sets/intervals, applicability domain, alerts, error)."""
        self._check_fitted()
        return self.predictor_.predict(smiles, device=self.device, confidence=confidence,
                                       workers=1)

    def _values(self, smiles) -> np.ndarray:
        self._check_fitted()
        smiles = [smiles] if isinstance(smiles, str) else list(smiles)
        if self.on_invalid == "raise":
            self._check_valid(smiles)
        frame = self.predictor_.predict(smiles, device=self.device, domain=False, alerts=False,
                                        workers=1)
        return frame[self.predictor_.tasks].to_numpy(dtype=np.float64)  # [N, C] multiclass

    def predict(self, smiles: Sequence[str] | str) -> np.ndarray:
        """Predictions aligned with ``smiles``.

        Returns:
            ``float64 [N]`` for one task, ``[N, T]`` for several: values in the labels' units
            (regression), class labels 0/1 at probability 0.5 (classification) or the most
            probable of ``classes_`` (multiclass); NaN for an unreadable SMILES (with
            ``on_invalid="nan"``).

        Raises:
            InputError: before ``fit``, or for an unreadable SMILES with ``on_invalid="raise"``.
        """
        values = self._values(smiles)  # refuses an unfitted estimator first
        values = task_head(self.task_type_).sklearn_predict(values, getattr(self, "classes_", None))
        return values[:, 0] if values.shape[1] == 1 else values

    def predict_proba(self, smiles: Sequence[str] | str) -> np.ndarray | list[np.ndarray]:
        """Calibrated class probabilities (classification only).

        Returns:
            ``float64 [N, 2]`` (columns: class 0, class 1) for one task; for several tasks a
            list of such arrays, one per task (scikit-learn's multi-output convention); for a
            multiclass target ``[N, C]`` in the order of ``classes_``. NaN rows for
            unreadable SMILES.

        Raises:
            InputError: before ``fit``, for a regression model, or for an unreadable SMILES
                with ``on_invalid="raise"``.
        """
        self._check_fitted()
        head = task_head(self.task_type_)
        if not head.probabilities:
            raise InputError("predict_proba needs a classification model; use predict")
        values = self._values(smiles)
        if not head.outputs_independent:  # one target's C class probabilities
            return values
        per_task = [np.stack([1 - values[:, t], values[:, t]], axis=1)
                    for t in range(values.shape[1])]
        return per_task[0] if len(per_task) == 1 else per_task

    def save(self, directory: str | Path) -> Path:
        """Save as a molpred model directory (``molpred.load(directory)``, ``-m directory``).

        Raises:
            InputError: before ``fit``.
        """
        from molpred.models.checkpoint import save_model

        self._check_fitted()
        out = save_model(self.predictor_.model, directory, training={"estimator": self.get_params()},
                         metrics=self.metrics_)
        if self.predictor_.trust is not None:
            self.predictor_.trust.save(out)
        return out

    def _check_fitted(self) -> None:
        if not hasattr(self, "predictor_"):
            raise NotFittedYet(f"this {type(self).__name__} is not fitted yet: call "
                               "fit(smiles, y) first")

    def _check_valid(self, smiles: Sequence[str]) -> None:
        from molpred.chem.parse import parse_smiles

        for row, text in enumerate(smiles):
            mol, error = parse_smiles(text)
            if mol is None:
                raise InputError(f"row {row} ({text!r}): {error}")


class _FixedTask(MolPredictor):
    """A :class:`MolPredictor` whose task type is its class's (a class attribute, so neither
    a parameter nor set in ``__init__``, as scikit-learn requires); subclasses name it."""

    def __init__(self, model: str = DEFAULT_MODEL, epochs: int = 50, ensemble_size: int = 1,
                 val_fraction: float = 0.1, seed: int = 0, device: str = "auto",
                 on_invalid: str = "nan") -> None:
        self.model = model
        self.epochs = epochs
        self.ensemble_size = ensemble_size
        self.val_fraction = val_fraction
        self.seed = seed
        self.device = device
        self.on_invalid = on_invalid


class MolClassifier(_FixedTask):
    """:class:`MolPredictor` for 0/1 labels: ``task_type`` is ``classification``, so
    scikit-learn treats it as a classifier before ``fit`` (stratified folds, ``roc_auc``).

    Args: as :class:`MolPredictor`, without ``task_type``.
    """

    task_type = "classification"


class MolRegressor(_FixedTask):
    """:class:`MolPredictor` for measured values: ``task_type`` is ``regression``.

    Args: as :class:`MolPredictor`, without ``task_type``.
    """

    task_type = "regression"


def _label_frame(y) -> pd.DataFrame:
    if isinstance(y, pd.DataFrame):
        labels = y.reset_index(drop=True).astype(np.float64)
        labels.columns = [str(c) for c in labels.columns]  # task names are text (CSV headers)
        return labels
    if isinstance(y, pd.Series):
        return pd.DataFrame({str(y.name) if y.name is not None else "y":
                             y.to_numpy(dtype=np.float64)})
    values = np.asarray(y, dtype=np.float64)
    if values.ndim == 1:
        return pd.DataFrame({"y": values})
    return pd.DataFrame(values, columns=[f"y{t}" for t in range(values.shape[1])])
