"""Parsing and standardization on real and broken SMILES."""

import math
import os

import pytest
from rdkit import Chem

from molpred.chem import Standardizer, parse_smiles


@pytest.fixture(scope="module")
def standardizer() -> Standardizer:
    return Standardizer()


def test_aspirin_parses_unchanged(standardizer):
    mol, error = parse_smiles("CC(=O)Oc1ccccc1C(=O)O", standardizer)
    assert error == ""
    assert Chem.MolToSmiles(mol) == Chem.CanonSmiles("CC(=O)Oc1ccccc1C(=O)O")


def test_salt_is_stripped_and_neutralized(standardizer):
    mol, error = parse_smiles("CC(=O)[O-].[Na+]", standardizer)
    assert error == ""
    assert Chem.MolToSmiles(mol) == "CC(=O)O"


def test_standardization_can_be_switched_off():
    mol, error = parse_smiles("CC(=O)[O-].[Na+]")
    assert error == ""
    assert mol.GetNumAtoms() == 5


@pytest.mark.parametrize(
    "smiles, reason",
    [
        ("", "empty SMILES"),
        ("   ", "empty SMILES"),
        (None, "empty SMILES"),
        (math.nan, "empty SMILES"),
        ("not a molecule", "syntax error"),
        ("C1CC", "syntax error"),
        ("C[N](C)(C)(C)C", "valence"),
    ],
)
def test_bad_input_gives_a_reason_not_an_exception(smiles, reason, standardizer):
    mol, error = parse_smiles(smiles, standardizer)
    assert mol is None
    assert reason in error


def test_very_long_input_is_refused():
    mol, error = parse_smiles("C" * 6000)
    assert mol is None and "longer than" in error


def test_every_tox21_row_parses_or_explains(tox21, standardizer):
    results = [parse_smiles(s, standardizer) for s in tox21["smiles"].head(500)]
    for mol, error in results:
        assert (mol is None) == bool(error)
    assert sum(mol is not None for mol, _ in results) >= 495


@pytest.mark.parametrize(("explicit", "implicit"), [
    ("[H]OC(=O)c1c([H])c([H])c([H])c([H])c1OC(=O)C([H])([H])[H]", "CC(=O)Oc1ccccc1C(=O)O"),
    ("[H][C@](F)(Cl)Br", "F[C@@H](Cl)Br"),            # stereo kept when its H is removed
    ("[H]/C(F)=C(/[H])F", "F/C=C/F"),
])
def test_hydrogens_written_as_atoms_are_removed(explicit, implicit, standardizer):
    for given in (standardizer, None):
        mol, error = parse_smiles(explicit, given)
        assert error == ""
        assert Chem.MolToSmiles(mol) == Chem.CanonSmiles(implicit)
        assert all(atom.GetAtomicNum() != 1 for atom in mol.GetAtoms())


def test_deuterium_and_mercury_are_kept():
    deuterated, _ = parse_smiles("[2H]OC")
    assert [a.GetSymbol() for a in deuterated.GetAtoms()].count("H") == 1
    mercury, _ = parse_smiles("C[Hg]C")  # an [H... bracket that is not hydrogen
    assert mercury.GetNumAtoms() == 3


def test_a_space_inside_a_smiles_is_an_error_not_a_silently_shorter_molecule():
    from molpred.chem.parse import parse_smiles

    mol, error = parse_smiles("CC O")
    assert mol is None and "contains whitespace" in error and "'CC'" in error
    mol, error = parse_smiles("  CCO  ")  # surrounding blanks are fine
    assert mol is not None and mol.GetNumAtoms() == 3 and error == ""
    mol, _ = parse_smiles("C[C@H](O)CC |r|")  # CXSMILES extensions follow a space
    assert mol is not None and mol.GetNumAtoms() == 5


def test_any_whitespace_inside_a_smiles_is_a_row_error():
    for text in ("CC\tO", "CC\nO", "CC O"):
        mol, error = parse_smiles(text)
        assert mol is None and "whitespace" in error, text
    assert parse_smiles("CC |$;;$|")[0] is not None  # a CXSMILES extension still parses


def test_a_lone_surrogate_is_a_row_error_not_a_crash():
    import molpred

    mol, error = parse_smiles("C\udcffC")
    assert mol is None and "not valid text" in error
    table = molpred.load("esol").predict(["C\udcffC", "CCO"], alerts=False, domain=False)
    assert "not valid text" in table["error"].iloc[0] and table["error"].iloc[1] == ""
    assert table["logS"].isna().iloc[0] and table["logS"].notna().iloc[1]


def test_standardizing_parsed_molecules_keeps_rdkits_log_quiet_as_parsing_does():
    """The panel parses once and standardizes the parsed molecules for the models that need
    it (``standardized``); that path printed RDKit's "Can't kekulize" for a pyrazolium
    ylide that parsing alone reads silently (a user's 200-molecule BBBP screen)."""
    import subprocess
    import sys

    code = ("from molpred.pipeline.prepare import prepare, standardized; "
            "given = prepare(['[O+]1=N[N](C=C1[N-]C(NC2=CC=CC=C2)=O)C(CC3=CC=CC=C3)C', 'CCO'], "
            "standardize=False); parents = standardized(given); "
            "print(sum(m is not None for m in parents.mols))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "MOLPRED_VERBOSE": "0"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "2"  # both rows still standardized
    assert "kekulize" not in run.stderr
    loud = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "MOLPRED_VERBOSE": "1"})
    assert "kekulize" in loud.stderr  # the molecule does make RDKit speak
