"""A featurized corpus as a few flat arrays: small in memory, saved as ``.npz`` (no pickle),
and batched by slicing instead of building one ``Data`` object per molecule.

``x`` ``float32 [sum atoms, 78]``, ``edge_index`` ``int32 [2, sum edges]`` (atom indices
within each molecule), ``edge_attr`` ``float32 [sum edges, 14]``, ``atom_ptr`` and
``edge_ptr`` ``int64 [N + 1]`` (where each molecule's atoms and edges start) and
``descriptors`` ``float32 [N, D]`` (raw RDKit 2D descriptors, :func:`~molpred.featurizers.
vector.rdkit2d`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from molpred.featurizers.collate import MoleculeBatch
from molpred.featurizers.featurize import FeaturizerConfig, featurize_smiles

FEATURIZER = FeaturizerConfig(graph=True, extra_features=("rdkit2d",), standardize=True)
"""Graph plus RDKit 2D descriptors, molecules standardized (what the default D-MPNN reads)."""

_KEYS = ("x", "edge_index", "edge_attr", "atom_ptr", "edge_ptr", "descriptors")


@dataclass
class PackedGraphs:
    """N featurized molecules (see the module docstring for the arrays)."""

    x: np.ndarray
    edge_index: np.ndarray
    edge_attr: np.ndarray
    atom_ptr: np.ndarray
    edge_ptr: np.ndarray
    descriptors: np.ndarray

    def __len__(self) -> int:
        return len(self.atom_ptr) - 1

    @classmethod
    def featurize(cls, smiles: Sequence[str], workers: int | None = None,
                  progress: Callable[[int], None] | None = None) -> tuple[PackedGraphs, list[int]]:
        """Featurize ``smiles`` (process pool for large inputs).

        Returns:
            ``(packed, failed)``: the molecules that featurized, in input order, and the
            input positions that did not.
        """
        arrays, _ = featurize_smiles(list(smiles), FEATURIZER, workers=workers,
                                     progress=progress, arrays=True)
        kept = [a for a in arrays if a is not None]
        failed = [i for i, a in enumerate(arrays) if a is None]
        atoms = np.array([len(a["x"]) for a in kept], dtype=np.int64)
        edges = np.array([a["edge_index"].shape[1] for a in kept], dtype=np.int64)
        return cls(
            x=np.concatenate([a["x"] for a in kept]).astype(np.float32),
            edge_index=np.concatenate([a["edge_index"] for a in kept], axis=1).astype(np.int32),
            edge_attr=np.concatenate([a["edge_attr"] for a in kept]).astype(np.float32),
            atom_ptr=np.concatenate([[0], np.cumsum(atoms)]),
            edge_ptr=np.concatenate([[0], np.cumsum(edges)]),
            descriptors=np.concatenate([a["mol_features"] for a in kept]).astype(np.float32),
        ), failed

    def save(self, path: str | Path) -> None:
        """Write the arrays to ``path`` (``.npz``, uncompressed)."""
        np.savez(path, **{k: getattr(self, k) for k in _KEYS})

    @classmethod
    def load(cls, path: str | Path) -> PackedGraphs:
        """Read what :meth:`save` wrote (``allow_pickle=False``)."""
        with np.load(path, allow_pickle=False) as data:
            return cls(**{k: data[k] for k in _KEYS})

    def batch(self, rows: np.ndarray, targets: np.ndarray) -> MoleculeBatch:
        """The molecules ``rows`` as one batch, as :func:`~molpred.featurizers.collate.collate`
        builds it, with ``y`` = ``targets[rows]`` (``float32 [B, D]``)."""
        a0, a1 = self.atom_ptr[rows], self.atom_ptr[rows + 1]
        e0, e1 = self.edge_ptr[rows], self.edge_ptr[rows + 1]
        atom_rows = np.concatenate([np.arange(s, e) for s, e in zip(a0, a1)])
        edge_rows = np.concatenate([np.arange(s, e) for s, e in zip(e0, e1)])
        counts, edge_counts = a1 - a0, e1 - e0
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        # edge_index holds indices within each molecule: add the molecule's batch offset
        edge_index = self.edge_index[:, edge_rows].astype(np.int64) + np.repeat(starts, edge_counts)
        ptr = np.concatenate([[0], np.cumsum(counts)])
        return MoleculeBatch(
            len(rows), ptr=torch.from_numpy(ptr),
            x=torch.from_numpy(self.x[atom_rows]),
            edge_index=torch.from_numpy(edge_index),
            edge_attr=torch.from_numpy(self.edge_attr[edge_rows]),
            batch=torch.from_numpy(np.repeat(np.arange(len(rows)), counts)),
            y=torch.from_numpy(targets[rows]),
        )
