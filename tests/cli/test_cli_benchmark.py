"""`molpred benchmark`: resumable runs, table, JSON and chart on a real dataset."""

import json

import pytest
from tests_support import SHARED_BENCHMARKS
from typer.testing import CliRunner

from molpred_cli.app import app


def _delaney_seed0_splits(tmp_path):
    """A split folder holding the canonical delaney split seed0 only."""
    splits_dir = tmp_path / "splits"
    splits_dir.mkdir()
    source = json.loads((SHARED_BENCHMARKS / "splits" / "delaney.json").read_text())
    (splits_dir / "delaney.json").write_text(json.dumps({"splits": {"seed0": source["splits"]["seed0"]}}))
    return splits_dir


def test_benchmark_writes_report_and_resumes(tmp_path, data_dir):
    splits_dir = _delaney_seed0_splits(tmp_path)
    out = tmp_path / "results"
    args = ["benchmark", "delaney", "--models", "mlp", "--seeds", "0", "--splits-dir",
            str(splits_dir), "--out", str(out), "--epochs", "2", "--device", "cpu"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    run = out / "runs" / "delaney" / "mlp" / "seed0.json"
    record = json.loads(run.read_text())
    assert record["metric"] == "rmse" and record["test"] > 0
    assert (out / "predictions" / "delaney" / "mlp" / "seed0.csv").exists()
    assert "| delaney | RMSE ↓ |" in (out / "table.md").read_text()
    assert (out / "chart.png").read_bytes()[:4] == b"\x89PNG"
    stamp = run.stat().st_mtime_ns
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    assert run.stat().st_mtime_ns == stamp  # resumed: the finished run was not redone
    longer = CliRunner().invoke(app, [*args[:-4], "--epochs", "3", "--device", "cpu"])
    assert longer.exit_code != 0  # a run trained for 2 epochs is no answer to --epochs 3
    assert "epochs 2 there, 3 now" in longer.output


def test_benchmark_applies_per_dataset_configs(tmp_path, data_dir):
    splits_dir = _delaney_seed0_splits(tmp_path)
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "delaney.json").write_text(json.dumps(
        {"standardize": False, "extra_features": ["rdkit2d"], "why": "test", "command": "test"}))
    out = tmp_path / "results"
    result = CliRunner().invoke(app, [
        "benchmark", "delaney", "--models", "mlp", "--seeds", "0", "--splits-dir", str(splits_dir),
        "--configs", str(configs), "--out", str(out), "--epochs", "1", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "runs" / "delaney" / "mlp" / "seed0.json").read_text())
    assert record["extra_features"] == ["rdkit2d"] and record["standardize"] is False
    # resuming into the same folder without the configs would mix settings: refused
    again = CliRunner().invoke(app, [
        "benchmark", "delaney", "--models", "mlp", "--seeds", "0", "--splits-dir", str(splits_dir),
        "--out", str(out), "--epochs", "1", "--device", "cpu"])
    assert again.exit_code != 0
    assert "seed0.json was run with other settings" in again.output
    assert "standardize False there, True now" in again.output


@pytest.mark.parametrize("seeds", ["0,one", "0,-1", "--1", "²"])
def test_benchmark_seeds_that_are_not_numbers_are_a_one_line_error(tmp_path, data_dir, seeds):
    splits_dir = _delaney_seed0_splits(tmp_path)
    result = CliRunner().invoke(app, ["benchmark", "delaney", "--models", "mlp", "--seeds", seeds,
                                      "--splits-dir", str(splits_dir), "--out", str(tmp_path / "r")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "--seeds must be comma-separated whole numbers >= 0" in result.output
    assert not (tmp_path / "r").exists()  # refused before any training
