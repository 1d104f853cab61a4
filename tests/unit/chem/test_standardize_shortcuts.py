"""The Standardizer's shortcuts (uncharged and no neutral normalization pattern: no normalizer;
one fragment: no chooser; no charge: no uncharger) change nothing: the same molecules, atom for
atom, as RDKit's full normalize -> largest fragment -> uncharge pipeline, on real Tox21 and HIV
molecules and on salts, zwitterions and metals."""

import gzip

import numpy as np
import pandas as pd
import pytest
from rdkit import Chem
from rdkit.Chem.MolStandardize import rdMolStandardize

from molpred.chem.standardize import Standardizer
from molpred.featurizers.graph import graph_arrays

EDGE_CASES = [
    "CC(=O)[O-].[Na+]",  # salt: two fragments
    "C[N+](C)(C)CC(=O)[O-]",  # zwitterion, one fragment
    "[Na+].[Na+].O=C([O-])CCC(=O)[O-]",
    "Cl.CCN(CC)CC",  # hydrochloride
    "CS(C)=O",  # sulfoxide: normalized
    "CN(=O)=O",  # uncharged nitro: normalized
    "c1ccccc1.c1ccccc1",  # two equal fragments
    "[Pt](Cl)(Cl)(N)N",
    "C1CC1.O",
    "CCO",
    "CS(=O)(=O)C",  # sulfone, uncharged: not a sulfoxide
    "CP(C)(C)=O",  # phosphine oxide, uncharged
    "CN=[N+]=[N-]",  # azide, charged form
    "C=[N+]=[N-]",  # diazomethane, charged form
    "[O-][n+]1ccccc1",  # pyridine N-oxide, charged form
    "CC(=O)Nc1ccc(O)cc1.CCO",  # two uncharged fragments: chooser only
    # an iron-sulfur complex (dative bonds): the chooser changes even one fragment
    "C1C[N+]23CCC[N+]4(C1)CC[S-]1[Fe+2]24([SH+]CC3)[S-]2CC[N+]34CCC[N+]5(CCC3)CC[SH+][Fe+2]1254",
]


def _full_pipeline(mol: Chem.Mol) -> Chem.Mol:
    mol = rdMolStandardize.Normalizer().normalize(mol)
    mol = rdMolStandardize.LargestFragmentChooser(preferOrganic=True).choose(mol)
    return rdMolStandardize.Uncharger().uncharge(mol)


def _real_smiles(data_dir) -> list[str]:
    tox21 = pd.read_csv(data_dir / "tox21.csv")["smiles"]
    with gzip.open(data_dir / "hiv.csv.gz", "rt") as fh:
        hiv = pd.read_csv(fh).iloc[:, 0]
    # every multi-fragment or charged molecule of the first 3,000 rows of each, plus others
    picked = [s for s in pd.concat([tox21.head(3000), hiv.head(3000)])
              if "." in s or "+" in s or "-" in s]
    return picked + tox21.iloc[3000:3400].tolist() + EDGE_CASES


def test_shortcuts_give_the_full_pipelines_molecules(data_dir):
    smiles = _real_smiles(data_dir)
    assert sum("." in s for s in smiles) > 100  # the fragment step is really exercised
    standardizer = Standardizer()
    compared = 0
    for s in smiles:
        mol = Chem.MolFromSmiles(s)
        if mol is None:
            continue
        try:
            expected = _full_pipeline(mol)
        except Exception:
            with pytest.raises(ValueError):
                standardizer(mol)
            continue
        got = standardizer(mol)
        assert Chem.MolToSmiles(got) == Chem.MolToSmiles(expected), s
        a, b = graph_arrays(got), graph_arrays(expected)  # same atom order and features
        for key in a:
            assert np.array_equal(a[key], b[key]), (s, key)
        compared += 1
    assert compared > 1000


def test_a_plain_uncharged_molecule_skips_the_normalizer():
    standardizer = Standardizer()

    class Untouchable:
        def normalize(self, mol):
            raise AssertionError("the normalizer ran")

        uncharge = choose = normalize

    untouchable = Untouchable()
    standardizer._tools.update(normalize=untouchable.normalize, uncharge=untouchable.uncharge)
    out = standardizer(Chem.MolFromSmiles("CC(=O)Nc1ccc(O)cc1"))  # paracetamol
    assert Chem.MolToSmiles(out) == "CC(=O)Nc1ccc(O)cc1"
    with pytest.raises(ValueError, match="normalizer ran"):
        standardizer(Chem.MolFromSmiles("CS(C)=O"))  # sulfoxide: must be normalized
