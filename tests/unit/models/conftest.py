import pytest
import torch
from torch_geometric.data import Batch

from molpred.featurizers import FeaturizerConfig, featurize_smiles


@pytest.fixture(scope="session")
def tox21_batch(tox21) -> Batch:
    """64 real Tox21 molecules with graph, ECFP4, RDKit 2D features, SMILES tokens and their
    12 labels."""
    head = tox21.head(64)
    config = FeaturizerConfig(ecfp=True, extra_features=("rdkit2d",), tokens=True)
    data, _ = featurize_smiles(head["smiles"].tolist(), config, workers=1)
    labels = torch.tensor(head.iloc[:, 1:].to_numpy(dtype="float32"))
    kept = []
    for i, d in enumerate(data):
        if d is not None:
            d.y = labels[i : i + 1]
            kept.append(d)
    return Batch.from_data_list(kept)
