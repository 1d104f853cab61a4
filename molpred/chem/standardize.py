"""Molecule standardization with RDKit's ``rdMolStandardize``.

The default pipeline follows the usual ChEMBL/RDKit clean-up for property prediction
(RDKit's ``MolStandardize``, a port of Matt Swain's MolVS; the same steps as the ChEMBL
structure pipeline's standardize-then-get-parent, Bento et al., J. Cheminform. 2020, 12, 51):
normalize functional groups (``rdMolStandardize.Normalize``), keep the largest organic
fragment (``LargestFragmentChooser(preferOrganic=True)``, which strips salts and counter-ions)
and neutralize charges where a neutral form exists (``Uncharger``).

Shortcuts (exact; ``tests/unit/chem/test_standardize_shortcuts.py`` compares them with the
full pipeline on real molecules):

* the normalize step is skipped for an uncharged molecule that none of the five
  transforms able to act on uncharged atoms matches (:data:`_NEUTRAL_NORMALIZABLE`: nitro
  written ``N(=O)=O``, pyridine oxide written ``n=O``, azide ``N=N#N``, diazo ``=N#N`` and
  sulfoxide ``S(=O)``). Each of the other 17 default transforms of RDKit's
  ``normalizations.in`` (RDKit 2024-2026) requires a charged atom in its reactant, and a
  transform can only act where its reactant matches, so such a molecule comes out of
  ``Normalize`` unchanged. This skips 87% of the first 5,000 library molecules (0.21 ms
  each);
* the largest-fragment step is skipped for molecules of one fragment without dative
  bonds: the chooser then keeps that fragment, i.e. returns a copy of its input;
* the uncharge step is skipped for molecules without any charged atom.
RDKit's ``Uncharger`` acts only on atoms matched by its four patterns, and each of them
requires a nonzero formal charge (``[+,+2,+3,+4;...]``, ``[-...]``, ``[O-]``, ``[n-]``);
apart from that it only refreshes the property cache when stale, which the sanitized output
of the fragment step never is. So for an uncharged molecule it returns an identical copy.
"""

from __future__ import annotations

from rdkit import Chem
from rdkit.Chem.MolStandardize import rdMolStandardize

from molpred.chem.logs import quiet_rdkit

_CHARGED_ATOM = Chem.MolFromSmarts("[!+0]")
"""Any atom whose formal charge is not zero."""

_NEUTRAL_NORMALIZABLE = Chem.MolFromSmarts(
    "[$([N,P,As,Sb;X3](=[O,S,Se,Te])=[O,S,Se,Te]),"  # Nitro to N+(O-)=O
    "$([nH0+0]=[OH0+0]),"  # Pyridine oxide to n+O-
    "$([N](-,:*)=[N]#[N]),"  # Azide to N=N+=N-
    "$([N](=*)#[N]),"  # Diazo/azo to =N+=N-
    "$([S+0;X3](=[O])(-,:[!O])-,:[!O])]"  # Sulfoxide to -S+(O-)-
)
"""An atom where one of RDKit's default normalizations that need no charged atom could act
(their reactant SMARTS, each anchored on one atom; unspecified SMARTS bonds are single or
aromatic, written ``-,:`` here)."""


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
        self._tools = {"normalize": self._normalizer.normalize,
                       "largest fragment": self._fragment_chooser.choose,
                       "uncharge": self._uncharger.uncharge}

    def __call__(self, mol: Chem.Mol) -> Chem.Mol:
        steps = ("normalize", "largest fragment", "uncharge")
        if not mol.HasSubstructMatch(_CHARGED_ATOM) and not mol.HasSubstructMatch(
                _NEUTRAL_NORMALIZABLE):
            steps = ("largest fragment",)  # nothing to normalize or neutralize (docstring)
        given = mol
        for step in steps:
            if step == "largest fragment" and _one_plain_fragment(mol):
                continue  # it is the largest (see the module docstring)
            if step == "uncharge" and not mol.HasSubstructMatch(_CHARGED_ATOM):
                break  # nothing to neutralize (see the module docstring)
            mol = self._run(step, mol)
        return Chem.Mol(mol) if mol is given else mol

    def _run(self, step: str, mol: Chem.Mol) -> Chem.Mol:
        try:
            out = self._tools[step](mol)
        except Exception as exc:  # RDKit raises several C++-mapped types
            raise ValueError(f"standardization failed at step '{step}': {exc}") from exc
        if out is None:
            raise ValueError(f"standardization failed at step '{step}'")
        return out


_DATIVE_BOND = Chem.MolFromSmarts("*->*")


def _one_plain_fragment(mol: Chem.Mol) -> bool:
    """One fragment and no dative bond: the chooser would return the molecule as it is.
    (With dative bonds, as RDKit 2026 writes metal complexes, the chooser's copy can differ:
    1 of 97,006 dataset and library molecules, an iron-sulfur complex.)"""
    return len(Chem.GetMolFrags(mol)) == 1 and not mol.HasSubstructMatch(_DATIVE_BOND)


def dropped_fragments(smiles: str) -> tuple[str, list[str]] | None:
    """What standardization leaves out of a multi-fragment SMILES, for a note to people:
    ``(kept parent SMILES, [dropped fragment SMILES, ...])``, or ``None`` when nothing is
    dropped (one fragment) or the SMILES does not parse. E.g. cisplatin
    ``[Cl-].[Cl-].[NH3][Pt+2][NH3]`` -> ``("N[Pt+2]N"-like parent, ["[Cl-]", "[Cl-]"])``.
    """

    with quiet_rdkit():
        mol = Chem.MolFromSmiles(smiles) if isinstance(smiles, str) and smiles else None
        if mol is None or len(Chem.GetMolFrags(mol)) < 2:
            return None
        try:
            parent = Standardizer()(mol)
        except ValueError:
            return None
        kept = Chem.MolToSmiles(parent)
        fragments = [Chem.MolToSmiles(f) for f in Chem.GetMolFrags(mol, asMols=True)]
    chosen = Chem.MolToSmiles(rdMolStandardize.LargestFragmentChooser(preferOrganic=True)
                              .choose(mol))
    dropped = list(fragments)
    if chosen in dropped:
        dropped.remove(chosen)
    return kept, dropped
