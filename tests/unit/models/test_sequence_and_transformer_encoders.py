"""The SMILES CNN, the SMILES RNN (bidirectional GRU) and the GPS graph transformer on real
Tox21 molecules."""

import pytest
import torch
from torch_geometric.data import Batch
from torch_geometric.transforms import AddRandomWalkPE

from molpred.featurizers import FeaturizerConfig, featurize_smiles
from molpred.featurizers.tokens import PAD_ID, UNK_ID, VOCAB_SIZE
from molpred.models import ModelConfig, MoleculeModel
from molpred.models.checkpoint import load_model, save_model
from molpred.models.encoders.cnn import CNNEncoder
from molpred.models.encoders.rnn import RNNEncoder
from molpred.models.encoders.transformer import GPSEncoder, random_walk_se

SMALL = {
    "cnn": lambda: CNNEncoder(hidden_size=32, depth=3, kernel_size=5),
    "rnn": lambda: RNNEncoder(hidden_size=32, depth=2),
    "transformer": lambda: GPSEncoder(hidden_size=32, depth=2, heads=4, walk_length=8),
}
TASKS = [f"t{i}" for i in range(12)]


def _seeded(name):
    torch.manual_seed(0)
    return SMALL[name]().eval()


@pytest.fixture(scope="module")
def single_atoms() -> list:
    """Methane and water (one heavy atom, no bonds), featurized like ``tox21_batch``."""
    config = FeaturizerConfig(ecfp=True, extra_features=("rdkit2d",), tokens=True)
    data, errors = featurize_smiles(["C", "O"], config, workers=1)
    assert errors == ["", ""] and all(d.num_nodes == 1 and d.num_edges == 0 for d in data)
    for d in data:
        d.y = torch.full((1, 12), float("nan"))
    return data


@pytest.mark.parametrize("name", SMALL)
def test_shape_dtype_and_repr(name, tox21_batch):
    enc = _seeded(name)
    out = enc(tox21_batch)
    assert out.shape == (tox21_batch.num_graphs, 32) and out.dtype == torch.float32
    assert torch.isfinite(out).all() and enc.out_dim == 32
    assert repr(enc).startswith(f"{type(enc).__name__}(hidden_size=32, depth=")


@pytest.mark.parametrize("name", SMALL)
def test_invariant_to_molecule_order(name, tox21_batch):
    enc = _seeded(name)
    graphs = tox21_batch.to_data_list()[:8]
    forward = enc(Batch.from_data_list(graphs))
    backward = enc(Batch.from_data_list(graphs[::-1]))
    assert torch.allclose(forward, backward.flip(0), atol=1e-5)


@pytest.mark.parametrize("name", SMALL)
def test_a_molecule_embeds_the_same_alone_and_in_a_batch(name, tox21_batch):
    """For the CNN this is the padding test: the shortest SMILES is padded to the longest."""
    enc = _seeded(name)
    graphs = tox21_batch.to_data_list()
    lengths = torch.stack([(g.tokens != PAD_ID).sum() for g in graphs])
    shortest, longest = int(lengths.argmin()), int(lengths.argmax())
    assert lengths[longest] > 2 * lengths[shortest]
    batch = Batch.from_data_list([graphs[longest], graphs[shortest], *graphs[:6]])
    together = enc(batch)
    alone = enc(Batch.from_data_list([graphs[shortest]]))
    assert torch.allclose(together[1], alone[0], atol=1e-5)


@pytest.mark.parametrize("name", SMALL)
def test_single_atom_molecules(name, single_atoms, tox21_batch):
    enc = _seeded(name)
    alone = enc(Batch.from_data_list(single_atoms))
    assert alone.shape == (2, 32) and torch.isfinite(alone).all()
    assert not torch.allclose(alone[0], alone[1])  # carbon and oxygen differ
    mixed = enc(Batch.from_data_list([*tox21_batch.to_data_list()[:3], single_atoms[0]]))
    assert torch.allclose(mixed[3], alone[0], atol=1e-5)
    enc.train()  # training on a batch holding only one atom works (no batch norm)
    enc(Batch.from_data_list(single_atoms[:1])).sum().backward()


@pytest.mark.parametrize("name", SMALL)
def test_save_load_round_trip_predicts_identically(name, tox21_batch, tmp_path):
    torch.manual_seed(0)
    params = {"hidden_size": 32, "depth": 2}
    model = MoleculeModel(ModelConfig.build(name, TASKS, "classification", params)).eval()
    assert model.config.featurizer_config.tokens is (name in ("cnn", "rnn"))
    expected = model(tox21_batch)
    loaded, config = load_model(save_model(model, tmp_path / name))
    assert config["model"]["encoder"] == name
    assert repr(loaded.encoder) == repr(model.encoder)
    assert torch.equal(loaded(tox21_batch), expected)


@pytest.mark.parametrize("encoder", [CNNEncoder, RNNEncoder])
def test_token_encoders_read_ids_beyond_their_vocabulary_as_unknown(encoder, tox21_batch):
    torch.manual_seed(0)
    enc = encoder(hidden_size=16, depth=1, vocab_size=VOCAB_SIZE - 10).eval()
    batch = Batch.from_data_list(tox21_batch.to_data_list()[:2])
    newer = batch.clone()
    newer.tokens[:, 0] = VOCAB_SIZE - 1  # a token appended after this model was trained
    as_unknown = batch.clone()
    as_unknown.tokens[:, 0] = UNK_ID
    assert torch.equal(enc(newer), enc(as_unknown))


def test_cnn_and_transformer_reject_bad_settings():
    with pytest.raises(ValueError, match="odd"):
        CNNEncoder(kernel_size=4)
    with pytest.raises(ValueError, match="multiple of heads"):
        GPSEncoder(hidden_size=30, heads=4)
    with pytest.raises(ValueError, match="depth"):
        GPSEncoder(depth=0)
    with pytest.raises(ValueError, match="depth"):
        RNNEncoder(depth=0)
    with pytest.raises(ValueError, match="vocab_size"):
        RNNEncoder(vocab_size=1)


def test_random_walk_encoding_matches_pyg_per_graph(tox21_batch, single_atoms):
    graphs = [*tox21_batch.to_data_list()[:20], *single_atoms]
    batch = Batch.from_data_list(graphs)
    rwse = random_walk_se(batch.edge_index, batch.batch, batch.num_graphs, 12)
    expected = torch.cat([AddRandomWalkPE(12)(g.clone()).random_walk_pe for g in graphs])
    assert rwse.shape == (batch.num_nodes, 12) and rwse.dtype == torch.float32
    assert torch.allclose(rwse, expected, atol=1e-6)
    assert (rwse[-2:] == 0).all()  # isolated atoms never walk back
    # benzene: a walk returns after 2 steps with probability 1/2, never after an odd number
    benzene, _ = featurize_smiles(["c1ccccc1"], FeaturizerConfig(), workers=1)
    b = Batch.from_data_list(benzene)
    ring = random_walk_se(b.edge_index, b.batch, 1, 4)
    assert torch.allclose(ring, torch.tensor([0.0, 0.5, 0.0, 0.375]).expand(6, 4))


def test_transformer_uses_bonds_and_ring_structure(tox21_batch):
    enc = _seeded("transformer")
    g = tox21_batch.to_data_list()[0]
    no_bond_types = g.clone()
    no_bond_types.edge_attr = torch.zeros_like(g.edge_attr)
    base = enc(Batch.from_data_list([g]))
    assert not torch.allclose(base, enc(Batch.from_data_list([no_bond_types])))


def test_the_rnn_reads_order_a_reversed_smiles_string_embeds_differently(tox21_batch):
    """Unlike a bag of tokens, the GRU sees order: the same tokens reversed differ."""
    enc = _seeded("rnn")
    graph = tox21_batch.to_data_list()[0]
    flipped = graph.clone()
    n = int((graph.tokens != PAD_ID).sum())
    flipped.tokens[0, :n] = graph.tokens[0, :n].flip(0)
    a, b = enc(Batch.from_data_list([graph, flipped]))
    assert not torch.allclose(a, b, atol=1e-4)
