"""Stage 2: everything the later stages read, computed from the prepared molecules.

=================  =====================================  ==================================
field              type                                   for
=================  =====================================  ==================================
``arrays``         dict of arrays per row, or ``None``    the model (:func:`mol_arrays`)
``fingerprints``   ``uint16 [n_on]`` ECFP4 bits per row   the applicability domain
``alerts``         ``"; "``-joined alert names per row    the ``alerts`` column
``druglike``       DataFrame of drug-likeness columns     ``screen --druglike``
=================  =====================================  ==================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from molpred.featurizers.featurize import DescriptorMemo, FeaturizerConfig, featurize_mols
from molpred.pipeline.prepare import Prepared, prepare


@dataclass(frozen=True)
class FeatureRequest:
    """What to compute for each row.

    Attributes:
        config: The model's featurizer settings (it also says whether to standardize).
        fingerprints: ECFP4 on-bits for the applicability domain.
        alerts: PAINS, Brenk and NIH structural alerts (:mod:`molpred.chem.alerts`).
        druglike: The drug-likeness columns of :mod:`molpred.chem.druglike`.
    """

    config: FeaturizerConfig
    fingerprints: bool = False
    alerts: bool = False
    druglike: bool = False


@dataclass
class RowFeatures:
    """Stage 2's output for N rows; picklable, so a pool worker can send it back.

    Attributes:
        arrays: N entries: the model inputs of a row (:func:`~molpred.featurizers.featurize.mol_arrays`)
            or ``None`` for a failed row.
        errors: N strings, ``""`` for a featurized row, else why it failed.
        fingerprints: N ECFP4 on-bit arrays (``uint16``, sorted; ``None`` for failed rows),
            or ``None`` when not requested.
        alerts: N alert strings (``""`` for none or a failed row), or ``None``.
        druglike: An N-row DataFrame (:data:`~molpred.chem.druglike.DRUGLIKE_COLUMNS`), or
            ``None``.
    """

    arrays: list[dict[str, np.ndarray] | None]
    errors: list[str]
    fingerprints: list[np.ndarray | None] | None = None
    alerts: list[str] | None = None
    druglike: pd.DataFrame | None = None

    def __len__(self) -> int:
        return len(self.arrays)

    @property
    def failed(self) -> np.ndarray:
        """``bool [N]``: rows without model inputs."""
        return np.array([a is None for a in self.arrays], dtype=bool)


def compute_features(prepared: Prepared, request: FeatureRequest,
                     memo: DescriptorMemo | None = None) -> RowFeatures:
    """Stage 2 on prepared rows.

    Args:
        prepared: Stage 1's output, standardized as ``request.config.standardize`` says.
        request: What to compute.
        memo: RDKit 2D descriptors shared with other requests on the same molecules (the
            panel's models), computed once per molecule.

    Returns:
        A :class:`RowFeatures` of ``len(prepared)`` rows.

    Raises:
        ValueError: if ``prepared`` was standardized otherwise than the model expects.
    """
    if prepared.standardized != request.config.standardize:
        raise ValueError("the rows were prepared with standardize="
                         f"{prepared.standardized}, the model expects {request.config.standardize}")
    rows = featurize_mols(prepared.mols, prepared.errors, request.config, memo)
    arrays = [a for a, _ in rows]
    errors = [e for _, e in rows]
    kept = [m if a is not None else None for m, a in zip(prepared.mols, arrays, strict=True)]
    out = RowFeatures(arrays, errors)
    if request.fingerprints:
        from molpred.trust.domain import ecfp4_bits_of

        out.fingerprints = ecfp4_bits_of(kept)
    if request.alerts:
        from molpred.chem.alerts import alerts_of

        out.alerts = alerts_of(kept)
    if request.druglike:
        from molpred.chem.druglike import druglike_rows

        out.druglike = druglike_rows(kept)
    return out


def featurize(smiles: Sequence[object], request: FeatureRequest) -> RowFeatures:
    """Stages 1 and 2 on SMILES, in this process (a pool maps it over slices)."""
    return compute_features(prepare(smiles, request.config.standardize), request)


def concat_features(parts: Sequence[RowFeatures]) -> RowFeatures:
    """Join slices of rows, in order, into one :class:`RowFeatures`."""
    if not parts:
        return RowFeatures([], [])
    first = parts[0]
    return RowFeatures(
        [a for p in parts for a in p.arrays], [e for p in parts for e in p.errors],
        [b for p in parts for b in p.fingerprints] if first.fingerprints is not None else None,
        [a for p in parts for a in p.alerts] if first.alerts is not None else None,
        (pd.concat([p.druglike for p in parts], ignore_index=True)
         if first.druglike is not None else None))
