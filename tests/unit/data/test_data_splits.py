"""random_split, scaffold_split (DeepChem), read_split_file and validate_split."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from rdkit.Chem.Scaffolds.MurckoScaffold import MurckoScaffoldSmiles

from molpred.chem import parse_smiles
from molpred.data import random_split, read_split_file, scaffold_split, validate_split
from molpred.exceptions import InputError

PARTS = ("train", "val", "test")


def assert_partition(split, rows):
    """Parts are sorted int64, pairwise disjoint and together exactly ``rows``."""
    assert set(split) == set(PARTS)
    for part in split.values():
        assert part.dtype == np.int64 and np.all(np.diff(part) > 0)
    together = np.concatenate([split[p] for p in PARTS])
    assert len(together) == len(set(together.tolist()))
    assert sorted(together.tolist()) == sorted(rows)


def test_random_split_partitions_and_is_seeded():
    split = random_split(1000, (0.8, 0.1, 0.1), seed=0)
    assert_partition(split, range(1000))
    assert [len(split[p]) for p in PARTS] == [800, 100, 100]
    again = random_split(1000, seed=0)
    assert all(np.array_equal(split[p], again[p]) for p in PARTS)
    assert not np.array_equal(split["test"], random_split(1000, seed=1)["test"])
    assert_partition(random_split(7, (0.5, 0.5, 0.0)), range(7))
    with pytest.raises(InputError, match="add up to 1"):
        random_split(10, (0.8, 0.1, 0.2))


def test_scaffold_split_on_real_tox21(data_dir):
    # Rows 900..1399 of tox21 include row 1322, an aluminium salt RDKit rejects (the shared
    # split file lists it as invalid too); here it is position 422.
    smiles = pd.read_csv(data_dir / "tox21.csv", nrows=1400)["smiles"].tolist()[900:]
    valid_rows = [i for i, s in enumerate(smiles) if parse_smiles(s)[0] is not None]
    assert 422 not in valid_rows and len(valid_rows) > 480

    split = scaffold_split(smiles, (0.8, 0.1, 0.1))
    assert_partition(split, valid_rows)
    scaffolds = {p: {MurckoScaffoldSmiles(smiles[i], includeChirality=False) for i in split[p]}
                 for p in PARTS}
    assert not scaffolds["train"] & scaffolds["val"]
    assert not scaffolds["train"] & scaffolds["test"]
    assert not scaffolds["val"] & scaffolds["test"]
    n = len(valid_rows)
    assert 0.75 * n <= len(split["train"]) <= 0.8 * n  # DeepChem never overfills train

    # DeepChem's splitter is deterministic: the seed does not change anything.
    reseeded = scaffold_split(smiles, (0.8, 0.1, 0.1), seed=7)
    assert all(np.array_equal(split[p], reseeded[p]) for p in PARTS)
    # An explicit mask removes rows from every part.
    mask = np.zeros(len(smiles), dtype=bool)
    mask[valid_rows[:200]] = True
    assert_partition(scaffold_split(smiles, valid=mask), valid_rows[:200])


def test_scaffold_split_without_valid_rows_needs_no_deepchem():
    split = scaffold_split(["", None, "C1CC"])
    assert all(len(split[p]) == 0 for p in PARTS)
    with pytest.raises(InputError, match="shape"):
        scaffold_split(["CCO"], valid=np.ones(2, dtype=bool))


def test_read_split_file_on_shared_tox21(splits_dir):
    path = splits_dir / "tox21.json"
    meta = json.loads(path.read_text())
    split = read_split_file(path, "seed0")
    validate_split(split, meta["rows"])
    covered = np.concatenate([split[p] for p in PARTS]).tolist() + meta["invalid"]
    assert sorted(covered) == list(range(meta["rows"]))  # every row: a part or invalid
    assert np.array_equal(read_split_file(path, "0")["test"], split["test"])
    with pytest.raises(InputError, match="no split 'seed9'; available: seed0, seed1, seed2"):
        read_split_file(path, "seed9")


def test_read_split_file_plain_and_chemprop_layouts(tmp_path):
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"train": [3, 0, 1], "valid": [2], "test": [4]}))
    split = read_split_file(plain)
    assert split["train"].tolist() == [0, 1, 3] and split["val"].tolist() == [2]
    chemprop = tmp_path / "chemprop.json"
    chemprop.write_text(json.dumps([{"train": "0-3,6", "val": [4], "test": [5]},
                                    {"train": [0], "val": [1], "test": [2]}]))
    assert read_split_file(chemprop, "0")["train"].tolist() == [0, 1, 2, 3, 6]
    assert read_split_file(chemprop, "1")["test"].tolist() == [2]
    with pytest.raises(InputError, match="available: 0, 1"):
        read_split_file(chemprop, "2")


def test_validate_split_rejects_bad_indices():
    good = {"train": np.array([0, 1]), "val": np.array([2]), "test": np.array([3])}
    validate_split(good, 4)
    with pytest.raises(InputError, match="row index 3 outside 0..2"):
        validate_split(good, 3)
    with pytest.raises(InputError, match="row 1 is in both 'train' and 'test'"):
        validate_split({**good, "test": np.array([1])}, 4)


def test_a_split_file_made_for_another_table_is_refused(splits_dir):
    from molpred.data.splits import check_split_file_rows
    from molpred.exceptions import InputError

    # clintox's split (1,478 rows) fits inside bbbp's 2,039 rows index-wise; only the file's
    # rows field can tell that every index would point at another molecule
    with pytest.raises(InputError, match=r"made for a table of 1,478 rows \(clintox.csv\)"):
        check_split_file_rows(splits_dir / "clintox.json", 2039)
    check_split_file_rows(splits_dir / "clintox.json", 1478)  # its own table: fine


def test_training_with_another_datasets_split_file_fails_before_training(splits_dir, data_dir,
                                                                         tmp_path):
    import molpred
    from molpred.exceptions import InputError

    table = tmp_path / "esol.csv"
    table.write_text((data_dir / "delaney.csv").read_text())
    with pytest.raises(InputError, match="made for a table of"):
        molpred.train(table, targets=["logp"], model="mlp", splits=splits_dir / "freesolv.json",
                      epochs=1, workers=1)
