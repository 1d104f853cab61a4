"""Save and load tree models without pickle.

A tree model directory holds ``config.json`` (``"family": "trees"``, the :class:`TreeConfig`,
the RDKit descriptor list, and the SHA-256 of the tree file) and the tree file,
``trees.json.gz``: gzip-compressed JSON with each member's boosters in LightGBM's own text
format (``Booster.model_to_string``, without the lines only training reads: see
:func:`compact_booster_text`) or a constant, and the descriptor scaler. Loading checks the
hash first, then parses the text with ``lightgbm.Booster(model_str=...)``; nothing is ever
unpickled. Folders saved before the compact format hold a plain ``trees.json``; they load
as before.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np

from molpred.exceptions import InputError, ModelFileError
from molpred.models.digest import file_sha256, read_sealed_json
from molpred.models.trees.model import TreeConfig, TreeModel

TREES_FILE = "trees.json.gz"
"""The tree file written since the compact format (gzip-compressed JSON)."""
PLAIN_TREES_FILE = "trees.json"
"""The tree file of folders saved before it (plain JSON, full booster text); still read."""
TRAINING_ONLY_KEYS = ("split_gain", "internal_value", "internal_weight", "internal_count",
                      "leaf_weight", "leaf_count", "tree_sizes")
"""Lines of LightGBM's model text that prediction never reads: split gains, the values,
hessian sums and counts of inner nodes and leaves, and the byte sizes of the trees (which
stop being true once lines are dropped; LightGBM then parses the trees one by one)."""
TRAINING_ONLY_SECTIONS = ("feature_importances:", "parameters:")
"""Sections of the model text after the trees, up to their end marker, that prediction
never reads (the training parameters and importances)."""
TREES_FORMAT = "molpred-trees"
MAX_MEMBERS = 100


def compact_booster_text(text: str) -> str:
    """A LightGBM model text (``Booster.model_to_string()``) without what only training reads
    (:data:`TRAINING_ONLY_KEYS`, :data:`TRAINING_ONLY_SECTIONS`), about half its size.

    ``lightgbm.Booster(model_str=...)`` of the result predicts exactly what the original does
    (every threshold, split, child and leaf value is kept to the digit; a test checks the
    predictions on real molecules). Follows the text format that LightGBM's
    ``GBDT::SaveModelToString`` writes and ``Tree::Tree(const char*)`` reads.

    Args:
        text: The full model text.

    Returns:
        The compact model text.
    """
    kept: list[str] = []
    skipping = False
    for line in text.split("\n"):
        if line.startswith(TRAINING_ONLY_SECTIONS):
            skipping = True
        if skipping:
            skipping = not line.startswith("end of ")
            continue
        if line.split("=", 1)[0] not in TRAINING_ONLY_KEYS:
            kept.append(line)
    return "\n".join(kept)


def save_tree_model(model: TreeModel, directory: str | Path, config: dict[str, Any]) -> Path:
    """Write the tree file (:data:`TREES_FILE`) into ``directory`` and fill ``config`` with
    the ``config.json`` fields that describe it (``family``, ``model``, ``ensemble_size``,
    ``files``) for the caller (:func:`molpred.models.checkpoint.save_model`).

    Returns:
        The path of the tree file.
    """
    out = Path(directory)
    members = [[{"constant": b} if isinstance(b, float)
                 else {"booster": compact_booster_text(b.model_to_string())}
                 for b in member] for member in model.members]
    path = out / TREES_FILE
    (out / PLAIN_TREES_FILE).unlink(missing_ok=True)  # an older save here must not linger
    text = json.dumps({
        "format": TREES_FORMAT, "members": members,
        "descriptor_mean": model.descriptor_mean.tolist(),
        "descriptor_std": model.descriptor_std.tolist(),
    })
    path.write_bytes(gzip.compress(text.encode(), mtime=0))  # mtime 0: the same bytes each time
    config.update(family="trees", model=model.config.to_dict(), ensemble_size=len(model.members),
                  files={TREES_FILE: file_sha256(path)})
    return path


def load_tree_model(directory: str | Path, config: dict[str, Any]) -> TreeModel:
    """Rebuild a :class:`TreeModel` from its directory and parsed ``config.json``.

    Raises:
        ModelFileError: if the tree file is missing, changed since it was saved (hash),
            not molpred's, or disagrees with ``config.json`` (members, tasks, scaler size),
            or a booster's text does not parse.
    """
    import lightgbm as lgb

    path = Path(directory)
    try:
        tree_config = TreeConfig(**config["model"])
    except (TypeError, KeyError, InputError) as exc:
        raise ModelFileError(f"{path / 'config.json'} describes an unusable tree model: {exc}") from None
    size = config.get("ensemble_size")
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_MEMBERS:
        raise ModelFileError(f"{path / 'config.json'} has an invalid ensemble_size {size!r}")
    listed = config.get("files") or {}
    file = path / (PLAIN_TREES_FILE if PLAIN_TREES_FILE in listed else TREES_FILE)
    saved = read_sealed_json(file, config, TREES_FORMAT, "tree file")
    members = saved.get("members")
    tasks = len(tree_config.tasks)
    if not isinstance(members, list) or len(members) != size or any(
            not isinstance(m, list) or len(m) != tasks for m in members):
        raise ModelFileError(f"{file} does not hold {size} member(s) of {tasks} task(s) as "
                             "config.json says")
    rebuilt = []
    for k, member in enumerate(members):
        entries = []
        for t, entry in enumerate(member):
            if isinstance(entry, dict) and isinstance(entry.get("constant"), (int, float)):
                entries.append(float(entry["constant"]))
                continue
            text = entry.get("booster") if isinstance(entry, dict) else None
            try:
                if not isinstance(text, str):
                    raise ValueError("no booster text")
                entries.append(lgb.Booster(model_str=text))
            except (lgb.basic.LightGBMError, ValueError) as exc:
                raise ModelFileError(f"{file}: member {k}, task {tree_config.tasks[t]!r} is not a "
                                     f"readable LightGBM model ({exc})") from None
        rebuilt.append(entries)
    mean = np.asarray(saved.get("descriptor_mean", []), dtype=np.float32)
    std = np.asarray(saved.get("descriptor_std", []), dtype=np.float32)
    from molpred.featurizers.vector import DESCRIPTOR_NAMES

    if mean.shape != (len(DESCRIPTOR_NAMES),) or std.shape != mean.shape or not (std > 0).all():
        raise ModelFileError(f"{file} has a descriptor scaler of the wrong size or with zero "
                             "spreads")
    return TreeModel(tree_config, rebuilt, mean, std)
