"""The resumable benchmark runner: per-dataset configs, ensembles for the default model only."""

import json

from molpred.benchmarking import run_benchmark
from molpred.training.fit import FitSettings


def test_ensemble_config_applies_to_the_default_model_and_runs_resume(splits_dir, tmp_path):
    configs = {"freesolv": {"ensemble_size": 2}}
    settings = FitSettings(epochs=1, device="cpu")
    records = run_benchmark(["freesolv"], ["dmpnn", "mlp"], [0], splits_dir, tmp_path,
                            settings, log=lambda msg: None, configs=configs)
    by_model = {r["model"]: r for r in records}
    assert by_model["dmpnn"]["ensemble_size"] == 2
    assert [m["seed"] for m in by_model["dmpnn"]["members"]] == [0, 1]
    assert by_model["mlp"]["ensemble_size"] == 1 and by_model["mlp"]["members"] is None
    for model in ("dmpnn", "mlp"):
        predictions = tmp_path / "predictions" / "freesolv" / model / "seed0.csv"
        assert len(predictions.read_text().splitlines()) > 50  # header + test rows
    run = tmp_path / "runs" / "freesolv" / "dmpnn" / "seed0.json"
    before = run.stat().st_mtime_ns
    again = run_benchmark(["freesolv"], ["dmpnn"], [0], splits_dir, tmp_path, settings,
                          log=lambda msg: None, configs=configs)
    assert run.stat().st_mtime_ns == before  # finished runs are not redone
    assert again[0]["test"] == json.loads(run.read_text())["test"]
