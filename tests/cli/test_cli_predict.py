"""``molpred predict``: SMILES arguments, files in and out, bad input."""

from __future__ import annotations

import io

import pandas as pd
from rich.console import Console

from molpred_cli import output

ASPIRIN, BENZENE = "CC(=O)Oc1ccccc1C(=O)O", "c1ccccc1"


def test_predict_smiles_arguments(cli, model_dir):
    result = cli("predict", "-m", model_dir, ASPIRIN, BENZENE, "not_a_smiles", "--device", "cpu")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert ASPIRIN in out and BENZENE in out and "p_np" in out and "error" in out
    lines = [line for line in out.splitlines() if "not_a_smiles" in line]
    assert len(lines) == 1 and "RDKit" in lines[0]


def test_predict_file_to_csv_keeps_rows_in_order(cli, model_dir, library, tmp_path):
    src, dst = tmp_path / "mols.csv", tmp_path / "preds.csv"
    library.to_csv(src, index=False)
    result = cli("predict", "-m", model_dir, "-i", src, "--smiles-col", "smiles", "-o", dst)
    assert result.exit_code == 0, result.output
    preds = pd.read_csv(dst, keep_default_na=False)
    assert list(preds.columns) == ["id", "smiles", "p_np", "p_np_set", "max_similarity",
                                   "embedding_distance", "expected_error", "in_domain", "alerts", "error"]
    assert preds["id"].tolist() == library["id"].tolist()
    bad = preds["error"] != ""
    assert bad.sum() == 3 and preds.loc[~bad, "p_np"].astype(float).between(0, 1).all()


def test_predict_file_passes_other_columns_through_as_written(cli, model_dir, tmp_path):
    src, dst = tmp_path / "mols.csv", tmp_path / "preds.csv"
    src.write_text(f"id,smiles,note\n007,{ASPIRIN},NA\n010,{BENZENE},\n")
    result = cli("predict", "-m", model_dir, "-i", src, "-o", dst)
    assert result.exit_code == 0, result.output
    preds = pd.read_csv(dst, dtype=str, keep_default_na=False)
    assert preds["id"].tolist() == ["007", "010"]  # not parsed to 7 and 10
    assert preds["note"].tolist() == ["NA", ""]  # "NA" is the user's text, not a missing value
    assert (preds["error"] == "").all()


def test_predict_parquet_keeps_the_column_types_stored_in_the_file(cli, model_dir, tmp_path):
    src, dst = tmp_path / "mols.parquet", tmp_path / "preds.parquet"
    pd.DataFrame({"id": [7, 10], "smiles": [ASPIRIN, BENZENE], "dose": [0.5, None]}).to_parquet(src)
    result = cli("predict", "-m", model_dir, "-i", src, "-o", dst)
    assert result.exit_code == 0, result.output
    preds = pd.read_parquet(dst)
    assert preds["id"].tolist() == [7, 10] and pd.api.types.is_integer_dtype(preds["id"])
    assert preds["dose"].iloc[0] == 0.5 and pd.isna(preds["dose"].iloc[1])


def test_predict_table_shows_first_50_rows(cli, model_dir, library, tmp_path):
    src = tmp_path / "mols.csv"
    library.to_csv(src, index=False)
    result = cli("predict", "-m", model_dir, "-i", src, "--smiles-col", "smiles")
    assert result.exit_code == 0, result.output
    assert "mol49" in result.stdout and "mol50" not in result.stdout
    assert "10 more rows" in result.stdout


def test_predict_needs_exactly_one_source(cli, model_dir, small_csv, one_line_error):
    one_line_error(cli("predict", "-m", model_dir, "-i", small_csv, ASPIRIN), "not both")
    one_line_error(cli("predict", "-m", model_dir), "no molecules")


def test_predict_unknown_column(cli, model_dir, small_csv, one_line_error):
    one_line_error(cli("predict", "-m", model_dir, "-i", small_csv, "--smiles-col", "SMILES"),
                   "'SMILES'")


def test_predict_missing_input_file(cli, model_dir, tmp_path, one_line_error):
    one_line_error(cli("predict", "-m", model_dir, "-i", tmp_path / "nope.csv"), "nope.csv")


def test_predict_with_a_folder_that_is_no_model(cli, tmp_path, one_line_error):
    one_line_error(cli("predict", "-m", tmp_path, ASPIRIN), str(tmp_path))


def test_predict_with_a_missing_model_folder(cli, tmp_path, one_line_error):
    one_line_error(cli("predict", "-m", tmp_path / "runs" / "nothing", ASPIRIN), "nothing")


def test_few_molecules_with_many_tasks_are_shown_turned(monkeypatch):
    """Tox21-like output (12 tasks) on a narrow terminal: one line per column instead."""
    frame = pd.DataFrame({"smiles": [ASPIRIN, BENZENE],
                          **{f"NR-task-{i}": [0.1, 0.2] for i in range(12)}, "error": ["", ""]})
    monkeypatch.setattr(output, "console", Console(width=80, file=io.StringIO()))
    turned = output.frame_table(frame)
    assert [c.header for c in turned.columns] == ["column", "#1", "#2"]
    assert turned.row_count == len(frame.columns)
    wide = pd.concat([frame] * 10, ignore_index=True)  # many molecules: keep one row each
    assert output.frame_table(wide).row_count == len(wide)


def test_a_salt_or_metal_complex_gets_a_note_on_what_was_predicted(cli):
    result = cli("predict", "-m", "esol", "[Cl-].[Cl-].[NH3][Pt+2][NH3]", "CCO")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "note: [Cl-].[Cl-].[NH3][Pt+2][NH3] was predicted for its parent" in text
    assert "left out: [Cl-], [Cl-]" in text and text.count("note:") == 1  # not for ethanol
    datasets = cli("datasets", "list")
    assert "((not set))" not in datasets.stdout
