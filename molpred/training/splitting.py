"""Choose the train/val/test rows of a run: a split file, a scaffold split or a random split."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from molpred.data import random_split, read_split_file, scaffold_split, validate_split
from molpred.data.splits import check_split_file_rows
from molpred.exceptions import InputError
from molpred.training.prepare import PreparedDataset

SPLIT_METHODS = ("scaffold", "random")


def resolve_split(
    prepared: PreparedDataset,
    splits: str | Path | None = None,
    split_key: str = "seed0",
    method: str = "scaffold",
    sizes: tuple[float, float, float] = (0.8, 0.1, 0.1),
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Row indices of each part.

    Args:
        prepared: The featurized dataset.
        splits: A split file (``shared/benchmarks/splits`` format); wins over ``method``.
        split_key: Which split of the file (``seed0``, ...).
        method: ``"scaffold"`` (Bemis-Murcko, DeepChem's ScaffoldSplitter) or ``"random"``.
        sizes: Train/val/test fractions for computed splits.
        seed: Seed of the random split.

    Returns:
        ``{"train", "val", "test"}`` -> ``int64`` row indices (0-based data rows).

    Raises:
        InputError: unknown method, missing key, or indices outside the dataset.
    """
    n = len(prepared.data)
    if splits is not None:
        split = read_split_file(splits, split_key)
        check_split_file_rows(splits, n)
        validate_split(split, n)
        return split
    if method == "scaffold":
        smiles = [s if isinstance(s, str) else "" for s in prepared.table.smiles]
        return scaffold_split(smiles, sizes=sizes, seed=seed, valid=prepared.valid)
    if method == "random":
        valid_rows = np.flatnonzero(prepared.valid)
        parts = random_split(len(valid_rows), sizes=sizes, seed=seed)
        return {k: valid_rows[v] for k, v in parts.items()}
    raise InputError(f"unknown split method {method!r}; choose one of {', '.join(SPLIT_METHODS)}")
