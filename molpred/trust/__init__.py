"""How far to believe a prediction: ensembles' spread, calibration, conformal prediction,
applicability domain (see :mod:`molpred.trust.model`)."""
