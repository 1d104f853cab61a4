"""Fixed-length molecule vectors: ECFP4 fingerprints and RDKit 2D descriptors.

* ECFP4 (Rogers & Hahn 2010): Morgan fingerprint of radius 2, 2048 bits, from RDKit's
  ``rdFingerprintGenerator``; the input of the ``mlp`` encoder and an optional extra feature.
* RDKit 2D descriptors: every descriptor in ``rdkit.Chem.Descriptors._descList`` (about 217:
  MolWt in g/mol, MolLogP, TPSA in Å², counts, fragment counts, ...). Raw values are returned
  here (NaN -> 0, ±inf -> ±1e6, then clipped to ±1e6); scaling to zero mean and unit variance
  happens in the model (``MoleculeModel`` stores the training-set mean and std), so a saved
  model carries its own scaler.
* Fast descriptors (``rdkit2d_fast``, :data:`FAST_DESCRIPTOR_NAMES`): 32 descriptors from
  RDKit's C++ calculators, about 0.8 ms a library molecule against about 11-12 ms for all of
  the above (``benchmarks/results/descriptor_cost/``): the 30 properties of
  ``rdMolDescriptors.Properties`` that cost at most 50 µs each (counts, rings, stereo
  centres, Labute ASA, TPSA, chi0/chi1 indices, kappa1, Hall-Kier alpha) and Crippen's logP
  and molar refractivity (Wildman & Crippen 1999, one ``CalcCrippenDescriptors`` call).
"""

from __future__ import annotations

from functools import lru_cache, partial

import numpy as np
from rdkit import Chem
from rdkit.Chem import QED, Crippen, Descriptors, Graphs, MolSurf, rdFingerprintGenerator, rdMolDescriptors
from rdkit.Chem.EState import EState
from rdkit.ML.InfoTheory import entropy

from molpred.chem.logs import quiet_rdkit

ECFP_BITS = 2048
ECFP_RADIUS = 2
_CLIP = 1e6


@lru_cache(maxsize=4)
def _morgan_generator(radius: int, bits: int):
    return rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=bits)


def ecfp4(mol: Chem.Mol, bits: int = ECFP_BITS) -> np.ndarray:
    """ECFP4 bit vector.

    Args:
        mol: A sanitized RDKit molecule.
        bits: Fingerprint length (default 2048).

    Returns:
        ``float32`` array of shape ``[bits]`` with values 0 or 1.
    """
    return _morgan_generator(ECFP_RADIUS, bits).GetFingerprintAsNumPy(mol).astype(np.float32)


def ecfp4_counts(mol: Chem.Mol, bits: int = ECFP_BITS) -> np.ndarray:
    """ECFP4 count vector: how often each hashed radius-2 environment occurs (what tree
    models read; counts separate e.g. one and three chlorines, which bits cannot).

    Args:
        mol: A sanitized RDKit molecule.
        bits: Fingerprint length (default 2048).

    Returns:
        ``float32`` array of shape ``[bits]`` of non-negative whole numbers.
    """
    return _morgan_generator(ECFP_RADIUS, bits).GetCountFingerprintAsNumPy(mol).astype(np.float32)


DESCRIPTOR_NAMES: tuple[str, ...] = tuple(name for name, _ in Descriptors._descList)
"""Names of the RDKit 2D descriptors, in the column order of :func:`rdkit2d`."""

_ESTATE = frozenset({"MaxEStateIndex", "MinEStateIndex", "MaxAbsEStateIndex",
                     "MinAbsEStateIndex"})
"""Descriptors that each recompute the atoms' E-state indices unless told to reuse them."""


def _qed_properties(mol: Chem.Mol) -> QED.QEDproperties:
    """``rdkit.Chem.QED.properties`` (Bickerton et al., Nat. Chem. 4, 90, 2012) computed on
    ``mol`` itself when it holds no hydrogen atom, where RDKit's function reads a copy
    without hydrogens: the same graph, so the same values, and Crippen's logP is computed
    once for QED and the ``MolLogP`` descriptor (RDKit caches it on the molecule)."""
    if any(atom.GetAtomicNum() == 1 for atom in mol.GetAtoms()):
        mol = Chem.RemoveHs(mol)
    return QED.QEDproperties(
        MW=rdMolDescriptors._CalcMolWt(mol),
        ALOGP=Crippen.MolLogP(mol),
        HBA=sum(len(mol.GetSubstructMatches(pattern)) for pattern in QED.Acceptors
                if mol.HasSubstructMatch(pattern)),
        HBD=rdMolDescriptors.CalcNumHBD(mol),
        PSA=MolSurf.TPSA(mol),
        ROTB=rdMolDescriptors.CalcNumRotatableBonds(
            mol, rdMolDescriptors.NumRotatableBondsOptions.Strict),
        AROM=len(Chem.GetSSSR(Chem.DeleteSubstructs(Chem.Mol(mol), QED.AliphaticRings))),
        ALERTS=sum(1 for alert in QED.StructuralAlerts if mol.HasSubstructMatch(alert)),
    )


def _qed(mol: Chem.Mol) -> float:
    """RDKit's ``qed`` with :func:`_qed_properties`."""
    return QED.qed(mol, qedProperties=_qed_properties(mol))


def _characteristic_polynomial(mol: Chem.Mol) -> np.ndarray:
    """|coefficients| of the characteristic polynomial of the hydrogen-suppressed adjacency
    matrix, as ``rdkit.Chem.GraphDescriptors.Ipc`` computes them; kept on the molecule so
    that ``Ipc`` and ``AvgIpc`` compute it once (about 0.3 ms a library molecule each)."""
    try:
        return mol._molpredCharPoly
    except AttributeError:
        pass
    try:
        distances = mol._adjMat  # where RDKit's Ipc caches it
    except AttributeError:
        distances = Chem.GetDistanceMatrix(mol, False)
        mol._adjMat = distances
    poly = abs(Graphs.CharacteristicPolynomial(mol, np.equal(distances, 1)))
    mol._molpredCharPoly = poly
    return poly


def _ipc(mol: Chem.Mol) -> float:
    """Bonchev-Trinajstic information content (RDKit's ``Ipc``, Eq. 6 of J. Chem. Phys. 67,
    4517, 1977)."""
    poly = _characteristic_polynomial(mol)
    return sum(poly) * entropy.InfoEntropy(poly)


def _avg_ipc(mol: Chem.Mol) -> float:
    """Its average (RDKit's ``AvgIpc``, Eq. 7)."""
    return entropy.InfoEntropy(_characteristic_polynomial(mol))


_SHARING = {"qed": _qed, "Ipc": _ipc, "AvgIpc": _avg_ipc}
"""Descriptors computed here with RDKit's own formulas and functions, sharing work with the
others; ``tests/unit/featurizers/test_graph.py`` checks that every value equals what RDKit's
descriptor function gives alone."""

_FUNCTIONS = tuple(partial(fn, force=0) if name in _ESTATE else _SHARING.get(name, fn)
                   for name, fn in Descriptors._descList)
"""The descriptor functions, the four E-state ones reading the indices :func:`rdkit2d`
computes once per molecule (RDKit caches them on the molecule), and :data:`_SHARING`: same
values, about a quarter less time than calling RDKit's functions one by one."""


def rdkit2d(mol: Chem.Mol) -> np.ndarray:
    """All RDKit 2D descriptors of ``mol``.

    Returns:
        ``float32`` array of shape ``[len(DESCRIPTOR_NAMES)]``; a descriptor RDKit cannot
        compute is 0, and values are clipped to ±1e6 so that float32 scaling stays finite.
    """
    values = np.empty(len(DESCRIPTOR_NAMES), dtype=np.float64)
    blocker = quiet_rdkit()  # noqa: F841 - a failing descriptor is a 0, not a log line
    try:
        EState.EStateIndices(mol, force=True)  # computed once, read by the four E-state ones
    except Exception:  # then each of them fails (and is 0) as it would alone
        pass
    for i, fn in enumerate(_FUNCTIONS):
        try:
            values[i] = fn(mol)
        except Exception:  # a few descriptors fail on exotic valences
            values[i] = np.nan
    values = np.nan_to_num(values, nan=0.0, posinf=_CLIP, neginf=-_CLIP)
    return np.clip(values, -_CLIP, _CLIP).astype(np.float32)


FAST_PROPERTIES: tuple[str, ...] = (
    "exactmw", "amw", "lipinskiHBA", "lipinskiHBD", "NumHBD", "NumHeavyAtoms", "NumAtoms",
    "NumHeteroatoms", "NumAmideBonds", "FractionCSP3", "NumRings", "NumAromaticRings",
    "NumAliphaticRings", "NumSaturatedRings", "NumHeterocycles", "NumAromaticHeterocycles",
    "NumSaturatedHeterocycles", "NumAliphaticHeterocycles", "NumSpiroAtoms",
    "NumBridgeheadAtoms", "NumAtomStereoCenters", "NumUnspecifiedAtomStereoCenters",
    "labuteASA", "tpsa", "chi0v", "chi1v", "chi0n", "chi1n", "hallKierAlpha", "kappa1")
"""The ``rdMolDescriptors.Properties`` entries of :func:`rdkit2d_fast`: each at most 50 µs per
library molecule on one core (measured one at a time on 500 library molecules; left out:
NumRotatableBonds, NumHBA, chi2-chi4, kappa2-3, Phi, and Crippen's pair, which is computed
in one call below instead of two)."""

FAST_DESCRIPTOR_NAMES: tuple[str, ...] = FAST_PROPERTIES + ("CrippenClogP", "CrippenMR")
"""Names of the :func:`rdkit2d_fast` values, in column order (RDKit's property names)."""


@lru_cache(maxsize=1)
def _fast_properties() -> rdMolDescriptors.Properties:
    return rdMolDescriptors.Properties(list(FAST_PROPERTIES))


def rdkit2d_fast(mol: Chem.Mol) -> np.ndarray:
    """The fast descriptor set (:data:`FAST_DESCRIPTOR_NAMES`): counts, ring and stereo
    counts, Labute ASA and TPSA (Å²), chi0/chi1 connectivity, kappa1, Hall-Kier alpha,
    Crippen logP and molar refractivity (Wildman & Crippen, J. Chem. Inf. Comput. Sci. 39,
    868, 1999).

    Args:
        mol: A sanitized RDKit molecule.

    Returns:
        ``float32`` array of shape ``[len(FAST_DESCRIPTOR_NAMES)]`` (32); a value RDKit cannot
        compute is 0, and values are clipped to ±1e6, as :func:`rdkit2d` does.
    """
    values = np.zeros(len(FAST_DESCRIPTOR_NAMES), dtype=np.float64)
    blocker = quiet_rdkit()  # noqa: F841 - a failing descriptor is a 0, not a log line
    try:
        values[:len(FAST_PROPERTIES)] = list(_fast_properties().ComputeProperties(mol))
    except Exception:  # exotic valences: zeros, as rdkit2d's failing descriptors
        pass
    try:
        values[len(FAST_PROPERTIES):] = rdMolDescriptors.CalcCrippenDescriptors(mol)
    except Exception:
        pass
    values = np.nan_to_num(values, nan=0.0, posinf=_CLIP, neginf=-_CLIP)
    return np.clip(values, -_CLIP, _CLIP).astype(np.float32)
