"""``screen(..., filter=, top=, druglike=)`` on real Tox21 molecules plus the messy file:
the rows written are exactly those a full screen would select, and bad options fail early."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests_support import MESSY

import molpred
from molpred.chem.druglike import DRUGLIKE_COLUMNS
from molpred.exceptions import InputError
from molpred.screening.resume import work_folder
from molpred.screening.selection import RowFilter, TopK

TASKS = ["NR-AR", "SR-MMP"]


@pytest.fixture(scope="module")
def model(tmp_path_factory, tox21) -> Path:
    """A tiny mlp trained on 400 real Tox21 rows (two tasks whose names contain '-')."""
    folder = tmp_path_factory.mktemp("selection")
    tox21.head(400).to_csv(folder / "train.csv", index=False)
    molpred.train(folder / "train.csv", targets=TASKS, model="mlp", hidden_size=32, epochs=2,
                  split="random", seed=0, out=folder / "mlp", workers=1)
    return folder / "mlp"


@pytest.fixture(scope="module")
def library(tmp_path_factory, tox21) -> Path:
    """300 unseen Tox21 molecules followed by the 10 rows of messy.csv (4 unreadable)."""
    messy = pd.read_csv(MESSY, keep_default_na=False)
    rows = pd.DataFrame({"id": [f"tox{i}" for i in range(500, 800)],
                         "smiles": tox21["smiles"].iloc[500:800].tolist()})
    path = tmp_path_factory.mktemp("library") / "library.csv"
    pd.concat([rows, messy], ignore_index=True).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def full(model, library, tmp_path_factory) -> pd.DataFrame:
    """Every row screened with drug-likeness columns, nothing selected."""
    out = tmp_path_factory.mktemp("full") / "full.parquet"
    report = molpred.screen(model, library, out, chunk_size=64, workers=1, druglike=True)
    assert report.rows == report.written == 310 and report.errors == 4
    return pd.read_parquet(out)


def test_druglike_columns_are_filled_except_for_failed_rows(full):
    assert list(full.columns) == ["id", "smiles", "NR-AR", "NR-AR_set", "SR-MMP", "SR-MMP_set",
                                  "max_similarity", "embedding_distance", "expected_error", "in_domain",
                                  "alerts",
                                  "error", *DRUGLIKE_COLUMNS]
    failed = full["error"] != ""
    assert full.loc[failed, list(DRUGLIKE_COLUMNS)].isna().all().all()
    assert full.loc[~failed, list(DRUGLIKE_COLUMNS)].notna().all().all()
    assert full.loc[~failed, "qed"].between(0, 1).all()


def test_filter_writes_exactly_the_matching_rows_in_input_order(model, library, full,
                                                                 tmp_path):
    out = tmp_path / "hits.csv"
    expression = "SR-MMP < 0.52 and qed > 0.4 and lipinski_violations == 0"
    report = molpred.screen(model, library, out, chunk_size=64, workers=1, druglike=True,
                            filter=expression)
    expected = full[(full["SR-MMP"] < 0.52) & (full["qed"] > 0.4)
                    & (full["lipinski_violations"] == 0)]
    written = pd.read_csv(out, keep_default_na=False)
    assert 0 < len(expected) < len(full)
    assert written["id"].tolist() == expected["id"].tolist()
    assert report.rows == 310 and report.errors == 4
    assert report.written == len(expected) and report.unmatched == 310 - len(expected)
    assert not work_folder(out).exists()


@pytest.mark.parametrize("ascending", [False, True])
def test_top_k_across_chunks_equals_sorting_the_full_screen(model, library, full, tmp_path,
                                                            ascending):
    out = tmp_path / "top.parquet"
    report = molpred.screen(model, library, out, chunk_size=32, workers=1, top=25,
                            sort_by="NR-AR", ascending=ascending)
    ranked = full[full["error"] == ""].sort_values("NR-AR", ascending=ascending,
                                                   kind="stable").head(25)
    written = pd.read_parquet(out)
    assert written["id"].tolist() == ranked["id"].tolist()
    np.testing.assert_array_equal(written["NR-AR"], ranked["NR-AR"])
    assert report.written == 25 and report.rows == 310 and report.errors == 4


def test_top_by_a_druglike_column_after_a_filter(model, library, full, tmp_path):
    out = tmp_path / "top.csv"
    report = molpred.screen(model, library, out, chunk_size=50, workers=1, druglike=True,
                            filter="hbd <= 2", top=10, sort_by="qed")
    expected = full[full["hbd"] <= 2].sort_values("qed", ascending=False,
                                                  kind="stable").head(10)
    assert pd.read_csv(out)["id"].tolist() == expected["id"].tolist()
    assert report.unmatched == int((~(full["hbd"] <= 2).fillna(False)).sum())


@pytest.mark.parametrize(("options", "fragment"), [
    ({"filter": "SR-MMP <"}, "bad --filter"),
    ({"filter": "toxicity < 0.3"}, "toxicity"),
    ({"filter": "SR-MMP + 1"}, "true or false"),
    ({"filter": "qed > 0.5"}, "qed"),  # a drug-likeness column without --druglike
    ({"filter": "id >= 30"}, "text"),  # input columns are text: refused before the run
    ({"filter": "SR-MMP ** 2 < 0.3"}, "**"),
    ({"filter": "SR-MMP.abs() < 0.3"}, "not allowed"),
    ({"top": 5, "sort_by": "potency"}, "potency"),
    ({"top": 5}, "--sort-by"),
    ({"sort_by": "NR-AR"}, "--top"),
])
def test_bad_selection_fails_before_the_run(model, library, tmp_path, options, fragment):
    out = tmp_path / "hits.csv"
    with pytest.raises(InputError, match=None) as info:
        molpred.screen(model, library, out, chunk_size=64, workers=1, **options)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert not out.exists() and not work_folder(out).exists()


def test_filter_reads_dashed_names_longest_first_and_leaves_quotes_and_words_alone():
    frame = pd.DataFrame({"NR-AR": [0.2, 0.7, 0.2], "NR-AR-LBD": [0.5, 0.5, 0.0],
                          "SR-MMP": [0.1, 0.1, 2.0], "id": ["a", "NR-AR", "c"],
                          "error": ["", "", ""]})
    columns = frame.iloc[:0]
    kept, _ = RowFilter("NR-AR < 0.5 and NR-AR-LBD>0.1", columns).apply(frame)
    assert kept["id"].tolist() == ["a"]  # NR-AR-LBD is not read as NR-AR minus LBD
    kept, _ = RowFilter("id == 'NR-AR' or `SR-MMP` > 1", columns).apply(frame)
    assert kept["id"].tolist() == ["NR-AR", "c"]  # a column name inside quotes stays text
    with pytest.raises(InputError, match="unknown column 'valid'"):
        RowFilter("valid < 1", columns)  # 'id' inside a word is not the column id


def test_row_filter_and_top_k_on_a_small_frame():
    frame = pd.DataFrame({"NR-AR": [0.1, np.nan, 0.9, 0.5, 0.9],
                          "error": ["", "bad SMILES", "", "", ""]})
    kept, unmatched = RowFilter("NR-AR < 0.6", frame.iloc[:0]).apply(frame)
    assert kept.index.tolist() == [0, 3] and unmatched == 3
    ranker = TopK(2, "NR-AR")
    ranker.add(frame.iloc[:3])
    ranker.add(frame.iloc[3:])
    assert ranker.best["NR-AR"].tolist() == [0.9, 0.9]  # ties: the earlier row first
    assert TopK(3, "NR-AR", ascending=True).select(frame)["NR-AR"].tolist() == [0.1, 0.5, 0.9]


INJECTIONS = [
    "smiles.str.slice(0,0).add(\"__import__('os').system('id > {marker}')\").map(smiles."
    "__class__.__init__.__globals__.get('__builtins__').get('eval')) == 0",
    "`SR-MMP`.to_csv('{marker}') == 1",
    "SR-MMP < 0.5 and __import__('os').system('touch {marker}') == 0",
]


@pytest.mark.parametrize("template", INJECTIONS)
def test_filter_runs_no_code_and_writes_no_file(model, library, tmp_path, template):
    marker = tmp_path / "pwned.txt"
    out = tmp_path / "hits.csv"
    with pytest.raises(InputError, match="not allowed") as info:
        molpred.screen(model, library, out, chunk_size=64, workers=1,
                       filter=template.format(marker=marker))
    assert "\n" not in str(info.value)
    assert not marker.exists() and not out.exists() and not work_folder(out).exists()


@pytest.mark.parametrize(("expression", "expected"), [
    ("SR-MMP < 0.52 and NR-AR < 0.5",
     lambda f: (f["SR-MMP"] < 0.52) & (f["NR-AR"] < 0.5)),
    ("qed > 0.6 and lipinski_violations == 0",
     lambda f: (f["qed"] > 0.6) & (f["lipinski_violations"] == 0)),
    ("not (clogp > 1)", lambda f: ~(f["clogp"] > 1)),
    ("(hbd == 0 or tpsa > 60) and not (mol_weight >= 300)",
     lambda f: ((f["hbd"] == 0) | (f["tpsa"] > 60)) & ~(f["mol_weight"] >= 300)),
    ("clogp > -1 and -clogp < 2", lambda f: (f["clogp"] > -1) & (-f["clogp"] < 2)),
    ("0.4 < qed <= 0.7", lambda f: (f["qed"] > 0.4) & (f["qed"] <= 0.7)),
    ("`SR-MMP` * 2 - NR-AR / 2 > 0.15", lambda f: f["SR-MMP"] * 2 - f["NR-AR"] / 2 > 0.15),
    ("id == 'tox512' or smiles == 'CCO'", lambda f: (f["id"] == "tox512") | (f["smiles"] == "CCO")),
    # failed rows (no predictions) must not match even where NaN makes the condition true
    ("not (SR-MMP > 0.9)", lambda f: ~(f["SR-MMP"] > 0.9)),
    ("SR-MMP != 0.3", lambda f: f["SR-MMP"] != 0.3),
])
def test_filters_select_exactly_the_matching_predicted_rows(model, library, full, tmp_path,
                                                            expression, expected):
    out = tmp_path / "hits.parquet"
    report = molpred.screen(model, library, out, chunk_size=64, workers=1, druglike=True,
                            filter=expression)
    want = full[expected(full).fillna(False).to_numpy(dtype=bool) & (full["error"] == "")]
    written = pd.read_parquet(out)
    assert 0 < len(want) and written["id"].tolist() == want["id"].tolist()
    assert (written["error"] == "").all()
    assert report.written == len(want) and report.unmatched == 310 - len(want)
