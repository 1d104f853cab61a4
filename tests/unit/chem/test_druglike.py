"""Drug-likeness columns on real molecules: known values, rule-of-five counts, failed rows."""


import numpy as np
import pandas as pd
import pytest
from rdkit import Chem
from tests_support import MESSY

from molpred.chem.druglike import DRUGLIKE_COLUMNS, druglike_properties, druglike_table

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"


def test_aspirin_has_its_textbook_values():
    props = druglike_properties(Chem.MolFromSmiles(ASPIRIN))
    assert list(props) == list(DRUGLIKE_COLUMNS)
    assert props["mol_weight"] == pytest.approx(180.16, abs=0.01)
    assert props["tpsa"] == pytest.approx(63.6, abs=0.1)
    assert props["clogp"] == pytest.approx(1.31, abs=0.01)
    assert props["qed"] == pytest.approx(0.55, abs=0.01)
    assert (props["hbd"], props["hba"], props["rotatable_bonds"]) == (1, 4, 2)
    assert props["lipinski_violations"] == 0


def test_a_large_peptide_breaks_the_rule_of_five():
    messy = pd.read_csv(MESSY, keep_default_na=False).set_index("id")
    props = druglike_properties(Chem.MolFromSmiles(messy.loc["large-200-atoms", "smiles"]))
    assert props["mol_weight"] > 500 and props["hbd"] > 5 and props["hba"] > 10
    assert props["lipinski_violations"] == 3  # weight, donors, acceptors; logP is low
    assert 0 <= props["qed"] < 0.1


def test_table_keeps_every_row_and_leaves_failed_rows_empty():
    messy = pd.read_csv(MESSY, keep_default_na=False)
    table = druglike_table(messy["smiles"].tolist())
    assert len(table) == len(messy) and list(table.columns) == list(DRUGLIKE_COLUMNS)
    assert table["qed"].dtype == np.float64 and str(table["hbd"].dtype) == "Int64"
    status = dict(zip(messy["id"], table["qed"].isna()))
    for bad in ("garbage", "empty", "valence-error", "unclosed-ring"):
        assert status[bad], bad
    for good in ("valid-aspirin", "salt", "valid-caffeine", "large-200-atoms"):
        assert not status[good], good
    assert table.loc[table["qed"].isna(), "lipinski_violations"].isna().all()


def test_the_standardized_parent_is_described():
    salt = "CCCC(CCC)C(=O)[O-].[Na+]"  # sodium valproate -> valproic acid (144.2 Da)
    parent = druglike_table([salt])["mol_weight"].iloc[0]
    as_given = druglike_table([salt], standardize=False)["mol_weight"].iloc[0]
    assert parent == pytest.approx(144.21, abs=0.01)
    assert as_given == pytest.approx(166.19, abs=0.01)


def test_empty_input_gives_typed_columns():
    table = druglike_table([])
    assert len(table) == 0 and list(table.columns) == list(DRUGLIKE_COLUMNS)
