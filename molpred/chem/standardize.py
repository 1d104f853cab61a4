"""Molecule standardization with RDKit's ``rdMolStandardize``.

The default pipeline follows the usual ChEMBL/RDKit clean-up for property prediction:
normalize functional groups (``rdMolStandardize.Normalize``), keep the largest organic
fragment (``LargestFragmentChooser(preferOrganic=True)``, which strips salts and counter-ions)
and neutralize charges where a neutral form exists (``Uncharger``).
"""

from __future__ import annotations

from rdkit import Chem
from rdkit.Chem.MolStandardize import rdMolStandardize


class Standardizer:
    """Callable ``Mol -> Mol`` applying normalize, largest fragment and uncharge.

    Builds the RDKit helpers once; instances are cheap to call many times. Not thread-safe
    to share across threads (RDKit helpers keep state); each worker process builds its own.

    Raises (from ``__call__``):
        ValueError: if RDKit fails on the molecule (the message says which step).
    """

    def __init__(self) -> None:
        self._normalizer = rdMolStandardize.Normalizer()
        self._fragment_chooser = rdMolStandardize.LargestFragmentChooser(preferOrganic=True)
        self._uncharger = rdMolStandardize.Uncharger()

    def __call__(self, mol: Chem.Mol) -> Chem.Mol:
        for step, tool in (
            ("normalize", self._normalizer.normalize),
            ("largest fragment", self._fragment_chooser.choose),
            ("uncharge", self._uncharger.uncharge),
        ):
            try:
                mol = tool(mol)
            except Exception as exc:  # RDKit raises several C++-mapped types
                raise ValueError(f"standardization failed at step '{step}': {exc}") from exc
            if mol is None:
                raise ValueError(f"standardization failed at step '{step}'")
        return mol
