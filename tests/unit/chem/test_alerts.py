"""Structural alerts from RDKit's FilterCatalog (PAINS, Brenk, NIH)."""

from rdkit import Chem

from molpred.chem.alerts import alerts_column, structural_alerts


def test_benzoquinone_matches_all_three_catalogs():
    alerts = structural_alerts(Chem.MolFromSmiles("O=C1C=CC(=O)C=C1"))
    assert {a.split(":")[0] for a in alerts} == {"PAINS", "Brenk", "NIH"}
    assert "PAINS: quinone_A(370)" in alerts


def test_clean_and_unreadable_molecules_have_no_alerts():
    assert structural_alerts(Chem.MolFromSmiles("c1ccccc1")) == []
    assert structural_alerts(None) == []
    column = alerts_column(["CC(=O)Oc1ccccc1C(=O)O", "CCO", "not smiles", None])
    assert column[0] == "Brenk: phenol_ester"
    assert column[1:] == ["", "", ""]


def test_alerts_of_the_standardized_parent():
    assert alerts_column(["O=C1C=CC(=O)C=C1.[Na+].[Cl-]"], standardize=True)[0].startswith("Brenk")
    assert alerts_column(["CC O"]) == [""]  # a row error has no alerts
