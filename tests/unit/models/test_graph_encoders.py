"""PyG-based graph encoders (gcn, gin, gat, attentivefp) on a few real molecules.

Modelled on PyG's ``test/nn/models/test_attentive_fp.py``: repr, a tiny batch, the output
shape; plus molecule-order invariance, one-atom molecules and an exact save/load round trip.
gcn, gin and gat share :class:`~molpred.models.encoders.residual.ResidualGraphEncoder`.
"""

import pytest
import torch
from torch_geometric.data import Batch

from molpred.featurizers import FeaturizerConfig, featurize_smiles
from molpred.models import ENCODERS, ModelConfig, MoleculeModel
from molpred.models.checkpoint import load_model, save_model
from molpred.models.encoders.residual import ResidualGraphEncoder

NAMES = ["gcn", "gin", "gat", "attentivefp"]
SMALL = {"hidden_size": 32, "depth": 2}
SMILES = [
    "CC(=O)Oc1ccccc1C(=O)O",  # aspirin
    "Cn1cnc2c1c(=O)n(C)c(=O)n2C",  # caffeine
    "C/C=C/Cl",  # stereo double bond
    "CCO",
    "c1ccc2ccccc2c1",  # naphthalene
]
ONE_ATOM = ["C", "[Na+].[Cl-]"]  # methane; the salt standardizes to one chloride atom


def _graphs(smiles):
    data, errors = featurize_smiles(smiles, FeaturizerConfig(), workers=1)
    assert not any(errors), errors
    return data


@pytest.fixture(scope="module")
def graphs():
    return _graphs(SMILES)


@pytest.fixture(scope="module")
def one_atom_graphs():
    graphs = _graphs(ONE_ATOM)
    assert all(g.num_nodes == 1 and g.num_edges == 0 for g in graphs)
    return graphs


def _encoder(name, **kwargs):
    torch.manual_seed(0)
    return ENCODERS.get(name)(**{**SMALL, "dropout": 0.1, **kwargs})


@pytest.mark.parametrize("name", NAMES)
def test_repr_names_the_settings(name):
    enc = _encoder(name)
    assert repr(enc).startswith(f"{type(enc).__name__}(hidden_size=32, depth=2")
    assert ENCODERS.get(name).needs_graph


@pytest.mark.parametrize("name", NAMES)
def test_output_shape_and_gradients(name, graphs):
    enc = _encoder(name).train()
    batch = Batch.from_data_list(graphs)
    out = enc(batch)
    assert out.shape == (len(SMILES), enc.out_dim) and out.dtype == torch.float32
    assert torch.isfinite(out).all()
    out.square().mean().backward()
    unused = [n for n, p in enc.named_parameters() if p.grad is None]
    assert not unused, f"parameters without gradient: {unused}"


@pytest.mark.parametrize(("name", "kwargs", "out_dim"), [
    ("gcn", {}, 64),  # mean+max by default
    ("gcn", {"pool": "mean", "norm": "layer"}, 32),
    ("gin", {"jk": "cat", "pool": "mean+max"}, 32 * 2 * 2),
    ("gin", {"jk": "max", "norm": "none", "pool": "sum"}, 32),
    ("gat", {"heads": 2, "pool": "max", "norm": "layer"}, 32),
])
def test_readout_options_set_out_dim(name, kwargs, out_dim, graphs):
    enc = _encoder(name, **kwargs).eval()
    assert enc.out_dim == out_dim
    assert enc(Batch.from_data_list(graphs)).shape == (len(SMILES), out_dim)


@pytest.mark.parametrize("name", NAMES)
def test_invariant_to_molecule_order(name, graphs):
    enc = _encoder(name).eval()
    with torch.no_grad():
        forward = enc(Batch.from_data_list(graphs))
        backward = enc(Batch.from_data_list(graphs[::-1]))
    assert torch.allclose(forward, backward.flip(0), atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_one_atom_molecules_without_bonds(name, graphs, one_atom_graphs):
    enc = _encoder(name)
    alone = Batch.from_data_list(one_atom_graphs[:1])
    enc.train()  # one atom in a training batch: BatchNorm must not fail
    assert torch.isfinite(enc(alone)).all()
    enc.eval()
    with torch.no_grad():
        single = enc(alone)
        mixed = enc(Batch.from_data_list([graphs[0], *one_atom_graphs, graphs[1]]))
    assert mixed.shape == (4, enc.out_dim) and torch.isfinite(mixed).all()
    assert torch.allclose(single[0], mixed[1], atol=1e-5)  # eval: independent of batch-mates


@pytest.mark.parametrize("name", NAMES)
def test_bond_features_used_except_by_gcn(name, graphs):
    enc = _encoder(name).eval()
    graph = graphs[2]  # C/C=C/Cl: double bond and stereo flags
    plain = graph.clone()
    plain.edge_attr = torch.zeros_like(graph.edge_attr)
    with torch.no_grad():
        same = torch.allclose(enc(Batch.from_data_list([graph])), enc(Batch.from_data_list([plain])))
    assert same == (name == "gcn")


@pytest.mark.parametrize("name", NAMES)
def test_save_load_round_trip_is_exact(name, graphs, tmp_path):
    torch.manual_seed(0)
    model = MoleculeModel(ModelConfig.build(name, ["a", "b"], "classification", SMALL)).eval()
    batch = Batch.from_data_list(graphs)
    with torch.no_grad():
        model(batch)  # eval: must not change BatchNorm statistics
        expected = model(batch)
    loaded, config = load_model(save_model(model, tmp_path / name))
    assert config["model"]["encoder"] == name
    assert repr(loaded.encoder) == repr(model.encoder)
    with torch.no_grad():
        assert torch.equal(loaded(batch), expected)
        assert torch.equal(loaded(batch), expected)


@pytest.mark.parametrize(("name", "kwargs", "match"), [
    ("gcn", {"pool": "attention"}, "pool"),
    ("gcn", {"norm": "graph"}, "norm"),
    ("gin", {"jk": "lstm"}, "jk"),
    ("gin", {"depth": 0}, "depth"),
    ("gat", {"hidden_size": 30, "heads": 4}, "multiple of heads"),
    ("attentivefp", {"num_timesteps": 0}, "num_timesteps"),
])
def test_invalid_settings_are_clear_errors(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ENCODERS.get(name)(**kwargs)


@pytest.mark.parametrize("name", ["gcn", "gin", "gat"])
def test_residual_encoders_share_one_state_dict_layout(name):
    enc = _encoder(name, depth=3)
    assert isinstance(enc, ResidualGraphEncoder) and enc.conv_uses_edge_attr == (name != "gcn")
    assert {key.split(".")[0] for key in enc.state_dict()} == {"atom_proj", "convs", "norms"}
    assert len(enc.convs) == len(enc.norms) == 3
    assert len({id(conv) for conv in enc.convs}) == 3  # a fresh conv per layer
    fresh = _encoder(name, depth=3)
    fresh.load_state_dict(enc.state_dict())  # strict: same keys and shapes


def test_residual_base_is_not_registered_and_needs_a_conv():
    assert ResidualGraphEncoder not in [ENCODERS.get(name) for name in ENCODERS.names()]
    with pytest.raises(NotImplementedError):
        ResidualGraphEncoder(32, 2, 0.0, "batch", "mean", atom_dim=8)


def test_residual_base_runs_any_conv(graphs):
    from torch_geometric.nn import GraphConv

    class GraphConvEncoder(ResidualGraphEncoder):
        conv_uses_edge_attr = False

        def _make_conv(self, hidden_size, bond_dim):
            return GraphConv(hidden_size, hidden_size)

    enc = GraphConvEncoder(32, 2, 0.0, "layer", "mean+max", atom_dim=graphs[0].num_node_features)
    assert repr(enc) == "GraphConvEncoder(hidden_size=32, depth=2, norm='layer', pool='mean+max')"
    assert enc(Batch.from_data_list(graphs)).shape == (len(SMILES), 64)
