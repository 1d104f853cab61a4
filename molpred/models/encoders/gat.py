"""Graph attention network v2 with bond features (GATv2).

Follows Brody, Alon & Yahav, "How Attentive are Graph Attention Networks?", ICLR 2022, with
PyG's :class:`~torch_geometric.nn.GATv2Conv`; bond features enter the attention scores
(``edge_dim``), and each atom also attends to itself (self-loop whose bond features are the
mean of the atom's incoming bonds, zeros for an atom without bonds):

* atom features are projected first, ``x_0 = W_in x`` (``[N, 78] -> [N, hidden]``);
* each layer: ``heads`` attention heads of width ``hidden / heads``, concatenated back to
  ``hidden``, then ``x_{l+1} = x_l + dropout(relu(norm(h)))`` (residual);
* atom states are pooled per molecule (mean by default).
"""

from __future__ import annotations

from torch import nn
from torch_geometric.nn import GATv2Conv

from molpred.featurizers.atom import ATOM_FEATURE_DIM
from molpred.featurizers.bond import BOND_FEATURE_DIM
from molpred.models.encoders.base import ENCODERS
from molpred.models.encoders.residual import ResidualGraphEncoder


@ENCODERS.register("gat")
class GATEncoder(ResidualGraphEncoder):
    """GATv2 encoder, ``Batch -> float32 [num_graphs, out_dim]``.

    Reads ``x float32 [num_atoms, atom_dim]``, ``edge_index int64 [2, num_edges]``,
    ``edge_attr float32 [num_edges, bond_dim]`` and ``batch int64 [num_atoms]``. ``out_dim``
    is ``hidden_size``, or ``2 * hidden_size`` with ``pool="mean+max"``.

    Args:
        hidden_size: Width of the atom states; must be divisible by ``heads``.
        depth: Number of GATv2 layers (>= 1).
        dropout: Dropout probability on atom states after each layer.
        heads: Attention heads per layer (concatenated).
        attention_dropout: Dropout on the attention coefficients (GATv2Conv's ``dropout``).
        norm: ``"batch"`` (BatchNorm over atoms), ``"layer"`` (LayerNorm per atom) or ``"none"``.
        pool: Molecule readout: ``"mean"``, ``"sum"``, ``"max"`` or ``"mean+max"``.
        atom_dim, bond_dim: Input feature widths (defaults: molpred's featurizer).

    Raises:
        ValueError: if ``hidden_size`` is not a multiple of ``heads``, ``norm`` or ``pool`` is
            unknown, or ``depth`` < 1.
    """

    repr_fields = ("hidden_size", "depth", "heads", "norm", "pool")
    # 256 = 4 heads x 64. Attention dropout stays 0: atoms have at most 4-6 neighbours, so
    # dropping coefficients removes whole bonds. Not tuned on molpred's benchmarks.
    defaults = {"hidden_size": 256, "depth": 3, "dropout": 0.1, "heads": 4, "norm": "batch",
                "pool": "mean"}
    head_defaults = {"num_layers": 2}

    def __init__(
        self,
        hidden_size: int = 256,
        depth: int = 3,
        dropout: float = 0.1,
        heads: int = 4,
        attention_dropout: float = 0.0,
        norm: str = "batch",
        pool: str = "mean",
        atom_dim: int = ATOM_FEATURE_DIM,
        bond_dim: int = BOND_FEATURE_DIM,
    ) -> None:
        if heads < 1 or hidden_size % heads:
            raise ValueError(f"hidden_size ({hidden_size}) must be a multiple of heads ({heads})")
        # Read by _make_conv, which super().__init__ calls.
        self.heads, self.attention_dropout = heads, attention_dropout
        super().__init__(hidden_size, depth, dropout, norm, pool, atom_dim, bond_dim)

    def _make_conv(self, hidden_size: int, bond_dim: int) -> nn.Module:
        return GATv2Conv(hidden_size, hidden_size // self.heads, heads=self.heads, concat=True,
                         dropout=self.attention_dropout, edge_dim=bond_dim, add_self_loops=True,
                         fill_value="mean")
