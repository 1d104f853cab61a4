"""Dataset cards: all eleven MoleculeNet cards load and agree with DeepChem and the data."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import PurePosixPath
from urllib.parse import urlparse

import pandas as pd
import pytest

from molpred.data import DatasetCard, get_card, list_cards
from molpred.exceptions import UnknownNameError

NAMES = ["bace", "bbbp", "clintox", "delaney", "freesolv", "hiv", "lipo", "muv", "sider",
         "tox21", "toxcast"]
# Task counts of DeepChem 2.8's loaders (TOX21_TASKS, TOXCAST_TASKS, SIDER_TASKS, ...).
N_TASKS = {"tox21": 12, "toxcast": 617, "sider": 27, "clintox": 2, "muv": 17}


def test_all_cards_present_and_sorted():
    cards = list_cards()
    assert [c.name for c in cards] == NAMES
    assert all(isinstance(c, DatasetCard) for c in cards)


@pytest.mark.parametrize("card", list_cards(), ids=lambda c: c.name)
def test_card_fields_are_valid(card):
    url = urlparse(card.url)
    assert url.scheme == "https" and url.netloc.startswith("deepchemdata.s3")
    assert card.filename == PurePosixPath(url.path).name
    # a hash is recorded once a maintainer has downloaded the canonical file; until then the
    # notes say so
    assert (re.fullmatch(r"[0-9a-f]{64}", card.sha256) if card.sha256 is not None
            else "sha256" in card.notes)
    assert card.title and card.description and card.citation and card.smiles_column
    assert len(card.tasks) == N_TASKS.get(card.name, 1)
    assert len(set(card.tasks)) == len(card.tasks)
    assert card.smiles_column not in card.tasks
    if card.task_type == "classification":
        assert card.metric == "roc_auc" and card.units is None
    else:
        assert card.task_type == "regression" and card.metric == "rmse" and card.units


def test_regression_units_and_canonical_columns():
    assert get_card("delaney").units == "log(mol/L)"
    assert get_card("freesolv").units == "kcal/mol"
    assert get_card("lipo").units == "logD at pH 7.4"
    assert get_card("bace").smiles_column == "mol"  # bace.csv names its SMILES column "mol"
    assert get_card("freesolv").tasks == ("expt",)
    assert get_card("delaney").tasks == ("measured log solubility in mols per litre",)


def test_get_card_is_case_insensitive_and_unknown_names_list_known_ones():
    assert get_card("Tox21") == get_card("tox21")
    with pytest.raises(UnknownNameError, match="tox21") as info:
        get_card("tox22")
    assert isinstance(info.value, KeyError)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", ["tox21", "toxcast", "clintox", "hiv", "bbbp"])
def test_card_tasks_match_shared_copy_header(data_dir, name):
    # These shared copies keep DeepChem's task names, so the card must list exactly them.
    path = next(data_dir.glob(f"{name}.csv*"))
    header = list(pd.read_csv(path, nrows=0).columns)
    assert tuple(header[1:]) == get_card(name).tasks


def test_import_does_not_pull_deepchem_or_typer():
    code = ("import sys, molpred.data; "
            "print(sorted(m for m in ('deepchem', 'typer') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
