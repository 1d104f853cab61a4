"""Encoders, head and model on a real Tox21 batch."""

import pytest
import torch

from molpred.exceptions import InputError, UnknownNameError
from molpred.models import ENCODERS, ModelConfig, MoleculeModel
from molpred.models.encoders.dmpnn import DMPNNEncoder
from molpred.training.losses import masked_loss

TASKS = [f"t{i}" for i in range(12)]


@pytest.mark.parametrize("name", ENCODERS.names())
def test_every_encoder_embeds_a_batch(name, tox21_batch):
    model = MoleculeModel(ModelConfig.build(name, TASKS, "classification"))
    embedding = model.encoder(tox21_batch)
    assert embedding.shape == (tox21_batch.num_graphs, model.encoder.out_dim)
    assert embedding.dtype == torch.float32 and torch.isfinite(embedding).all()
    out = model(tox21_batch)
    assert out.shape == (tox21_batch.num_graphs, 12)
    prob = model.transform_output(out)
    assert ((prob > 0) & (prob < 1)).all()


@pytest.mark.parametrize("pool", ["mean", "sum", "norm"])
def test_dmpnn_is_invariant_to_molecule_order(pool, tox21_batch):
    from torch_geometric.data import Batch

    torch.manual_seed(0)
    enc = DMPNNEncoder(hidden_size=32, depth=3, pool=pool).eval()
    graphs = tox21_batch.to_data_list()[:5]
    forward = enc(Batch.from_data_list(graphs))
    backward = enc(Batch.from_data_list(graphs[::-1]))
    assert torch.allclose(forward, backward.flip(0), atol=1e-5)
    assert "DMPNNEncoder(hidden_size=32" in repr(enc)


def test_dmpnn_uses_bonds(tox21_batch):
    from torch_geometric.data import Batch

    enc = DMPNNEncoder(hidden_size=16).eval()
    g = tox21_batch.to_data_list()[0]
    broken = g.clone()
    broken.edge_attr = torch.zeros_like(g.edge_attr)
    assert not torch.allclose(enc(Batch.from_data_list([g])), enc(Batch.from_data_list([broken])))


def test_extra_features_are_scaled_inside_the_model(tox21_batch):
    config = ModelConfig.build("dmpnn", TASKS, "classification", extra_features=("rdkit2d",))
    model = MoleculeModel(config)
    model.set_scalers(tox21_batch.mol_features, tox21_batch.y)
    assert torch.allclose(model.feature_mean, tox21_batch.mol_features.mean(0))
    assert model(tox21_batch).shape == (tox21_batch.num_graphs, 12)


def test_regression_scaler_ignores_missing_labels():
    model = MoleculeModel(ModelConfig.build("mlp", ["a", "b"], "regression"))
    y = torch.tensor([[1.0, float("nan")], [3.0, 10.0], [float("nan"), 20.0]])
    model.set_scalers(None, y)
    assert torch.allclose(model.target_mean, torch.tensor([2.0, 15.0]))
    assert torch.allclose(model.target_std, torch.tensor([1.0, 5.0]))
    assert torch.allclose(model.transform_output(torch.zeros(1, 2)), torch.tensor([[2.0, 15.0]]))


def test_masked_loss_ignores_missing_labels():
    raw = torch.tensor([[0.0, 5.0], [0.0, -5.0]])
    target = torch.tensor([[1.0, float("nan")], [0.0, float("nan")]])
    loss = masked_loss(raw, target, "classification")
    assert loss.item() == pytest.approx(torch.log(torch.tensor(2.0)).item(), rel=1e-6)
    changed = raw.clone()
    changed[:, 1] = 100.0  # outputs for missing labels must not matter
    assert masked_loss(changed, target, "classification").item() == pytest.approx(loss.item())
    assert masked_loss(raw, torch.full_like(target, float("nan")), "regression").item() == 0.0


def test_unknown_encoder_and_task_type_are_clear_errors():
    with pytest.raises(UnknownNameError, match="unknown encoder 'gnn9'.*dmpnn"):
        ModelConfig.build("gnn9", TASKS, "classification")
    with pytest.raises(InputError, match="task type"):
        ModelConfig.build("mlp", TASKS, "ranking")


@pytest.mark.parametrize("name", ENCODERS.names())
def test_constructor_defaults_match_the_registered_defaults(name):
    import inspect

    cls = ENCODERS.get(name)
    params = inspect.signature(cls.__init__).parameters
    for key, value in cls.defaults.items():
        assert params[key].default == value, f"{name}.{key}"
