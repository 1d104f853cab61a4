"""A per-task weighted blend of a network ensemble and a tree model (what ``--model auto``
saves when cross-validation says that mixing the two families beats either alone).

For task t the prediction is ``w_t * network + (1 - w_t) * trees`` (probabilities of class 1
or values), ``w_t`` chosen by K-fold cross-validation (:mod:`molpred.training.auto`). Both
parts hold K members, one per fold; member k of the blend mixes member k of each part, so the
members' mean is the blend of the two means and ``TASK_std`` is the spread of the K blended
members. A part whose weight is 0 on every task is not stored at all.

On disk: ``network/`` and ``trees/`` are ordinary model folders
(:mod:`molpred.models.checkpoint`); ``blend.json`` holds the weights, and ``config.json`` the
SHA-256 of ``blend.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from molpred.exceptions import InputError, ModelFileError
from molpred.featurizers.featurize import FeaturizerConfig
from molpred.models.digest import file_sha256, read_sealed_json

BLEND_FILE = "blend.json"
BLEND_FORMAT = "molpred-blend"
PARTS = ("network", "trees")


@dataclass
class BlendConfig:
    """Settings of a blend; saved in ``config.json``.

    Attributes:
        encoder: ``auto``.
        tasks, task_type, units: As the parts'.
        featurizer: What both parts read (the network's graph and the trees' vectors), as a
            :class:`FeaturizerConfig` dict.
        weights: ``[T]`` weight of the network part per task, 0 to 1.
        extra_features: Always empty.
    """

    encoder: str
    tasks: list[str]
    task_type: str
    featurizer: dict[str, Any]
    weights: list[float]
    units: str | None = None
    extra_features: list[str] = field(default_factory=list)

    @property
    def outputs(self) -> list[str]:
        """Output columns: one per task (tree models and blends are binary or regression)."""
        return list(self.tasks)

    @property
    def classes(self) -> None:
        """No class names: tree models and blends are binary or regression (a network
        config's ``classes`` names a multiclass target's classes)."""
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return asdict(self)

    @property
    def featurizer_config(self) -> FeaturizerConfig:
        """The featurizer both parts read, as a :class:`FeaturizerConfig`."""
        return FeaturizerConfig.from_dict(self.featurizer)


class BlendModel:
    """``network`` and/or ``trees`` with per-task weights; predicts like any model.

    Args:
        network: A network :class:`~molpred.models.ensemble.Ensemble` (or single model), or
            ``None`` when every weight is 0.
        trees: A :class:`~molpred.models.trees.model.TreeModel`, or ``None`` when every
            weight is 1.
        weights: ``float [T]`` network weight per task, each in [0, 1].

    Raises:
        InputError: if both parts are missing, a needed part is missing, the parts' tasks or
            member counts differ, or a weight is outside [0, 1].
    """

    family = "blend"
    """How :func:`molpred.models.checkpoint.save_model` stores it."""

    def __init__(self, network: Any | None, trees: Any | None, weights: np.ndarray) -> None:
        self.weights = np.asarray(weights, dtype=np.float64)
        if network is None and trees is None:
            raise InputError("a blend needs a network or a tree model")
        if not np.all((self.weights >= 0) & (self.weights <= 1)):
            raise InputError("blend weights must lie between 0 and 1")
        if network is None and (self.weights > 0).any():
            raise InputError("a blend without a network needs weight 0 on every task")
        if trees is None and (self.weights < 1).any():
            raise InputError("a blend without trees needs weight 1 on every task")
        parts = [p for p in (network, trees) if p is not None]
        if any(list(p.config.tasks) != list(parts[0].config.tasks) for p in parts):
            raise InputError("the parts of a blend must predict the same tasks")
        if len(self.weights) != len(parts[0].config.tasks):
            raise InputError("a blend needs one weight per task")
        from molpred.models.ensemble import members_of

        sizes = {len(members_of(p)) for p in parts}
        if len(sizes) > 1:
            raise InputError(f"the parts of a blend must have as many members, not {sorted(sizes)}")
        self.network, self.trees = network, trees
        self.members = list(range(sizes.pop()))
        first = parts[0].config
        features = (network.config.featurizer_config if network is not None
                    else trees.config.featurizer_config)
        vector = trees.config.featurizer_config.vector if trees is not None else ()
        featurizer = FeaturizerConfig(**{**features.to_dict(), "extra_features":
                                         tuple(features.extra_features), "vector": tuple(vector)})
        self.config = BlendConfig("auto", list(first.tasks), first.task_type,
                                  featurizer.to_dict(), self.weights.tolist(), first.units)

    def __repr__(self) -> str:
        return (f"BlendModel(network={self.network is not None}, trees={self.trees is not None}, "
                f"members={len(self.members)}, mean network weight={self.weights.mean():.2f})")

    def eval(self) -> BlendModel:
        """Put the network part in eval mode."""
        if self.network is not None:
            self.network.eval()
        return self

    def to(self, device: Any) -> BlendModel:
        """Move the network part to ``device``."""
        if self.network is not None:
            self.network.to(device)
        return self

    def predict_with_embeddings(self, data: Any, batch_size: int = 256, device: Any = "cpu",
                                precision: str = "fp32", embeddings: bool = True
                                ) -> tuple[np.ndarray, np.ndarray | None]:
        """Blended members ``float64 [K, N, T]`` and the embeddings the domain reads (the
        network's ``[K, N, H]`` when there is a network, else the trees' ``[1, N, D]``)."""
        from molpred.inference import predict_with_embeddings

        net = tree = hidden = None
        if self.network is not None:
            net, hidden = predict_with_embeddings(self.network, data, batch_size, device,
                                                  precision, embeddings)
        if self.trees is not None:
            tree, tree_hidden = self.trees.predict_with_embeddings(data, embeddings=embeddings
                                                                   and net is None)
            hidden = hidden if net is not None else tree_hidden
        if net is None:
            return tree, hidden
        if tree is None:
            return net, hidden
        return self.weights * net + (1 - self.weights) * tree, hidden


def save_blend(model: BlendModel, directory: Path, config: dict[str, Any],
               save_part: Callable[[Any, Path], Any]) -> None:
    """Write the parts' folders (each with ``save_part(part, folder)``: the checkpoint's
    ``save_model``, passed in so that this module need not import the checkpoint module
    that dispatches to it) and ``blend.json`` into ``directory``, and fill ``config`` (the
    ``config.json`` fields ``family``, ``model``, ``ensemble_size``, ``files``)."""
    save_model = save_part
    for name, part in zip(PARTS, (model.network, model.trees), strict=True):
        if part is not None:
            save_model(part, directory / name)
    path = directory / BLEND_FILE
    path.write_text(json.dumps({"format": BLEND_FORMAT, "weights": model.weights.tolist(),
                                "parts": [n for n, p in zip(PARTS, (model.network, model.trees),
                                                            strict=True) if p is not None]}))
    config.update(family="blend", model=model.config.to_dict(), ensemble_size=len(model.members),
                  files={BLEND_FILE: file_sha256(path)})


def load_blend(directory: str | Path, config: dict[str, Any],
               load_part: Callable[[Path], tuple[Any, dict[str, Any]]]) -> BlendModel:
    """Rebuild a :class:`BlendModel` from its directory and parsed ``config.json``; each
    part's folder is read with ``load_part(folder) -> (model, config)`` (the checkpoint's
    ``load_model``, passed in: see :func:`save_blend`).

    Raises:
        ModelFileError: if ``blend.json`` changed since it was saved, is not molpred's, names
            a part that is missing, or the parts disagree with each other or the weights.
    """
    load_model = load_part
    path = Path(directory)
    file = path / BLEND_FILE
    saved = read_sealed_json(file, config, BLEND_FORMAT, "blend")
    names = saved.get("parts")
    if not isinstance(names, list) or not names or not set(names) <= set(PARTS):
        raise ModelFileError(f"{file} names no usable parts ({names!r})")
    parts = {}
    for name in names:
        sub = path / name
        if sub.is_symlink():
            raise ModelFileError(f"{sub} is a symbolic link; a blend's parts live inside it")
        part, part_config = load_model(sub)
        if part_config.get("family", "network") != ("trees" if name == "trees" else "network"):
            raise ModelFileError(f"{sub} is not a {name} model")
        parts[name] = part
    try:
        return BlendModel(parts.get("network"), parts.get("trees"),
                          np.asarray(saved.get("weights"), dtype=np.float64))
    except (InputError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{path} holds an inconsistent blend: {exc}") from None
