"""molpred's inference collate gives the encoders exactly what PyG's Batch.from_data_list gives."""

import pytest
import torch
from torch_geometric.data import Batch

from molpred.featurizers.collate import collate
from molpred.featurizers.featurize import FeaturizerConfig, featurize_rows, to_data

CONFIGS = {
    "graph": FeaturizerConfig(),
    "graph+rdkit2d": FeaturizerConfig(extra_features=("rdkit2d",)),
    "ecfp": FeaturizerConfig(graph=False, ecfp=True),
    "tokens": FeaturizerConfig(graph=False, tokens=True),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_collate_equals_pyg_batch(name, tox21):
    smiles = tox21["smiles"].head(40).tolist() + ["[Na+].[Cl-]", "C", "O=C=O"]
    arrays = [a for a, error in featurize_rows(smiles, CONFIGS[name]) if a is not None]
    assert len(arrays) == len(smiles)
    expected = Batch.from_data_list([to_data(a) for a in arrays])
    for items in (arrays, [to_data(a) for a in arrays]):  # array dicts or Data objects
        got = collate(items)
        assert got.num_graphs == expected.num_graphs == len(smiles)
        keys = ("x", "edge_index", "edge_attr", "batch", "fp", "mol_features", "tokens")
        for key in keys:
            want = getattr(expected, key, None)
            if want is None or (key == "batch" and "x" not in expected):
                assert getattr(got, key, None) is None, key
                continue
            assert torch.equal(getattr(got, key), want), key
            assert getattr(got, key).dtype == want.dtype, key
