"""Names of the columns the pipeline adds beside the task columns (the report,
:meth:`molpred.predictor.Predictor.table`, places them)."""

STD_SUFFIX = "_std"
"""Suffix of the ensemble-spread column that follows each task column (``NR-AR_std``)."""
SET_SUFFIX = "_set"
"""Suffix of a classification task's conformal prediction-set column (``NR-AR_set``)."""
LOWER_SUFFIX, UPPER_SUFFIX = "_lower", "_upper"
"""Suffixes of a regression task's conformal interval columns."""
DOMAIN_COLUMNS = ("max_similarity", "embedding_distance", "expected_error", "in_domain")
"""Applicability-domain columns (see :mod:`molpred.trust.domain` and
:mod:`molpred.trust.error_model`: ``expected_error`` is relative, 1.0 = a typical
validation error, NaN for a model saved without an error model)."""
ALERTS_COLUMN = "alerts"
"""Structural alerts (:mod:`molpred.chem.alerts`), ``"; "``-separated."""
