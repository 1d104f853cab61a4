"""Per-dataset settings of the default model, chosen on validation data only.

``shared/BENCHMARKS.md`` allows hyper-parameters that are "the model's shipped defaults, or a
per-dataset config that is committed and chosen on val only". molpred keeps each such config
in its dataset's card (``datasets/NAME.json``, field ``recommended``), with ``why`` and by
which ``command`` it was chosen, so that ``molpred train tox21`` and ``molpred benchmark``
train the same default model. A config is a JSON object of :data:`CONFIG_KEYS`:

- ``standardize`` (bool) and ``extra_features`` (list of ``rdkit2d``/``rdkit2d_fast``/``ecfp``) apply to every
  encoder;
- ``ensemble_size``, ``encoder_params``, ``head_params`` and ``epochs``
  (:data:`DEFAULT_MODEL_KEYS`) to the default model only, because other encoders have other
  hyper-parameters.

Dataset cards are checked with :func:`config_problem` when they are read, and the names in
their ``encoder_params`` / ``head_params`` (which needs torch) when the settings are used
(:func:`recommended_configs`).
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Any

from molpred.data.card_settings import CONFIG_KEYS, settings_problem  # noqa: F401
from molpred.names import DEFAULT_MODEL

if TYPE_CHECKING:
    from molpred.training.fit import FitSettings

DEFAULT_MODEL_KEYS = ("ensemble_size", "encoder_params", "head_params", "epochs")
"""Config settings that apply to the default model only."""


def config_problem(config: Any, check_names: bool = True) -> str | None:
    """What is wrong with a per-dataset config, or ``None`` if nothing is:
    :func:`molpred.data.card_settings.settings_problem`, then (with ``check_names``, which
    imports torch) that ``encoder_params`` / ``head_params`` name parameters of the default
    encoder / the prediction head."""
    problem = settings_problem(config)
    if problem is not None or not check_names:
        return problem
    for key in ("encoder_params", "head_params"):
        params = config.get(key, {})
        unknown = sorted(set(params) - _parameter_names(key)) if params else []
        if unknown:
            return (f"{key} of the default model ({DEFAULT_MODEL}) are among "
                    f"{sorted(_parameter_names(key))}; unknown: {unknown}")
    return None


def _parameter_names(key: str) -> set[str]:
    """Keyword parameters of the default encoder's or the prediction head's constructor."""
    if key == "encoder_params":
        from molpred.models.encoders import ENCODERS

        cls, fixed = ENCODERS.get(DEFAULT_MODEL), set()
    else:
        from molpred.models.head import PredictionHead

        cls, fixed = PredictionHead, {"in_dim", "num_tasks"}
    return set(inspect.signature(cls.__init__).parameters) - {"self"} - fixed


def applicable(config: dict[str, Any], model: str) -> dict[str, Any]:
    """The part of a per-dataset config that applies to encoder ``model`` (any case):
    ``standardize`` and ``extra_features`` always, :data:`DEFAULT_MODEL_KEYS` only for the
    default model; ``why`` and ``command`` never."""
    keys = ("standardize", "extra_features") + (
        DEFAULT_MODEL_KEYS if model.lower() == DEFAULT_MODEL else ())
    return {k: config[k] for k in keys if k in config}


def model_settings(config: dict[str, Any], model: str) -> dict[str, Any]:
    """The settings a per-dataset config gives encoder ``model``, as benchmark run records
    store them: ``standardize``, ``extra_features``, ``ensemble_size`` and the full
    ``encoder_params`` / ``head_params`` (the config's overrides on the defaults).

    Raises:
        UnknownNameError: for an unknown encoder.
    """
    from molpred.models.model import ModelConfig

    own = applicable(config, model)
    encoder_params, head_params = ModelConfig.resolve_params(
        model, own.get("encoder_params"), own.get("head_params"))
    return {"standardize": bool(own.get("standardize", True)),
            "extra_features": list(own.get("extra_features", ())),
            "ensemble_size": int(own.get("ensemble_size", 1)),
            "encoder_params": encoder_params, "head_params": head_params}


def fit_settings(config: dict[str, Any], model: str, settings: FitSettings) -> FitSettings:
    """``settings`` with the epoch budget a per-dataset config gives the default model."""
    epochs = applicable(config, model).get("epochs")
    if epochs is not None:
        from molpred.training.fit import FitSettings

        return FitSettings(**{**settings.__dict__, "epochs": epochs})
    return settings


def recommended_configs() -> dict[str, dict[str, Any]]:
    """``{dataset: config}`` of every dataset card that recommends settings.

    Raises:
        DatasetError: if the cards cannot be found or one is malformed.
    """
    from molpred.data.cards import list_cards
    from molpred.exceptions import DatasetError

    configs = {card.name: dict(card.recommended) for card in list_cards() if card.recommended}
    for name, config in configs.items():
        problem = config_problem(config)
        if problem:
            raise DatasetError(f"{name} card: recommended settings: {problem}")
    return configs


def recommended_config(dataset: str | Path) -> dict[str, Any]:
    """The settings dataset ``dataset``'s card recommends (``{}`` for none, for a name that
    is not a registry dataset, and for a :class:`~pathlib.Path`, which is always a file).

    Raises:
        DatasetError: if the cards cannot be found or one is malformed.
    """
    if isinstance(dataset, Path):
        return {}
    return recommended_configs().get(dataset.lower(), {})


PLAIN = {"standardize": True, "extra_features": (), "ensemble_size": 1, "epochs": 50}
"""The settings a dataset gets when its card recommends none and the caller gives none
(``epochs`` is :class:`~molpred.training.fit.FitSettings`'s default)."""


def with_recommended(dataset: Any, model: str, given: dict[str, Any],
                     use: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fill the settings a caller left unset from the dataset card's recommendation.

    Args:
        dataset: What is trained on: a registry name (``"tox21"``) or a file path (files
            have no recommendation).
        model: Encoder name; ``ensemble_size``, ``encoder_params``, ``head_params`` and
            ``epochs`` are recommended for the default model only.
        given: The caller's ``standardize``, ``extra_features``, ``ensemble_size`` and
            ``epochs`` (``None`` = not given) and ``encoder_params`` (explicit overrides such
            as ``{"depth": 4}``; they win over recommended ones, key by key).
        use: ``False`` ignores the recommendation (the plain defaults, :data:`PLAIN`).

    Returns:
        ``(settings, applied)``: the five settings to train with (plus ``head_params``), and
        the recommended ones among them (``{}`` when none were used).

    Raises:
        DatasetError: if the dataset cards are malformed.
    """
    config = recommended_config(dataset) if use else {}
    available = applicable(config, model)
    settings, applied = {}, {}
    for key in ("standardize", "extra_features", "ensemble_size", "epochs"):
        if given.get(key) is not None:
            settings[key] = given[key]
        elif key in available:
            settings[key] = applied[key] = available[key]
        else:
            settings[key] = PLAIN[key]
    explicit = given.get("encoder_params") or {}
    taken = {k: v for k, v in available.get("encoder_params", {}).items() if k not in explicit}
    settings["encoder_params"] = {**taken, **explicit}
    settings["head_params"] = dict(available.get("head_params", {}))
    if taken:
        applied["encoder_params"] = taken
    if settings["head_params"]:
        applied["head_params"] = settings["head_params"]
    return settings, applied


def describe(settings: dict[str, Any]) -> str:
    """A short human summary of per-dataset settings, e.g. ``"RDKit 2D descriptors into the
    head; SMILES as given (not standardized)"`` (``""`` for none)."""
    names = {"rdkit2d": "RDKit 2D descriptors", "rdkit2d_fast": "fast RDKit descriptors",
             "ecfp": "ECFP4 bits"}
    parts = []
    if settings.get("extra_features"):
        parts.append(" and ".join(names.get(f, f) for f in settings["extra_features"])
                     + " into the head")
    if settings.get("standardize") is False:
        parts.append("SMILES as given (not standardized)")
    if settings.get("ensemble_size", 1) > 1:
        parts.append(f"ensemble of {settings['ensemble_size']}")
    for key in ("encoder_params", "head_params"):
        where = "head" if key == "head_params" else DEFAULT_MODEL
        parts += [f"{where} {k.replace('_', ' ')} {v}" for k, v in settings.get(key, {}).items()]
    if "epochs" in settings:
        parts.append(f"{settings['epochs']} epochs")
    return "; ".join(parts)
