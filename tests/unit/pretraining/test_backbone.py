"""The shipped backbone loads offline and a corrupt, swapped or foreign one is refused."""

from __future__ import annotations

import json
import pickle
import shutil

import pytest
import torch

from molpred.exceptions import InputError, ModelFileError
from molpred.models.digest import file_sha256
from molpred.models.encoders import ENCODERS
from molpred.pretraining.backbone import (
    CARD_FILE,
    WEIGHTS_FILE,
    fine_tune_params,
    load_backbone,
    resolve_backbone,
    shipped_backbones,
)


@pytest.fixture
def copy(tmp_path):
    target = tmp_path / "backbone"
    shutil.copytree(resolve_backbone("molpred-base"), target)
    return target


def test_the_shipped_backbone_loads_into_a_dmpnn_and_is_small():
    assert "molpred-base" in shipped_backbones()
    backbone = load_backbone("molpred-base")
    encoder = ENCODERS.get(backbone.encoder)(**backbone.encoder_params)
    encoder.load_state_dict(backbone.state)  # strict: every tensor, right shapes
    size = sum(p.stat().st_size for p in backbone.path.iterdir())
    assert size < 20_000_000
    card = backbone.card
    assert card["corpus"]["size"] >= 1000 and len(card["descriptors"]) > 100
    assert [row["epoch"] for row in card["history"]] == list(range(1, len(card["history"]) + 1))
    assert card["history"][-1]["val_loss"] < card["history"][0]["val_loss"]
    assert card["rdkit_version"]
    markdown = (backbone.path / "CARD.md").read_text()
    assert f"{card['corpus']['size']:,} molecules" in markdown and card["corpus"]["digest"] in markdown
    assert (backbone.path / "loss.png").read_bytes().startswith(b"\x89PNG")


def test_a_flipped_byte_in_the_weights_is_refused(copy):
    weights = copy / WEIGHTS_FILE
    data = bytearray(weights.read_bytes())
    data[-10] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="changed or corrupted"):
        load_backbone(copy)


def test_a_pickle_in_place_of_the_weights_is_never_unpickled(copy):
    weights = copy / WEIGHTS_FILE
    weights.write_bytes(pickle.dumps({"W_i.weight": torch.zeros(3)}))
    card = json.loads((copy / CARD_FILE).read_text())
    card["files"][WEIGHTS_FILE] = file_sha256(weights)  # even with a matching hash
    (copy / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelFileError, match="not a readable safetensors file"):
        load_backbone(copy)


def test_a_foreign_card_or_another_width_is_refused(copy):
    card = json.loads((copy / CARD_FILE).read_text())
    (copy / CARD_FILE).write_text(json.dumps({**card, "format": "chemprop"}))
    with pytest.raises(ModelFileError, match="not a molpred backbone"):
        load_backbone(copy)
    wider = {**card, "encoder_params": {**card["encoder_params"], "hidden_size": 64}}
    (copy / CARD_FILE).write_text(json.dumps(wider))
    with pytest.raises(ModelFileError, match="does not fit dmpnn"):
        load_backbone(copy)
    for bad in ({**card, "files": ["x"]},
                {**card, "encoder_params": {**card["encoder_params"], "hidden_size": -1}},
                {**card, "encoder_params": {**card["encoder_params"], "depth": "3"}}):
        (copy / CARD_FILE).write_text(json.dumps(bad))
        with pytest.raises(ModelFileError, match="malformed card"):
            load_backbone(copy)
    with pytest.raises(ModelFileError, match="no pretrained backbone"):
        load_backbone(copy.parent / "nothing here")


def test_fine_tuning_keeps_the_architecture_and_takes_a_new_dropout():
    backbone = load_backbone("molpred-base")
    params = fine_tune_params(backbone, {"dropout": 0.3})
    assert params["dropout"] == 0.3 and params["hidden_size"] == backbone.encoder_params["hidden_size"]
    with pytest.raises(InputError, match="drop --hidden-size"):
        fine_tune_params(backbone, {"hidden_size": 64})
