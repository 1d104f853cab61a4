"""SMILES -> model inputs, in parallel over all cores.

One :class:`FeaturizerConfig` says what a model consumes; :func:`featurize_smiles` turns a
list of SMILES into one ``torch_geometric.data.Data`` per row (``None`` plus an error message
for rows RDKit rejects). Every kind of input rides in the same ``Data`` so one PyG
``DataLoader`` batches them all:

=================  ==========================  =========================================
attribute          shape / dtype               present when
=================  ==========================  =========================================
``x``              [num_atoms, 78] float32     ``graph`` (atom features, see ``atom.py``)
``edge_index``     [2, num_edges] int64        ``graph``
``edge_attr``      [num_edges, 14] float32     ``graph`` (bond features, see ``bond.py``)
``fp``             [1, 2048] float32           ``ecfp`` (ECFP4 bits, the ``mlp`` input)
``mol_features``   [1, F] float32              ``extra_features`` non-empty (raw, unscaled)
``tokens``         [1, 160] int64              ``tokens`` (SMILES token ids, see ``tokens.py``)
``vector``         [1, V] float32              ``vector`` non-empty (tree-model input, raw)
=================  ==========================  =========================================
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import torch
from rdkit import Chem

from molpred.chem.parse import parse_smiles
from molpred.chem.standardize import Standardizer
from molpred.exceptions import InputError
from molpred.featurizers.graph import graph_arrays
from molpred.featurizers.tokens import smiles_tokens
from molpred.featurizers.vector import (
    DESCRIPTOR_NAMES,
    ECFP_BITS,
    FAST_DESCRIPTOR_NAMES,
    ecfp4,
    ecfp4_counts,
    rdkit2d,
    rdkit2d_fast,
)
from molpred.names import EXTRA_FEATURES, PARALLEL_THRESHOLD, VECTOR_FEATURES

if TYPE_CHECKING:
    from torch_geometric.data import Data

SLICE_ROWS = 512
"""Rows per task sent to a process pool (featurization, prediction, drug-likeness)."""


def slices(rows: Sequence, size: int = SLICE_ROWS) -> list[Sequence]:
    """``rows`` cut into consecutive pieces of at most ``size``, in order."""
    return [rows[i : i + size] for i in range(0, len(rows), size)]


@dataclass(frozen=True)
class FeaturizerConfig:
    """What to compute for each molecule. Saved in every model's ``config.json``.

    Attributes:
        graph: Build the molecular graph (``x``, ``edge_index``, ``edge_attr``).
        ecfp: Compute the ECFP4 bit vector as ``fp``.
        extra_features: Molecule-level features for the prediction head, any of
            ``"rdkit2d"`` (217 RDKit 2D descriptors), ``"rdkit2d_fast"`` (the 32 fast ones
            of :func:`~molpred.featurizers.vector.rdkit2d_fast`) and ``"ecfp"``,
            concatenated in the given order into ``mol_features``.
        standardize: Run :class:`molpred.chem.Standardizer` after parsing.
        tokens: Compute the SMILES token ids as ``tokens`` (the ``cnn`` input). Configs saved
            before this field existed load with ``False``.
        vector: Fixed-length vectors for tree models, any of :data:`~molpred.names.VECTOR_FEATURES`
            (``ecfp_counts``, ``rdkit2d``), concatenated in the given order into ``vector``.
            Configs saved before this field existed load with ``()``.

    Raises:
        InputError: for an extra feature not in :data:`~molpred.names.EXTRA_FEATURES`, or a vector
            feature other than ``ecfp_counts`` and ``rdkit2d``.
    """

    graph: bool = True
    ecfp: bool = False
    extra_features: tuple[str, ...] = field(default_factory=tuple)
    standardize: bool = True
    tokens: bool = False
    vector: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        unknown = [f for f in self.extra_features if f not in EXTRA_FEATURES]
        if unknown:
            raise InputError(
                f"unknown extra feature(s) {unknown}; choose from {', '.join(EXTRA_FEATURES)}"
            )
        object.__setattr__(self, "extra_features", tuple(self.extra_features))
        wrong = [f for f in self.vector if f not in VECTOR_FEATURES]
        if wrong:
            raise InputError(f"unknown vector feature(s) {wrong}; choose from "
                             f"{', '.join(VECTOR_FEATURES)}")
        object.__setattr__(self, "vector", tuple(self.vector))

    @property
    def extra_dim(self) -> int:
        """Width F of ``mol_features`` (0 when there are no extra features)."""
        width = {"rdkit2d": len(DESCRIPTOR_NAMES), "rdkit2d_fast": len(FAST_DESCRIPTOR_NAMES),
                 "ecfp": ECFP_BITS}
        return sum(width[f] for f in self.extra_features)

    @property
    def vector_dim(self) -> int:
        """Width V of ``vector`` (0 when there is none)."""
        width = {"rdkit2d": len(DESCRIPTOR_NAMES), "ecfp_counts": ECFP_BITS}
        return sum(width[f] for f in self.vector)

    def to_dict(self) -> dict:
        """The settings as JSON-serializable values (``extra_features`` as a list)."""
        d = asdict(self)
        d["extra_features"] = list(self.extra_features)
        if self.vector:
            d["vector"] = list(self.vector)
        else:  # configs of models without trees stay as they were saved before this field
            del d["vector"]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> FeaturizerConfig:
        """Inverse of :meth:`to_dict`; keys missing from older configs take their defaults.

        Raises:
            InputError: for an unknown extra feature.
        """
        return cls(**{**d, "extra_features": tuple(d.get("extra_features", ())),
                      "vector": tuple(d.get("vector", ()))})


class DescriptorMemo:
    """RDKit 2D descriptors already computed, by canonical SMILES, so that several models
    featurizing the same molecules (the panel: a D-MPNN fed descriptors beside ``auto``
    models whose trees read them, on standardized molecules and as given) compute them once
    per molecule instead of once per model. Descriptors are ~8 ms a drug-like molecule; the
    key (``Chem.MolToSmiles``) ~0.05 ms.

    Holds at most ``limit`` molecules (then it is emptied), so a long stream stays bounded:
    ``limit`` x 217 float32 values, 3.5 MB at the default 4,096.
    """

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._values: dict[str, np.ndarray] = {}
        self.computed = 0
        """How many molecules' descriptors were computed (not found in the memo)."""

    def rdkit2d(self, mol: Chem.Mol) -> np.ndarray:
        """:func:`~molpred.featurizers.vector.rdkit2d` of ``mol``, computed once per
        canonical SMILES (the returned array is shared: do not change it)."""
        key = Chem.MolToSmiles(mol)
        found = self._values.get(key)
        if found is None:
            if len(self._values) >= self.limit:
                self._values.clear()
            found = self._values[key] = rdkit2d(mol)
            self.computed += 1
        return found


def mol_arrays(mol: Chem.Mol, config: FeaturizerConfig,
               memo: DescriptorMemo | None = None) -> dict[str, np.ndarray]:
    """All arrays ``config`` asks for, for one parsed molecule (see the module table);
    ``memo`` shares RDKit 2D descriptors with other models' featurizations."""
    arrays: dict[str, np.ndarray] = graph_arrays(mol) if config.graph else {}
    fp = ecfp4(mol) if (config.ecfp or "ecfp" in config.extra_features) else None
    if config.ecfp:
        arrays["fp"] = fp[None, :]
    descriptors = None  # computed once when both the head and the trees read them
    if "rdkit2d" in config.extra_features + config.vector:
        descriptors = rdkit2d(mol) if memo is None else memo.rdkit2d(mol)
    if config.extra_features:
        parts = [descriptors if f == "rdkit2d" else rdkit2d_fast(mol) if f == "rdkit2d_fast"
                 else fp for f in config.extra_features]
        arrays["mol_features"] = np.concatenate(parts)[None, :]
    if config.vector:
        parts = [descriptors if f == "rdkit2d" else ecfp4_counts(mol) for f in config.vector]
        arrays["vector"] = np.concatenate(parts)[None, :]
    if config.tokens:
        arrays["tokens"] = smiles_tokens(mol)[None, :]
    return arrays


def to_data(arrays: dict[str, np.ndarray]) -> Data:
    """Wrap the arrays of :func:`mol_arrays` in a ``Data`` (zero-copy)."""
    from torch_geometric.data import Data  # here, not at import: PyG takes ~2.7 s to import

    tensors = {k: torch.from_numpy(v) for k, v in arrays.items()}
    if "x" not in tensors:
        tensors["num_nodes"] = 0
    return Data(**tensors)


def featurize_rows(
    smiles: Sequence[object], config: FeaturizerConfig
) -> list[tuple[dict[str, np.ndarray] | None, str]]:
    """Parse, standardize (if ``config`` says so) and featurize each SMILES in this process.

    Returns:
        One ``(arrays, "")`` per row (the dict of :func:`mol_arrays`), or ``(None, reason)``
        for a row RDKit rejects or that cannot be featurized. Never raises for bad input.
    """
    standardizer = Standardizer() if config.standardize else None
    parsed = [parse_smiles(s, standardizer) for s in smiles]
    return featurize_mols([mol for mol, _ in parsed], [error for _, error in parsed], config)


def featurize_mols(
    mols: Sequence[Chem.Mol | None], errors: Sequence[str], config: FeaturizerConfig,
    memo: DescriptorMemo | None = None,
) -> list[tuple[dict[str, np.ndarray] | None, str]]:
    """:func:`featurize_rows` for molecules already parsed and standardized as ``config``
    says (:func:`molpred.pipeline.prepare.prepare`): ``errors`` holds the reason of each
    ``None``; ``memo`` shares descriptors between models (:class:`DescriptorMemo`). Never
    raises for bad input."""
    out: list[tuple[dict[str, np.ndarray] | None, str]] = []
    for mol, error in zip(mols, errors, strict=True):
        if mol is None:
            out.append((None, error))
            continue
        try:
            out.append((mol_arrays(mol, config, memo), ""))
        except Exception as exc:  # keep the row, report why
            out.append((None, f"featurization failed: {exc}"))
    return out


def default_workers() -> int:
    """Number of featurization processes: ``MOLPRED_NUM_WORKERS`` or all usable cores.

    Raises:
        InputError: if ``MOLPRED_NUM_WORKERS`` is set but not a whole number.
    """
    env = os.environ.get("MOLPRED_NUM_WORKERS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise InputError(f"MOLPRED_NUM_WORKERS must be a whole number, got {env!r}") from None
    return usable_cores()


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def featurize_smiles(
    smiles: Sequence[object],
    config: FeaturizerConfig,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
    arrays: bool = False,
) -> tuple[list[Data | None], list[str]]:
    """Featurize many SMILES, in input order, using a process pool for large inputs.

    Args:
        smiles: SMILES strings (non-strings count as empty input).
        config: What to compute.
        workers: Processes to use; default :func:`default_workers`. Inputs under 2,000 rows
            are done in this process.
        progress: Called with the number of rows finished after each chunk.
        executor: A process pool to reuse across calls (streaming screens); when given,
            ``workers`` is ignored and the pool is left open.
        arrays: Give the array dicts of :func:`mol_arrays` instead of ``Data`` objects
            (what inference batches, :func:`molpred.featurizers.collate.collate`; it spares
            importing torch-geometric).

    Returns:
        ``(data, errors)``, both of length ``len(smiles)``: ``data[i]`` is a ``Data`` (or
        with ``arrays`` a dict of arrays) or ``None``; ``errors[i]`` is ``""`` or the reason
        row ``i`` was rejected.

    Raises:
        InputError: if ``workers`` is ``None`` and ``MOLPRED_NUM_WORKERS`` is not a whole
            number. A SMILES RDKit cannot read is not an error: its row gets ``None`` and a
            reason.
    """
    workers = default_workers() if workers is None else max(1, workers)
    if executor is not None:
        return collect_featurized(start_featurization(smiles, config, executor), progress,
                                  arrays)
    if workers == 1 or len(smiles) < PARALLEL_THRESHOLD:
        chunks = slices(smiles)
        return collect_featurized((featurize_rows(c, config) for c in chunks), progress, arrays)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return collect_featurized(start_featurization(smiles, config, pool), progress, arrays)


FeaturizedChunks = Iterator[list[tuple[dict[str, np.ndarray] | None, str]]]


def start_featurization(
    smiles: Sequence[object], config: FeaturizerConfig, executor: Executor
) -> FeaturizedChunks:
    """Submit the featurization of ``smiles`` to ``executor`` now; collect later with
    :func:`collect_featurized`. Lets a streaming screen featurize the next chunk while the
    model predicts the current one."""
    chunks = slices(smiles)
    return executor.map(featurize_rows, chunks, [config] * len(chunks))


def collect_featurized(
    results: FeaturizedChunks, progress: Callable[[int], None] | None = None,
    arrays: bool = False,
) -> tuple[list[Data | None], list[str]]:
    """Gather featurized chunks in order into ``(data, errors)`` (see :func:`featurize_smiles`;
    with ``arrays`` the array dicts are kept as they are)."""
    data: list = []
    errors: list[str] = []
    for chunk_result in results:
        for item, error in chunk_result:
            data.append(item if item is None or arrays else to_data(item))
            errors.append(error)
        if progress is not None:
            progress(len(chunk_result))
    return data, errors
