"""``molpred screen``: every row out, in order, errors flagged, in several formats."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".csv.gz"])
def test_screen_keeps_every_row_in_order(cli, model_dir, library, garbage_rows, tmp_path,
                                         suffix):
    src, dst = tmp_path / "library.csv.gz", tmp_path / f"hits{suffix}"
    library.to_csv(src, index=False)
    result = cli("screen", "-m", model_dir, "-i", src, "-o", dst, "--smiles-col", "smiles",
                 "--chunk-size", "25", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "60 rows, 3 errors" in result.stdout and "molecules/s" in result.stdout
    hits = (pd.read_parquet(dst) if suffix == ".parquet"
            else pd.read_csv(dst, keep_default_na=False, dtype={"error": str}))
    assert len(hits) == len(library)
    assert hits["id"].tolist() == library["id"].tolist()
    failed = sorted(hits.index[hits["error"].fillna("") != ""])
    assert failed == garbage_rows
    assert hits.drop(index=failed)["p_np"].astype(float).between(0, 1).all()


def test_screen_refuses_to_overwrite_its_input(cli, model_dir, library, tmp_path,
                                               one_line_error):
    src = tmp_path / "library.csv"
    library.to_csv(src, index=False)
    one_line_error(cli("screen", "-m", model_dir, "-i", src, "-o", src), "differ")
    assert pd.read_csv(src)["id"].tolist() == library["id"].tolist()


def test_screen_unknown_output_format(cli, model_dir, library, tmp_path, one_line_error):
    src = tmp_path / "library.csv"
    library.to_csv(src, index=False)
    one_line_error(cli("screen", "-m", model_dir, "-i", src, "-o", tmp_path / "hits.xlsx"),
                   "hits.xlsx")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_screen_parquet_keeps_the_column_types_stored_in_the_file(cli, model_dir, tmp_path,
                                                                  workers):
    src, dst = tmp_path / "mols.parquet", tmp_path / "hits.parquet"
    ids = pd.array([7, None, 9, 10, 11], dtype="Int64")  # an integer id with a gap
    pd.DataFrame({"id": ids, "smiles": ["CCO", "c1ccccc1", "bad(", "CC(=O)O", "CCN"],
                  "active": [True, False, None, True, False]}).to_parquet(src)
    result = cli("screen", "-m", model_dir, "-i", src, "-o", dst, "--chunk-size", "2",
                 "--workers", workers)
    assert result.exit_code == 0, result.output
    hits = pd.read_parquet(dst, dtype_backend="numpy_nullable")
    assert pd.api.types.is_integer_dtype(hits["id"])  # not "7.0" strings
    assert hits["id"].tolist()[:1] + hits["id"].tolist()[2:] == [7, 9, 10, 11]
    assert pd.isna(hits["id"].iloc[1]) and pd.api.types.is_bool_dtype(hits["active"])
    assert (hits["error"].fillna("") != "").tolist() == [False, False, True, False, False]


@pytest.mark.parametrize("command", ["screen", "predict"])
def test_parquet_output_of_a_csv_carries_its_numeric_columns_as_numbers(cli, model_dir, tmp_path,
                                                                      command):
    """A CSV is read as text (CSV output repeats it exactly); Parquet output types a column
    as numbers when every cell of every chunk is one: pandas then averages it. A column with
    text in a later chunk, or codes with leading zeros, stays text."""
    src, dst = tmp_path / "mols.csv", tmp_path / "hits.parquet"
    src.write_text("smiles,activity,count,code,later_text\n"
                   "CCO,1.5,3,007,4\n"
                   "c1ccccc1,,4,012,5\n"
                   "bad(,-2e-1,,100,6\n"
                   "CC(=O)O,0.25,5,101,n/a\n"
                   "CCN,3,6,102,8\n")
    options = ("--chunk-size", "2") if command == "screen" else ()
    result = cli(command, "-m", model_dir, "-i", src, "-o", dst, *options)
    assert result.exit_code == 0, result.output
    hits = pd.read_parquet(dst, dtype_backend="numpy_nullable")
    assert hits["activity"].dtype == "Float64" and hits["activity"].mean() == pytest.approx(
        (1.5 - 0.2 + 0.25 + 3) / 4)
    assert pd.api.types.is_integer_dtype(hits["count"]) and hits["count"].sum() == 18
    assert hits["code"].tolist() == ["007", "012", "100", "101", "102"]
    assert hits["later_text"].tolist() == ["4", "5", "6", "n/a", "8"]
    assert (hits["error"].fillna("") != "").tolist() == [False, False, True, False, False]
    sets = [c for c in hits.columns if c.endswith("_set")]  # model outputs keep their type,
    assert sets and all(pd.api.types.is_string_dtype(hits[c]) for c in sets)  # even "1"


@pytest.mark.parametrize("command", ["screen", "predict"])
def test_parquet_in_parquet_out_keeps_a_stored_text_column_of_digits_as_text(cli, model_dir,
                                                                            tmp_path, command):
    src, dst = tmp_path / "mols.parquet", tmp_path / "hits.parquet"
    pd.DataFrame({"smiles": ["CCO", "c1ccccc1", "CC#N"],
                  "registry": pd.array(["1000", "1001", "1002"], dtype="string"),
                  "big": ["12345678901234567", "1", "2"]}).to_parquet(src)
    assert cli(command, "-m", model_dir, "-i", src, "-o", dst).exit_code == 0
    hits = pd.read_parquet(dst)
    assert hits["registry"].tolist() == ["1000", "1001", "1002"]
    assert hits["big"].tolist()[0] == "12345678901234567"


def _sdf_with_a_bad_record(path):
    from rdkit import Chem

    with Chem.SDWriter(str(path)) as writer:
        writer.write(Chem.MolFromSmiles("CC(=O)Oc1ccccc1C(=O)O"))
    bad = Chem.MolFromSmiles("CC(C)(C)(C)C", sanitize=False)  # carbon with five bonds
    with open(path, "a") as handle:
        handle.write(Chem.MolToMolBlock(bad, kekulize=False) + "$$$$\n")


@pytest.mark.parametrize("command", ["screen", "predict"])
def test_an_unreadable_sdf_record_says_why_in_the_error_column(cli, model_dir, tmp_path,
                                                              command):
    src, dst = tmp_path / "mols.sdf", tmp_path / "out.csv"
    _sdf_with_a_bad_record(src)
    result = cli(command, "-m", model_dir, "-i", src, "-o", dst)
    assert result.exit_code == 0, result.output
    out = pd.read_csv(dst, keep_default_na=False)
    assert out["error"].tolist()[0] == ""
    assert "valence" in out["error"].tolist()[1].lower()  # not "empty SMILES"
    assert out["error"].tolist()[1] == out["input_error"].tolist()[1]


def test_screen_without_a_model_screens_the_whole_panel(cli, library, tmp_path, monkeypatch):
    monkeypatch.setenv("MOLPRED_PANEL_DIR", str(tmp_path / "no-user-models"))
    src, dst = tmp_path / "library.csv", tmp_path / "panel.csv"
    library.head(12).to_csv(src, index=False)
    result = cli("screen", "-i", src, "-o", dst, "--columns", "minimal", "--workers", "1")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(dst)
    assert len(table) == 12
    assert {"tox21.NR-AR", "tox21.NR-AR_std", "clintox.CT_TOX", "esol.logS",
            "hiv.HIV_active"} <= set(table.columns)
    assert not any(c.endswith(("_set", "in_domain")) or c == "alerts" for c in table.columns)


def test_screen_writes_trust_columns_at_the_confidence_asked(cli, model_dir, library, tmp_path):
    src, dst = tmp_path / "library.csv", tmp_path / "hits.csv"
    library.to_csv(src, index=False)
    result = cli("screen", "-m", model_dir, "-i", src, "-o", dst, "--confidence", "0.8",
                 "--workers", "1")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(dst, keep_default_na=False)
    assert {"p_np_set", "max_similarity", "in_domain", "alerts"} <= set(table.columns)
    ok = table["error"] == ""
    assert table.loc[ok, "p_np_set"].isin(["0", "1", "0,1", "empty"]).all()
