"""Atom/bond featurization and the parallel featurizer on real molecules."""

import numpy as np
import pytest
import torch
from rdkit import Chem
from torch_geometric.data import Batch

from molpred.exceptions import InputError
from molpred.featurizers import (
    ATOM_FEATURE_DIM,
    BOND_FEATURE_DIM,
    DESCRIPTOR_NAMES,
    FeaturizerConfig,
    atom_features,
    bond_features,
    ecfp4,
    featurize_smiles,
    rdkit2d,
)
from molpred.featurizers.atom import ELEMENTS
from molpred.featurizers.vector import FAST_DESCRIPTOR_NAMES, rdkit2d_fast


def test_atom_features_of_alanine_zwitterion():
    mol = Chem.MolFromSmiles("C[C@H](N)C(=O)[O-]")
    x = atom_features(mol)
    assert x.shape == (mol.GetNumAtoms(), ATOM_FEATURE_DIM) and x.dtype == np.float32
    # six one-hot blocks -> exactly six ones per atom in the one-hot part
    assert np.all(x[:, : ATOM_FEATURE_DIM - 3].sum(1) == 6)
    carbon, oxygen = ELEMENTS.index("C"), ELEMENTS.index("O")
    assert x[1, carbon] == 1 and x[5, oxygen] == 1
    # the anionic oxygen carries charge -1: a different charge slot than the carbonyl O
    assert not np.array_equal(x[4, 44:80], x[5, 44:80])
    # mass/100 column
    assert x[5, -1] == pytest.approx(0.15999, abs=1e-4)


def test_bond_edges_come_in_reverse_pairs():
    mol = Chem.MolFromSmiles("c1ccccc1O")
    edge_index, edge_attr = bond_features(mol)
    assert edge_index.shape == (2, 2 * mol.GetNumBonds())
    assert edge_attr.shape == (2 * mol.GetNumBonds(), BOND_FEATURE_DIM)
    e = np.arange(edge_index.shape[1])
    assert np.array_equal(edge_index[0, e ^ 1], edge_index[1, e])
    assert np.array_equal(edge_attr[e ^ 1], edge_attr[e])
    aromatic = edge_attr[:, 3]
    assert aromatic.sum() == 12  # six ring bonds, two directions


def test_single_atom_molecule_has_no_edges():
    edge_index, edge_attr = bond_features(Chem.MolFromSmiles("C"))
    assert edge_index.shape == (2, 0) and edge_attr.shape == (0, BOND_FEATURE_DIM)


def test_ecfp4_and_descriptors():
    mol = Chem.MolFromSmiles("CC(=O)Oc1ccccc1C(=O)O")
    fp = ecfp4(mol)
    assert fp.shape == (2048,) and set(np.unique(fp)) <= {0.0, 1.0} and fp.sum() > 10
    desc = rdkit2d(mol)
    assert desc.shape == (len(DESCRIPTOR_NAMES),) and np.isfinite(desc).all()
    assert desc[DESCRIPTOR_NAMES.index("MolWt")] == pytest.approx(180.16, abs=0.01)


def test_descriptors_equal_rdkits_own_functions_on_real_molecules(tox21):
    """rdkit2d computes the E-state indices once for four descriptors, the characteristic
    polynomial once for Ipc and AvgIpc, and QED on the molecule itself when it has no
    hydrogen atom; the values must be exactly what RDKit's descriptor functions give one by
    one (a deuterated and a salt form included: RDKit keeps deuterium as an atom)."""
    from rdkit.Chem import Descriptors

    from molpred.chem.standardize import Standardizer

    extra = ["[2H]C([2H])([2H])Oc1ccc(CC(=O)O)cc1", "CC(=O)[O-].[Na+]", "[H][H]"]
    standardizer = Standardizer()  # the molecules models that standardize read, as they are
    parents = [standardizer(Chem.MolFromSmiles(s)) for s in
               ("CC(=O)[O-].[Na+]", "C[n+]1ccccc1.[Cl-]", "Oc1ccc(cc1)C(=O)O.Cl")]
    molecules = [Chem.MolFromSmiles(s) for s in [*tox21["smiles"].head(60), *extra]]
    for smiles, mol in zip([*tox21["smiles"].head(60), *extra, "parent 1", "parent 2",
                            "parent 3"], [*molecules, *parents], strict=True):
        if mol is None:
            continue
        ours = rdkit2d(Chem.Mol(mol))
        for i, (name, fn) in enumerate(Descriptors._descList):
            try:
                value = fn(Chem.Mol(mol))
            except Exception:
                value = 0.0
            expected = np.float32(np.clip(np.nan_to_num(value, nan=0.0, posinf=1e6,
                                                        neginf=-1e6), -1e6, 1e6))
            assert ours[i] == expected, (smiles, name)


FAST_EQUALS = {  # a fast descriptor -> the RDKit 2D descriptor it must equal
    "exactmw": "ExactMolWt", "amw": "MolWt", "NumHBD": "NumHDonors", "NumRings": "RingCount",
    "NumHeavyAtoms": "HeavyAtomCount", "NumHeteroatoms": "NumHeteroatoms",
    "NumAromaticRings": "NumAromaticRings", "NumAliphaticRings": "NumAliphaticRings",
    "NumSaturatedRings": "NumSaturatedRings", "FractionCSP3": "FractionCSP3",
    "NumSpiroAtoms": "NumSpiroAtoms", "NumBridgeheadAtoms": "NumBridgeheadAtoms",
    "labuteASA": "LabuteASA", "tpsa": "TPSA", "chi0v": "Chi0v", "chi1v": "Chi1v",
    "chi0n": "Chi0n", "chi1n": "Chi1n", "hallKierAlpha": "HallKierAlpha", "kappa1": "Kappa1",
    "CrippenClogP": "MolLogP", "CrippenMR": "MolMR",
}


def test_fast_descriptors_equal_the_full_sets_values_on_real_molecules(tox21):
    """rdkit2d_fast reads RDKit's C++ calculators in one call; where a full descriptor means
    the same thing, the value must be the same (float32)."""
    assert len(FAST_DESCRIPTOR_NAMES) == 32 and set(FAST_EQUALS) <= set(FAST_DESCRIPTOR_NAMES)
    checked = 0
    for smiles in tox21["smiles"].head(60):
        mol = Chem.MolFromSmiles(smiles)
        if mol is None:
            continue
        fast, full = rdkit2d_fast(Chem.Mol(mol)), rdkit2d(Chem.Mol(mol))
        assert fast.shape == (32,) and fast.dtype == np.float32 and np.isfinite(fast).all()
        for name, other in FAST_EQUALS.items():
            assert fast[FAST_DESCRIPTOR_NAMES.index(name)] == pytest.approx(
                full[DESCRIPTOR_NAMES.index(other)], rel=1e-5, abs=1e-4), (smiles, name)
        checked += 1
    assert checked > 50
    aspirin = rdkit2d_fast(Chem.MolFromSmiles("CC(=O)Oc1ccccc1C(=O)O"))
    assert aspirin[FAST_DESCRIPTOR_NAMES.index("amw")] == pytest.approx(180.16, abs=0.01)
    assert aspirin[FAST_DESCRIPTOR_NAMES.index("tpsa")] == pytest.approx(63.6, abs=0.1)


def test_fast_descriptors_go_into_mol_features(tox21):
    config = FeaturizerConfig(extra_features=("rdkit2d_fast", "ecfp"))
    assert config.extra_dim == 32 + 2048
    data, errors = featurize_smiles(tox21["smiles"].head(5).tolist(), config, workers=1)
    assert not any(errors)
    mol = Chem.MolFromSmiles(tox21["smiles"].iloc[0])
    from molpred.chem.standardize import Standardizer

    mol = Standardizer()(mol) if config.standardize else mol
    assert data[0].mol_features.shape == (1, 32 + 2048)
    np.testing.assert_array_equal(data[0].mol_features[0, :32].numpy(), rdkit2d_fast(mol))


def test_featurize_keeps_every_row_in_order(tox21):
    smiles = tox21["smiles"].head(40).tolist() + ["garbage", "", "C1CC"]
    data, errors = featurize_smiles(smiles, FeaturizerConfig(ecfp=True), workers=1)
    assert len(data) == len(errors) == len(smiles)
    assert [d is None for d in data[-3:]] == [True, True, True]
    assert all(errors[-3:])
    first = Chem.MolFromSmiles(smiles[0])
    assert data[0].x.shape[0] == first.GetNumAtoms()
    assert data[0].fp.shape == (1, 2048)
    batch = Batch.from_data_list([d for d in data if d is not None])
    assert batch.num_graphs == sum(d is not None for d in data)
    assert batch.fp.shape == (batch.num_graphs, 2048)


def test_parallel_featurization_equals_serial(tox21):
    smiles = tox21["smiles"].head(2500).tolist()
    serial, errors_serial = featurize_smiles(smiles, FeaturizerConfig(), workers=1)
    parallel, errors_parallel = featurize_smiles(smiles, FeaturizerConfig(), workers=2)
    assert errors_serial == errors_parallel
    for a, b in zip(serial, parallel):
        assert (a is None) == (b is None)
        if a is not None:
            assert torch.equal(a.x, b.x) and torch.equal(a.edge_index, b.edge_index)


def test_extra_features_width_and_unknown_name():
    config = FeaturizerConfig(graph=False, extra_features=("rdkit2d", "ecfp"))
    assert config.extra_dim == len(DESCRIPTOR_NAMES) + 2048
    data, _ = featurize_smiles(["CCO"], config)
    assert data[0].mol_features.shape == (1, config.extra_dim)
    with pytest.raises(InputError, match="unknown extra feature"):
        FeaturizerConfig(extra_features=("maccs",))


def test_one_molecule_gives_the_same_features_however_its_hydrogens_are_written():
    config = FeaturizerConfig(ecfp=True, extra_features=("rdkit2d",), tokens=True,
                              standardize=False)
    (plain, explicit), errors = featurize_smiles(
        ["CC(=O)Oc1ccccc1C(=O)O",
         "C([H])([H])([H])C(=O)Oc1c([H])c([H])c([H])c([H])c1C(=O)O[H]"], config, workers=1)
    assert errors == ["", ""]
    assert plain.x.shape == (13, ATOM_FEATURE_DIM)
    for key in ("x", "edge_index", "edge_attr", "fp", "mol_features", "tokens"):
        assert torch.equal(plain[key], explicit[key]), key
