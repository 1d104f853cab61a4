"""The settings a dataset card may recommend, checked when a card is read.

The structural check lives here, below both the dataset cards (:mod:`molpred.data.cards`)
and training (:mod:`molpred.training.recommended`, which also checks the hyper-parameter
names against the encoder, a check that needs torch), so that neither imports the other.
"""

from __future__ import annotations

from typing import Any

from molpred.names import EXTRA_FEATURES

CONFIG_KEYS = frozenset({"standardize", "extra_features", "ensemble_size", "encoder_params",
                         "head_params", "epochs", "why", "command"})
"""Keys a per-dataset config may hold: its settings, and why and how they were chosen."""


def settings_problem(config: Any) -> str | None:
    """What is wrong with a per-dataset config's structure, or ``None`` if nothing is.

    Checks that ``config`` is a JSON object of :data:`CONFIG_KEYS` with ``standardize`` a
    boolean, ``extra_features`` a list drawn from :data:`~molpred.names.EXTRA_FEATURES`,
    ``ensemble_size`` and ``epochs`` whole numbers >= 1, and ``encoder_params`` /
    ``head_params`` objects (their names are checked by
    :func:`molpred.training.recommended.config_problem`).
    """
    if not isinstance(config, dict) or not set(config) <= CONFIG_KEYS:
        unknown = sorted(set(config) - CONFIG_KEYS) if isinstance(config, dict) else []
        return (f"a config is a JSON object with keys among {sorted(CONFIG_KEYS)}"
                + (f"; unknown: {unknown}" if unknown else ""))
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
    for key in ("encoder_params", "head_params"):
        params = config.get(key, {})
        if not isinstance(params, dict):
            return f"{key} must be a JSON object of hyper-parameters, not {params!r}"
    return None
