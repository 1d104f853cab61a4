"""The resumable benchmark runner: per-dataset configs; ensembles and hyper-parameters for the
default model only."""

import json

import pytest

from molpred.benchmarking import run_benchmark
from molpred.exceptions import InputError
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


def test_hyper_parameter_config_trains_the_default_model_with_it_and_guards_resume(
        splits_dir, tmp_path):
    configs = {"freesolv": {"encoder_params": {"depth": 2}, "head_params": {"num_layers": 2},
                            "epochs": 2}}
    settings = FitSettings(epochs=1, device="cpu")
    records = run_benchmark(["FreeSolv"], ["DMPNN", "mlp"], [0], splits_dir, tmp_path,
                            settings, log=lambda msg: None, configs=configs)  # any case
    by_model = {r["model"]: r for r in records}
    dmpnn, mlp = by_model["dmpnn"], by_model["mlp"]
    assert dmpnn["encoder_params"]["depth"] == 2 and dmpnn["head_params"]["num_layers"] == 2
    assert dmpnn["settings"]["epochs"] == 2 and dmpnn["epochs_run"] == 2
    assert mlp["settings"]["epochs"] == 1 and mlp["head_params"]["num_layers"] == 1
    changed = {"freesolv": {**configs["freesolv"], "encoder_params": {"depth": 3}}}
    with pytest.raises(InputError, match=r"dmpnn.seed0\.json was run with other settings "
                                         r"\(encoder_params .*'depth': 2.*'depth': 3"):
        run_benchmark(["freesolv"], ["dmpnn"], [0], splits_dir, tmp_path, settings,
                      log=lambda msg: None, configs=changed)
    # the mlp is not the default model: the D-MPNN's hyper-parameters do not concern its runs
    again = run_benchmark(["freesolv"], ["mlp"], [0], splits_dir, tmp_path, settings,
                          log=lambda msg: None, configs=changed)
    assert again[0]["test"] == mlp["test"]
