"""molpred's plain-torch pooling equals torch-geometric's global pools."""

import torch
from torch_geometric.nn import global_add_pool, global_mean_pool

from molpred.models.pooling import mean_pool, sum_pool


def test_pools_match_pyg_including_a_molecule_without_atoms():
    torch.manual_seed(0)
    atoms = torch.randn(23, 7)
    # molecule 2 has no atoms; molecule 4 (the last) has one
    batch = torch.tensor([0] * 9 + [1] * 8 + [3] * 5 + [4])
    assert torch.allclose(sum_pool(atoms, batch, 5), global_add_pool(atoms, batch, size=5))
    assert torch.allclose(mean_pool(atoms, batch, 5), global_mean_pool(atoms, batch, size=5))
    assert torch.equal(sum_pool(atoms, batch, 5)[2], torch.zeros(7))
    assert torch.equal(mean_pool(atoms, batch, 5)[4], atoms[-1])
