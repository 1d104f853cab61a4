"""Molecule standardization with RDKit's ``rdMolStandardize``.

The default pipeline follows the usual ChEMBL/RDKit clean-up for property prediction:
normalize functional groups (``rdMolStandardize.Normalize``), keep the largest organic
fragment (``LargestFragmentChooser(preferOrganic=True)``, which strips salts and counter-ions)
and neutralize charges where a neutral form exists (``Uncharger``).

Shortcuts (exact; ``tests/unit/chem/test_standardize_shortcuts.py`` compares them with the
full pipeline on real molecules):

* the largest-fragment step is skipped for molecules of one fragment: the chooser then
  keeps that fragment, i.e. returns a copy of its input;
* the uncharge step is skipped for molecules without any charged atom.
RDKit's ``Uncharger`` acts only on atoms matched by its four patterns, and each of them
requires a nonzero formal charge (``[+,+2,+3,+4;...]``, ``[-...]``, ``[O-]``, ``[n-]``);
apart from that it only refreshes the property cache when stale, which the sanitized output
of the fragment step never is. So for an uncharged molecule it returns an identical copy.
"""

from __future__ import annotations

from rdkit import Chem
from rdkit.Chem.MolStandardize import rdMolStandardize

_CHARGED_ATOM = Chem.MolFromSmarts("[!+0]")
"""Any atom whose formal charge is not zero."""


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
            if step == "largest fragment" and len(Chem.GetMolFrags(mol)) == 1:
                continue  # one fragment: it is the largest (see the module docstring)
            if step == "uncharge" and not mol.HasSubstructMatch(_CHARGED_ATOM):
                break  # nothing to neutralize (see the module docstring)
            try:
                mol = tool(mol)
            except Exception as exc:  # RDKit raises several C++-mapped types
                raise ValueError(f"standardization failed at step '{step}': {exc}") from exc
            if mol is None:
                raise ValueError(f"standardization failed at step '{step}'")
        return mol
