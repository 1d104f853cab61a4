"""Save and load tree models without pickle.

A tree model directory holds ``config.json`` (``"family": "trees"``, the :class:`TreeConfig`,
the RDKit descriptor list, and the SHA-256 of the tree file) and the tree file,
``trees.json.gz``: gzip-compressed JSON with each member's boosters in LightGBM's own text
format (``Booster.model_to_string``, without the lines neither prediction nor TreeSHAP
reads: see :func:`compact_booster_text`) or a constant, and the descriptor scaler. Loading checks the
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
TRAINING_ONLY_KEYS = ("split_gain", "internal_value", "internal_weight", "leaf_weight",
                      "tree_sizes")
"""Lines of LightGBM's model text that neither prediction nor TreeSHAP reads: split gains,
the values and hessian sums of inner nodes and leaves, and the byte sizes of the trees (which
stop being true once lines are dropped; LightGBM then parses the trees one by one). The node
counts (``internal_count``, ``leaf_count``) stay: TreeSHAP (``pred_contrib``) weighs paths by
them and gives NaN without them (files compacted before 2026-12-06 lack them:
:func:`with_node_counts` puts them back)."""
TRAINING_ONLY_SECTIONS = ("feature_importances:", "parameters:")
"""Sections of the model text after the trees, up to their end marker, that prediction
never reads (the training parameters and importances)."""
TREES_FORMAT = "molpred-trees"
MAX_MEMBERS = 100


def compact_booster_text(text: str) -> str:
    """A LightGBM model text (``Booster.model_to_string()``) without what neither prediction
    nor TreeSHAP reads (:data:`TRAINING_ONLY_KEYS`, :data:`TRAINING_ONLY_SECTIONS`), about
    half its size.

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


def has_node_counts(text: str) -> bool:
    """Whether a LightGBM model text holds the node counts TreeSHAP needs (a text of
    single-leaf trees needs none). A booster read from a text without them writes them back
    as zeros (``Booster.model_to_string``), which counts as none."""
    if "left_child=" not in text:
        return True
    return any(any(v != "0" for v in line[len("leaf_count="):].split())
               for line in text.split("\n") if line.startswith("leaf_count="))


def with_node_counts(text: str, leaves: np.ndarray) -> str:
    """``text`` (a LightGBM model text, compact or not) with each tree's ``leaf_count`` and
    ``internal_count`` set to how many of the rows whose leaves are ``leaves`` reach each
    node: what TreeSHAP (``pred_contrib``; Lundberg et al. 2020) weighs paths by. Prediction
    does not read them.

    Args:
        text: The model text.
        leaves: ``int [n, trees]``, ``Booster.predict(X, pred_leaf=True)`` of the rows, e.g.
            the booster's training molecules.

    Returns:
        The text with the two count lines of every tree of more than one leaf replaced or
        added (and without ``tree_sizes``, which would no longer be true).

    Raises:
        ValueError: if ``leaves`` has another number of trees than ``text``.
    """
    # tree_sizes (byte offsets LightGBM seeks by) would be wrong once lines are added
    text = "\n".join(line for line in text.split("\n") if not line.startswith("tree_sizes="))
    blocks = text.split("\n\n")
    trees = [i for i, b in enumerate(blocks) if b.lstrip("\n").startswith("Tree=")]
    leaves = np.asarray(leaves, dtype=np.int64).reshape(len(leaves), -1)
    if leaves.shape[1] != len(trees):
        raise ValueError(f"leaves of {leaves.shape[1]} trees for a model of {len(trees)}")
    for column, i in enumerate(trees):
        lines = [line for line in blocks[i].split("\n")  # (a leading "" keeps the blank line)
                 if line.split("=", 1)[0] not in ("leaf_count", "internal_count")]
        fields = dict(line.split("=", 1) for line in lines if "=" in line)
        n_leaves = int(fields["num_leaves"])
        if n_leaves < 2:
            blocks[i] = "\n".join(lines)
            continue
        left = np.array(fields["left_child"].split(), dtype=np.int64)
        right = np.array(fields["right_child"].split(), dtype=np.int64)
        leaf_count = np.bincount(leaves[:, column], minlength=n_leaves)
        internal = np.zeros(len(left), dtype=np.int64)
        for node in range(len(left) - 1, -1, -1):  # LightGBM numbers children after parents
            internal[node] = sum(internal[c] if c >= 0 else leaf_count[~c]
                                 for c in (left[node], right[node]))
        at = next(j for j, line in enumerate(lines) if line.startswith("leaf_value=")) + 1
        lines[at:at] = ["leaf_count=" + " ".join(map(str, leaf_count)),
                        "internal_count=" + " ".join(map(str, internal))]
        blocks[i] = "\n".join(lines)
    return "\n\n".join(blocks)


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
