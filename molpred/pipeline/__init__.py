"""One pipeline from input rows to a trusted prediction, run by ``predict``, ``screen``, the
panel and every executor (a process pool, Ray):

1. **prepare** (:mod:`~molpred.pipeline.prepare`): parse and standardize each SMILES once;
   one record per input row, its molecule or its error;
2. **features** (:mod:`~molpred.pipeline.features`): from those molecules, everything the
   later stages read: the model's inputs, the ECFP4 bits of the applicability domain, the
   structural alerts and the drug-likeness descriptors;
3. **inference and trust** (:mod:`~molpred.pipeline.run`): member predictions and
   embeddings, then calibration, ensemble spread, conformal sets or intervals and the
   applicability domain;
4. **report**: :meth:`molpred.predictor.Predictor.table`, the one place that names and
   orders the output columns.

Stages 1-3 hand on plain NumPy arrays and strings, so a process pool or a Ray actor runs
them on a slice of rows and sends back only numbers.
"""

from molpred.pipeline.features import FeatureRequest, RowFeatures, compute_features
from molpred.pipeline.prepare import Prepared, prepare
from molpred.pipeline.run import Predicted, RunOptions, predict_features, run_rows

__all__ = ["FeatureRequest", "Predicted", "Prepared", "RowFeatures", "RunOptions",
           "compute_features", "predict_features", "prepare", "run_rows"]
