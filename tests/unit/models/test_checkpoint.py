"""Model directories: exact round trip, and refusal of corrupt or foreign files."""

import json
import pickle

import pytest
import torch

from molpred.exceptions import ModelFileError
from molpred.models import ModelConfig, MoleculeModel
from molpred.models.checkpoint import CONFIG_FILE, WEIGHTS_FILE, load_model, save_model

TASKS = [f"t{i}" for i in range(12)]


@pytest.fixture()
def saved(tmp_path, tox21_batch):
    torch.manual_seed(1)
    model = MoleculeModel(ModelConfig.build("dmpnn", TASKS, "classification", {"hidden_size": 32},
                                            extra_features=("rdkit2d",)))
    model.set_scalers(tox21_batch.mol_features, tox21_batch.y)
    model.eval()
    return save_model(model, tmp_path / "m", training={"seed": 1}, metrics={"test": 0.5}), model


def test_round_trip_gives_identical_predictions(saved, tox21_batch):
    path, model = saved
    loaded, config = load_model(path)
    assert config["model"]["tasks"] == TASKS and config["training"]["seed"] == 1
    with torch.no_grad():
        assert torch.equal(model(tox21_batch), loaded(tox21_batch))
    assert torch.equal(loaded.feature_mean, model.feature_mean)


class Boom:
    """A pickle that ends the test run if anything unpickles it."""

    def __reduce__(self):
        return (exec, ("raise SystemExit('unpickled!')",))


def test_pickle_file_is_refused_without_unpickling(tmp_path):
    bad = tmp_path / "model.pt"
    bad.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(ModelFileError, match="not a molpred model directory"):
        load_model(bad)


def test_weights_replaced_by_pickle_are_refused(saved):
    path, _ = saved
    (path / WEIGHTS_FILE).write_bytes(pickle.dumps({"a": Boom()}))
    with pytest.raises(ModelFileError, match="corrupt"):  # the hash check or the reader
        load_model(path)


def test_truncated_weights_are_refused(saved):
    path, _ = saved
    data = (path / WEIGHTS_FILE).read_bytes()
    (path / WEIGHTS_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="corrupt"):
        load_model(path)


def test_foreign_or_corrupt_config_is_refused(saved, tmp_path):
    path, _ = saved
    (path / CONFIG_FILE).write_text("{not json")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        load_model(path)
    (path / CONFIG_FILE).write_text(json.dumps({"architectures": ["BertModel"]}))
    with pytest.raises(ModelFileError, match="not a molpred model config"):
        load_model(path)
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelFileError, match="config.json is missing"):
        load_model(tmp_path / "empty")


def test_weights_that_do_not_fit_the_config_are_refused(saved):
    path, _ = saved
    config = json.loads((path / CONFIG_FILE).read_text())
    config["model"]["encoder_params"]["hidden_size"] = 64
    (path / CONFIG_FILE).write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="does not match"):
        load_model(path)


def test_a_model_fed_other_rdkit_descriptors_is_refused(saved):
    """The RDKit 2D descriptor list changes between RDKit releases; a model whose head was
    trained on another list must be refused, not fed misaligned features."""
    path, _ = saved
    config = json.loads((path / CONFIG_FILE).read_text())
    from rdkit import rdBase

    assert config["descriptors"]["rdkit_version"] == rdBase.rdkitVersion
    names = config["descriptors"]["names"]
    config["descriptors"] = {"rdkit_version": "2023.09.1", "names": [*names[:-1], "BCUT2D_OLD"]}
    (path / CONFIG_FILE).write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match=r"RDKit 2023\.09\.1.*missing here: \['BCUT2D_OLD'\]"
                                             r".*install rdkit==2023\.09\.1"):
        load_model(path)


def test_a_model_fed_fast_descriptors_round_trips_and_refuses_another_list(tmp_path, tox21):
    from molpred.featurizers import FeaturizerConfig, featurize_smiles
    from molpred.featurizers.collate import collate
    from molpred.featurizers.vector import FAST_DESCRIPTOR_NAMES

    config = FeaturizerConfig(extra_features=("rdkit2d_fast",))
    data, _ = featurize_smiles(tox21["smiles"].head(16).tolist(), config, workers=1)
    batch = collate([d for d in data if d is not None])
    torch.manual_seed(2)
    model = MoleculeModel(ModelConfig.build("dmpnn", TASKS, "classification", {"hidden_size": 32},
                                            extra_features=("rdkit2d_fast",)))
    model.set_scalers(batch.mol_features, None)
    model.eval()
    path = save_model(model, tmp_path / "fast")
    saved = json.loads((path / CONFIG_FILE).read_text())
    assert saved["fast_descriptors"]["names"] == list(FAST_DESCRIPTOR_NAMES)
    assert "descriptors" not in saved  # the 217-descriptor list is not this model's
    loaded, _ = load_model(path)
    with torch.no_grad():
        assert torch.equal(model(batch), loaded(batch))
    saved["fast_descriptors"]["names"] = list(reversed(FAST_DESCRIPTOR_NAMES))
    (path / CONFIG_FILE).write_text(json.dumps(saved))
    with pytest.raises(ModelFileError, match="fast descriptors"):
        load_model(path)


@pytest.mark.parametrize(("change", "fragment"), [
    ({"hidden_size": -1}, r"hidden_size = -1 is outside"),  # bounds, before anything is built
    ({"hidden_size": 10**7}, r"hidden_size = 10000000 is outside 0\.\.65536"),
    ({"hidden_size": 64}, r"tensor '.*' has shape \(32, .*\) in the file, \(64"),
    ({"head": {"num_layers": 5}}, r"does not match config.json: tensor 'head\..*' has shape "
                                  r"missing in the file"),
])
def test_a_config_that_does_not_fit_its_weights_is_refused_before_allocating(saved, change,
                                                                              fragment):
    path, _ = saved
    config = json.loads((path / CONFIG_FILE).read_text())
    head = change.get("head")
    config["model"]["head_params" if head else "encoder_params"].update(head or change)
    (path / CONFIG_FILE).write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match=fragment):  # 10**7-wide layers: ~400 TB if built
        load_model(path)


def test_tasks_must_be_a_list_of_names(saved):
    path, _ = saved
    config = json.loads((path / CONFIG_FILE).read_text())
    config["model"]["tasks"] = "abc"
    (path / CONFIG_FILE).write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match=r"model\.tasks: Input should be a valid list"):
        load_model(path)
