"""Per-dataset benchmark configs: the dataset cards' recommended ones load, a broken or foreign
config file is refused with its name."""

import json
from pathlib import Path

import pytest

from molpred.benchmarking import finished_run, load_configs, with_epochs
from molpred.exceptions import InputError
from molpred.training.fit import FitSettings
from molpred.training.recommended import recommended_configs

BENCHMARKS = Path(__file__).resolve().parents[3] / "benchmarks"


def test_recommended_configs_load_with_their_reasons():
    configs = recommended_configs()
    assert configs["tox21"]["extra_features"] == ["rdkit2d"]
    assert configs["clintox"]["standardize"] is False
    assert all(config["why"] and config["command"] for config in configs.values())
    assert load_configs(None) == {}


def test_unknown_key_is_refused_naming_the_file(tmp_path):
    (tmp_path / "bbbp.json").write_text(json.dumps({"extra_feature": ["rdkit2d"]}))
    with pytest.raises(InputError, match=r"bbbp\.json.*unknown: \['extra_feature'\]"):
        load_configs(tmp_path)


def test_broken_json_and_missing_folder_are_refused(tmp_path):
    (tmp_path / "tox21.json").write_text('{"standardize": fal')
    with pytest.raises(InputError, match=r"tox21\.json: not a readable JSON config"):
        load_configs(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        load_configs(tmp_path / "nowhere")


@pytest.mark.parametrize(("config", "fragment"), [
    ({"standardize": "false"}, "standardize must be true or false"),
    ({"extra_features": "rdkit2d"}, "extra_features must be a list"),
    ({"extra_features": ["rdkit3d"]}, "extra_features must be a list"),
    ({"ensemble_size": 0}, "ensemble_size must be a whole number"),
    ({"ensemble_size": True}, "ensemble_size must be a whole number"),
    ({"epochs": 0}, "epochs must be a whole number"),
    ({"encoder_params": [3]}, "encoder_params must be a JSON object"),
    ({"head_params": "deep"}, "head_params must be a JSON object"),
    ({"encoder_params": {"depht": 5}}, r"encoder_params of the default model \(dmpnn\) are "
                                       r"among .*'depth'.*unknown: \['depht'\]"),
    ({"head_params": {"layers": 2}}, r"head_params .*unknown: \['layers'\]"),
])
def test_bad_setting_values_are_refused_naming_the_file(tmp_path, config, fragment):
    (tmp_path / "clintox.json").write_text(json.dumps(config))
    with pytest.raises(InputError, match=rf"clintox\.json: {fragment}"):
        load_configs(tmp_path)


def test_every_committed_run_is_reusable_under_the_recommended_configs():
    """README's resumable benchmark command would reuse, not refuse, every committed run:
    each was made with its dataset's recommended config and the default optimization
    settings."""
    configs = recommended_configs()
    runs = sorted((BENCHMARKS / "results" / "accuracy" / "runs").glob("*/*/seed*.json"))
    assert len(runs) >= 100
    for path in runs:
        dataset, model, seed = path.parts[-3], path.parts[-2], int(path.stem[4:])
        record = finished_run(path, configs.get(dataset, {}), model, FitSettings(seed=seed))
        assert (record["dataset"], record["model"], record["seed"]) == (dataset, model, seed)


def test_an_older_run_without_head_params_is_compared_with_the_default_head():
    source = BENCHMARKS / "results" / "accuracy" / "runs" / "delaney" / "dmpnn" / "seed0.json"
    assert "head_params" not in json.loads(source.read_text())  # recorded before head_params
    assert finished_run(source, {}, "dmpnn", FitSettings(seed=0))["seed"] == 0
    with pytest.raises(InputError, match=r"head_params .*'num_layers': 2.*'num_layers': 3"):
        finished_run(source, {"head_params": {"num_layers": 3}}, "dmpnn", FitSettings(seed=0))


def test_an_explicit_epoch_budget_replaces_a_configs():
    configs = {"bbbp": {"epochs": 100, "why": "x"}, "tox21": {"extra_features": ["rdkit2d"]}}
    assert with_epochs(configs, None) is configs
    assert with_epochs(configs, 7) == {"bbbp": {"epochs": 7, "why": "x"},
                                       "tox21": {"extra_features": ["rdkit2d"]}}


def test_a_run_with_other_optimization_settings_is_refused(tmp_path):
    source = BENCHMARKS / "results" / "accuracy" / "runs" / "delaney" / "mlp" / "seed0.json"
    with pytest.raises(InputError, match=r"seed0\.json was run with other settings "
                                         r"\(epochs 50 there, 20 now\)"):
        finished_run(source, {}, "mlp", FitSettings(epochs=20))
