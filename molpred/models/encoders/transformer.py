"""Graph transformer: GPS layers with a random-walk structural encoding.

Follows Rampášek et al., "Recipe for a General, Powerful, Scalable Graph Transformer",
NeurIPS 2022 (GraphGPS), using PyG's :class:`~torch_geometric.nn.GPSConv`:

* ``h0 = Linear([x ; rwse])``: atom features (78) and the random-walk structural encoding
  ``rwse[v, k-1] = (P^k)[v, v]``, ``k = 1..walk_length``, with ``P = D^-1 A`` the random-walk
  matrix (Dwivedi et al., "Graph Neural Networks with Learnable Structural and Positional
  Representations", ICLR 2022). It tells each atom the sizes of the rings it sits in and the
  shape of its neighbourhood, which attention alone cannot see;
* ``depth`` GPS layers, each the sum of a local GINE convolution over bonds (Hu et al.,
  "Strategies for Pre-training Graph Neural Networks", ICLR 2020; bond features enter through
  ``edge_dim = 14``) and multi-head self-attention over all atoms of the molecule, followed by
  a two-layer MLP, each with a residual connection and normalization;
* mean pooling over atoms.

The RWSE is computed inside :meth:`GPSEncoder.forward` from ``batch.edge_index`` rather than
by the featurizer: it needs no featurizer change (graph models keep one input format), it is
never stored, so datasets and checkpoints stay small, and ``walk_length`` is a model
hyper-parameter saved with the weights. It costs ``walk_length`` sparse products of an
``[num_atoms, max_atoms_per_molecule]`` matrix, negligible next to the attention.

Normalization is per-atom layer norm instead of GraphGPS's batch norm: an atom's embedding
then never depends on the other molecules in the batch, training works with batches of one
single-atom molecule, and train and eval behave the same.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.data import Batch
from torch_geometric.nn import GINEConv, GPSConv, global_mean_pool
from torch_geometric.utils import cumsum, degree

from molpred.featurizers.atom import ATOM_FEATURE_DIM
from molpred.featurizers.bond import BOND_FEATURE_DIM
from molpred.models.encoders.base import ENCODERS, Encoder


@torch.no_grad()
def random_walk_se(
    edge_index: Tensor, batch: Tensor, num_graphs: int, walk_length: int
) -> Tensor:
    """Random-walk structural encoding of every node of a batch of graphs.

    The same values as :class:`torch_geometric.transforms.AddRandomWalkPE` applied to each
    graph alone, computed for the whole batch at once. Instead of forming ``P^k`` (dense
    ``[N, N]`` over the batch), node ``v`` of a graph with ``n`` nodes carries the row
    ``P^k[v, :]`` restricted to its own graph in ``X_k`` (``[N, n_max]``, columns are
    within-graph node indices): ``X_0`` is a one-hot of ``v``'s index and
    ``X_k = P X_{k-1}`` is one scatter over the edges, since walks never leave a graph.

    Args:
        edge_index: ``int64 [2, E]`` directed edges (both directions of every bond).
        batch: ``int64 [N]`` graph index of every node, sorted (PyG's ``Batch.batch``).
        num_graphs: Number of graphs B.
        walk_length: Number of steps K.

    Returns:
        ``float32 [N, K]`` with ``out[v, k - 1]`` the probability that a random walk from
        ``v`` is back at ``v`` after ``k`` steps. Isolated atoms (single-atom molecules,
        graphs without edges) get zeros.
    """
    num_nodes = batch.numel()
    counts = degree(batch, num_graphs, dtype=torch.long)
    nodes = torch.arange(num_nodes, device=batch.device)
    local = nodes - cumsum(counts)[batch]  # index of each node within its own graph
    width = max(int(counts.max()), 1) if num_graphs else 1
    row, col = edge_index
    weight = (1.0 / degree(row, num_nodes).clamp(min=1.0))[row].unsqueeze(1)  # P[row, col]
    walk = torch.zeros(num_nodes, width, device=batch.device)
    walk[nodes, local] = 1.0
    steps = []
    for _ in range(walk_length):
        walk = torch.zeros_like(walk).index_add_(0, row, weight * walk.index_select(0, col))
        steps.append(walk[nodes, local])
    return torch.stack(steps, dim=1) if steps else walk.new_zeros(num_nodes, 0)


@ENCODERS.register("transformer")
class GPSEncoder(Encoder):
    """GPS graph transformer encoder, ``Batch -> float32 [num_graphs, hidden_size]``.

    Reads ``x float32 [N, 78]``, ``edge_index int64 [2, E]``, ``edge_attr float32 [E, 14]``
    and ``batch int64 [N]``.

    Args:
        hidden_size: Width of atom states (divisible by ``heads``).
        depth: Number of GPS layers (>= 1).
        dropout: Dropout probability in the layers and on the attention weights.
        heads: Attention heads per layer.
        walk_length: Random-walk steps K of the structural encoding (>= 1).
        atom_dim, bond_dim: Input feature widths (defaults: molpred's featurizer).

    Raises:
        ValueError: if ``hidden_size`` is not a multiple of ``heads``, or ``heads``, ``depth``
            or ``walk_length`` < 1.
    """

    needs_graph = True
    # Sized for a CPU budget, not tuned on any score: 2 GPS layers make a training step cost
    # 2.5x a default D-MPNN step (batch 64 of Tox21, one thread); 4 layers cost 5.6x.
    defaults = {"hidden_size": 128, "depth": 2, "dropout": 0.1, "heads": 4, "walk_length": 16}

    def __init__(
        self,
        hidden_size: int = 128,
        depth: int = 2,
        dropout: float = 0.1,
        heads: int = 4,
        walk_length: int = 16,
        atom_dim: int = ATOM_FEATURE_DIM,
        bond_dim: int = BOND_FEATURE_DIM,
    ) -> None:
        super().__init__()
        self.require_positive(depth=depth, walk_length=walk_length)
        if heads < 1 or hidden_size % heads:
            raise ValueError(f"hidden_size ({hidden_size}) must be a multiple of heads ({heads})")
        self.hidden_size, self.depth, self.heads = hidden_size, depth, heads
        self.walk_length = walk_length
        self.input = nn.Linear(atom_dim + walk_length, hidden_size)
        self.layers = nn.ModuleList()
        for _ in range(depth):
            local = GINEConv(
                nn.Sequential(nn.Linear(hidden_size, hidden_size), nn.ReLU(),
                              nn.Linear(hidden_size, hidden_size)),
                edge_dim=bond_dim,
            )
            self.layers.append(
                GPSConv(hidden_size, local, heads=heads, dropout=dropout, norm="layer_norm",
                        norm_kwargs={"mode": "node"}, attn_kwargs={"dropout": dropout})
            )
        self.out_dim = hidden_size

    def forward(self, batch: Batch) -> Tensor:
        rwse = random_walk_se(batch.edge_index, batch.batch, batch.num_graphs, self.walk_length)
        h = self.input(torch.cat([batch.x, rwse], dim=1))
        for layer in self.layers:
            h = layer(h, batch.edge_index, batch.batch, edge_attr=batch.edge_attr)
        return global_mean_pool(h, batch.batch, size=batch.num_graphs)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(hidden_size={self.hidden_size}, depth={self.depth}, "
            f"heads={self.heads}, walk_length={self.walk_length})"
        )
