"""The schema of a model folder's ``config.json``, checked before anything is built.

A model folder may come from anyone (a download, a colleague, a shared drive), so its
``config.json`` is untrusted input. :func:`validate_config` checks it with pydantic (types,
allowed names, and bounds on every size) and turns the first violation into one
:class:`~molpred.exceptions.ModelFileError` line naming the field, e.g. ``config.json:
model.encoder_params.depth = 1000000000 is outside 0..64``. What the schema cannot see (the
weights' shapes, the trust files' task type and member count, the tree and blend files) is
checked against this config by the loaders (:mod:`molpred.models.checkpoint`,
:mod:`molpred.predictor`, :mod:`molpred.models.trees.storage`, :mod:`molpred.models.blend`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from molpred.exceptions import ModelFileError
from molpred.models.task_types import MAX_CLASSES

MAX_LAYERS = 64
"""Bound on depth-like settings (message-passing steps, layers, heads): a D-MPNN's depth
does not change its weight shapes, so only this check stops a config asking for a billion
steps (a forward pass that never ends)."""
MAX_WIDTH = 1 << 16
"""Bound on any other whole-number setting (widths, vocabulary, kernel sizes)."""
MAX_MEMBERS = 1000
MAX_TASKS = 100_000
MAX_NAME = 1000
_DEEP = ("depth", "layers", "heads", "steps", "timesteps")

Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
Scalar = StrictBool | StrictInt | StrictFloat | Annotated[str, Field(max_length=MAX_NAME)] | None
Param = Scalar | Annotated[list[Scalar], Field(max_length=MAX_LAYERS)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeaturizerSpec(_Strict):
    """:class:`molpred.featurizers.featurize.FeaturizerConfig` as saved."""

    graph: StrictBool = True
    ecfp: StrictBool = False
    extra_features: Annotated[list[Name], Field(max_length=8)] = []
    standardize: StrictBool = True
    tokens: StrictBool = False
    vector: Annotated[list[Name], Field(max_length=8)] = []


def _bounded(group: str, params: dict[str, Any]) -> dict[str, Any]:
    """Refuse a negative or oversized number in ``params`` (depth-like names: 0..64, any
    other: 0..65536)."""
    for name, value in params.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                continue
            bound = MAX_LAYERS if any(k in name for k in _DEEP) else MAX_WIDTH
            if not 0 <= v <= bound:
                raise ValueError(f"{name} = {v!r} is outside 0..{bound}")
    return params


class NetworkSpec(_Strict):
    """:class:`molpred.models.model.ModelConfig` as saved."""

    encoder: Name
    encoder_params: Annotated[dict[Name, Param], Field(max_length=64)]
    head_params: Annotated[dict[Name, Param], Field(max_length=64)]
    tasks: Annotated[list[Name], Field(min_length=1, max_length=MAX_TASKS)]
    task_type: Literal["classification", "regression", "multiclass"]
    featurizer: FeaturizerSpec
    extra_features: Annotated[list[Name], Field(max_length=8)] = []
    units: Annotated[str, Field(max_length=MAX_NAME)] | None = None
    classes: Annotated[list[Name], Field(min_length=3, max_length=MAX_CLASSES)] | None = None

    @field_validator("encoder_params", "head_params")
    @classmethod
    def _sizes(cls, params: dict[str, Any], info) -> dict[str, Any]:
        return _bounded(info.field_name, params)


class TreeSpec(_Strict):
    """:class:`molpred.models.trees.model.TreeConfig` as saved."""

    encoder: Literal["gbdt", "rf"]
    tasks: Annotated[list[Name], Field(min_length=1, max_length=MAX_TASKS)]
    task_type: Literal["classification", "regression"]
    featurizer: FeaturizerSpec
    params: Annotated[dict[Name, Param], Field(max_length=64)] = {}
    units: Annotated[str, Field(max_length=MAX_NAME)] | None = None
    extra_features: Annotated[list[Name], Field(max_length=0)] = []


class DescriptorSpec(_Strict):
    """The RDKit 2D descriptors a model was fed, and the RDKit that computed them."""

    rdkit_version: Annotated[str, Field(max_length=64)]
    names: Annotated[list[Name], Field(max_length=10_000)]


class ModelFolderConfig(BaseModel):
    """The whole ``config.json``: a network, a tree model or a blend of both.

    ``training`` (settings recorded for people) is free-form JSON; keys a later molpred
    adds are kept (``extra="allow"``), never executed.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    format: Literal["molpred-model"]
    format_version: Literal[1]
    molpred_version: Annotated[str, Field(max_length=64)] = "unknown"
    family: Literal["network", "trees", "blend"] = "network"
    model: dict[str, Any] | None = None
    """Checked against :class:`NetworkSpec` or :class:`TreeSpec` by :func:`validate_config`,
    according to ``family``."""
    ensemble_size: Annotated[StrictInt, Field(ge=1, le=MAX_MEMBERS)] | None = None
    files: Annotated[dict[Name, Sha256], Field(max_length=64)] | None = None
    descriptors: DescriptorSpec | None = None
    training: dict[str, Any] = {}

    @model_validator(mode="after")
    def _parts(self) -> ModelFolderConfig:
        if self.family != "blend" and self.model is None:
            raise ValueError(f"a {self.family} model needs its description under 'model'")
        if self.family == "trees" and self.ensemble_size is None:
            raise ValueError("a trees model needs ensemble_size")
        return self


def validate_config(config: Any, path: Path) -> ModelFolderConfig:
    """Check a parsed ``config.json`` against :class:`ModelFolderConfig`.

    Args:
        config: The parsed JSON (any type: it is untrusted).
        path: The file, for the message.

    Returns:
        The validated config (the dict itself is left unchanged for the loaders).

    Raises:
        ModelFileError: one line naming the first field that breaks the schema and why.
    """
    prefix: tuple = ()
    try:
        frame = ModelFolderConfig.model_validate(config)
        spec = {"network": NetworkSpec, "trees": TreeSpec}.get(frame.family)
        if spec is not None:
            prefix = ("model",)
            spec.model_validate(frame.model)
        return frame
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in (*prefix, *first["loc"]) if not _is_union_tag(p))
        message = first["msg"].removeprefix("Value error, ")
        raise ModelFileError(f"{path}: {where or '(top level)'}: {message}; not a model "
                             "molpred saved") from None


def _is_union_tag(part: object) -> bool:
    """pydantic names the union member it tried (``bool``, ``list[...]``, ``constrained-str``)
    in error locations; people want the field path only."""
    return isinstance(part, str) and (part in ("bool", "int", "float", "str", "none")
                                      or "[" in part or part.startswith("constrained"))
