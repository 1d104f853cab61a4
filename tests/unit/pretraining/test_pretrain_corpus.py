"""The pretraining corpus holds no benchmark test molecule: the shipped backbone's selection
is redone from the corpus file and checked against every test part of every split seed."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from rdkit import Chem
from tests_support import DATA_DIR

from molpred.chem import Standardizer
from molpred.pretraining.backbone import load_backbone
from molpred.pretraining.corpus import benchmark_test_keys, connectivity_keys, select_corpus

CORPUS = DATA_DIR.parent / "corpora" / "moses_train.csv.gz"


def test_a_stereoisomer_and_a_salt_share_the_key_of_the_parent():
    parent = connectivity_keys("CC(N)C(=O)O")  # alanine
    assert len(parent) == 1
    assert connectivity_keys("C[C@H](N)C(=O)O") == parent
    assert parent <= connectivity_keys("C[C@@H](N)C(=O)[O-].[Na+]", Standardizer())
    assert not parent & connectivity_keys("CC(N)C(=O)OC")  # the methyl ester is another molecule
    assert connectivity_keys("not a smiles") == set()


def test_the_selection_skips_held_out_molecules_and_keeps_file_order(tmp_path):
    corpus = tmp_path / "corpus.csv"
    corpus.write_text("SMILES\nCCO\nc1ccccc1\nC[C@H](N)C(=O)O\nxx\nCC(N)C(=O)[O-].[Na+]\n"
                      "CCN\nCCCl\n")
    chosen = select_corpus(corpus, 3, connectivity_keys("CC(N)C(=O)O"))
    assert chosen.smiles == ["CCO", "c1ccccc1", "CCN"]  # the stereoisomer and the salt are out
    assert (chosen.rows_read, chosen.held_out, chosen.unreadable) == (6, 2, 1)


@pytest.fixture(scope="module")
def held_out(splits_dir):
    return benchmark_test_keys(DATA_DIR, splits_dir)


def test_every_test_part_of_every_dataset_and_seed_is_held_out(held_out, splits_dir):
    for split_file in sorted(splits_dir.glob("*.json")):
        content = json.loads(split_file.read_text())
        smiles = pd.read_csv(DATA_DIR / content["dataset"], usecols=[0]).iloc[:, 0]
        for seed, parts in content["splits"].items():
            for row in parts["test"][:5] + parts["test"][-5:]:
                assert connectivity_keys(smiles[row]) <= held_out, (split_file.name, seed, row)


@pytest.mark.skipif(not CORPUS.exists(), reason="no shared corpus")
def test_the_shipped_backbone_was_pretrained_on_no_benchmark_test_molecule(held_out, splits_dir):
    card = load_backbone("molpred-base").card["corpus"]
    chosen = select_corpus(CORPUS, card["size"], held_out)
    assert chosen.digest == card["digest"]  # the very molecules it was pretrained on
    assert chosen.held_out == card["held_out_test_molecules"] > 0
    # a second identity, RDKit's canonical SMILES without stereochemistry, as given and
    # standardized: no test molecule of any dataset and seed is among them
    standardizer = Standardizer()

    def canonical(smiles: str, standardize: bool) -> str | None:
        mol = Chem.MolFromSmiles(smiles)
        if mol is not None and standardize:
            mol = standardizer(mol)
        return Chem.MolToSmiles(mol, isomericSmiles=False) if mol is not None else None

    tests = set()
    for split_file in sorted(splits_dir.glob("*.json")):
        content = json.loads(split_file.read_text())
        smiles = pd.read_csv(DATA_DIR / content["dataset"], usecols=[0]).iloc[:, 0]
        for parts in content["splits"].values():
            for row in parts["test"]:
                tests |= {canonical(smiles[row], False), canonical(smiles[row], True)}
    tests.discard(None)
    assert not tests & {canonical(s, False) for s in chosen.smiles}
