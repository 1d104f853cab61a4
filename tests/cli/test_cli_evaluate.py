"""``molpred evaluate``: the printed score is what sklearn gives on the written predictions."""

from __future__ import annotations

import json
import re

import pandas as pd
from sklearn.metrics import roc_auc_score


def test_evaluate_matches_sklearn(cli, model_dir, small_csv, split_file, tmp_path):
    preds_path = tmp_path / "preds.csv"
    result = cli("evaluate", "-m", model_dir, small_csv, "--smiles-col", "smiles", "--targets",
                 "p_np", "--splits", split_file, "--split-key", "seed0", "--part", "test",
                 "--predictions-out", preds_path, "--device", "cpu")
    assert result.exit_code == 0, result.output
    last = result.stdout.rstrip().splitlines()[-1]
    assert re.fullmatch(r"test roc_auc: \d\.\d{4}", last)
    preds = pd.read_csv(preds_path)
    test_rows = json.loads(split_file.read_text())["splits"]["seed0"]["test"]
    assert preds["row"].tolist() == test_rows
    labels = pd.read_csv(small_csv)["p_np"].to_numpy()[preds["row"]]
    assert abs(float(last.split(": ")[1]) - roc_auc_score(labels, preds["p_np"])) < 5e-5


def test_evaluate_defaults_targets_to_the_model_tasks(cli, model_dir, small_csv):
    result = cli("evaluate", "-m", model_dir, small_csv, "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"all roc_auc: \d\.\d{4}", result.stdout.rstrip().splitlines()[-1])


def test_evaluate_unknown_target(cli, model_dir, small_csv, one_line_error):
    one_line_error(cli("evaluate", "-m", model_dir, small_csv, "--targets", "NR-AR"), "NR-AR")


def test_evaluate_unknown_split_key(cli, model_dir, small_csv, split_file, one_line_error):
    one_line_error(cli("evaluate", "-m", model_dir, small_csv, "--splits", split_file,
                       "--split-key", "seed7"), "seed7")


def test_evaluate_without_split_never_fills_a_bad_row_from_the_scored_labels(cli, model_dir,
                                                                          tmp_path):
    """A row RDKit rejects gets a fallback prediction; without a split file the training rows
    are unknown, so it must not be the positive rate of the very labels being scored (here 0.75)."""
    src, preds_path = tmp_path / "mols.csv", tmp_path / "preds.csv"
    src.write_text("smiles,p_np\nCC(=O)Oc1ccccc1C(=O)O,1\nc1ccccc1,0\nCCO,1\nC1CC,1\n")
    result = cli("evaluate", "-m", model_dir, src, "--predictions-out", preds_path,
                 "--device", "cpu")
    assert result.exit_code == 0, result.output
    preds = pd.read_csv(preds_path, keep_default_na=False)
    bad = preds[preds["error"] != ""]
    assert bad["row"].tolist() == [3] and "fallback prior" in bad["error"].iloc[0]
    assert bad["p_np"].iloc[0] == 0.5
