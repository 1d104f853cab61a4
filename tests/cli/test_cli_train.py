"""``molpred train`` on a small real table (the session model) and with more options."""

from __future__ import annotations

import json
import re


def test_train_reports_scores_and_saves(trained):
    model_dir, result = trained
    assert (model_dir / "config.json").is_file() and (model_dir / "model.safetensors").is_file()
    out = result.stdout
    assert "ROC-AUC" in out and "PRC-AUC" in out and "best epoch" in out
    assert str(model_dir.relative_to(model_dir.parents[1])) in out
    assert re.search(r"^val roc_auc: \d\.\d{4}$", out, re.M)
    assert re.search(r"^test roc_auc: \d\.\d{4}$", out.rstrip().splitlines()[-1])
    metrics = json.loads((model_dir / "metrics.json").read_text())
    printed = float(out.rstrip().splitlines()[-1].split(":")[1])
    assert abs(metrics["test"]["score"] - printed) < 1e-4


def test_train_options_reach_the_model(cli, small_csv, tmp_path):
    out = tmp_path / "tiny"
    result = cli("train", small_csv, "--targets", "p_np", "--task", "classification", "--model",
                 "mlp", "--split", "random", "--epochs", "1", "--hidden-size", "16", "--depth",
                 "1", "--seed", "3", "--device", "cpu", "--workers", "1", "-o", out)
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text())
    text = json.dumps(config)
    assert '"hidden_size": 16' in text and '"depth": 1' in text
    assert config["training"]["seed"] == 3 and config["training"]["splits"] == "random"


def test_train_unknown_model_name(cli, small_csv, one_line_error):
    result = cli("train", small_csv, "--targets", "p_np", "--model", "transformer9000")
    one_line_error(result, "transformer9000", "dmpnn")


def test_train_missing_split_file(cli, small_csv, tmp_path, one_line_error):
    result = cli("train", small_csv, "--targets", "p_np", "--splits", tmp_path / "nope.json")
    one_line_error(result, "split file not found")


def test_train_unknown_column(cli, small_csv, one_line_error):
    result = cli("train", small_csv, "--targets", "logS", "--model", "mlp")
    one_line_error(result, "logS")


def test_train_missing_file(cli, tmp_path, one_line_error):
    one_line_error(cli("train", tmp_path / "missing.csv", "--targets", "y"), "missing.csv")
