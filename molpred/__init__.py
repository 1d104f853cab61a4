"""molpred: molecular property prediction for drug discovery.

Public API (imported lazily, so ``import molpred`` stays fast and never imports the CLI):

* :func:`molpred.train` — train a model on a MoleculeNet dataset or your own file (settings
  as keywords, or grouped in a :class:`molpred.TrainSettings`);
* :func:`molpred.load` — load a trained model directory or a shipped model (``"tox21"``),
  then ``.predict(smiles)`` / ``.explain(smiles, task)``;
* :func:`molpred.predict_panel` — every endpoint of the shipped panel in one table;
* :class:`molpred.MolPredictor`, :class:`~molpred.MolClassifier`,
  :class:`~molpred.MolRegressor` — scikit-learn estimators (``fit``/``predict``/``score``);
* :func:`molpred.screen` — stream a large compound library through a model;
* :func:`molpred.evaluate` — score a model on a split of a dataset.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "evaluate", "load", "screen", "train", "TrainSettings", "Predictor", "MolPredictor",
           "MolClassifier", "MolRegressor", "predict_panel", "show_grid"]

_LAZY = {
    "train": "molpred.training.api",
    "TrainSettings": "molpred.training.settings",
    "evaluate": "molpred.training.evaluate",
    "load": "molpred.predictor",
    "Predictor": "molpred.predictor",
    "screen": "molpred.screening.engine",
    "MolPredictor": "molpred.sklearn",
    "MolClassifier": "molpred.sklearn",
    "MolRegressor": "molpred.sklearn",
    "predict_panel": "molpred.panel.predict",
    "show_grid": "molpred.grid",
}

if TYPE_CHECKING:  # pragma: no cover
    from molpred.grid import show_grid
    from molpred.panel.predict import predict_panel
    from molpred.predictor import Predictor, load
    from molpred.screening.engine import screen
    from molpred.sklearn import MolClassifier, MolPredictor, MolRegressor
    from molpred.training.api import train
    from molpred.training.evaluate import evaluate
    from molpred.training.settings import TrainSettings


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'molpred' has no attribute {name!r}")
