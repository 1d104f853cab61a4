"""Graph convolutional network (GCN).

Follows Kipf & Welling, "Semi-Supervised Classification with Graph Convolutional Networks",
ICLR 2017, with PyG's :class:`~torch_geometric.nn.GCNConv` (symmetric normalization
``D^-1/2 (A + I) D^-1/2``, self-loops added):

* atom features are projected first, ``x_0 = W_in x`` (``[N, 78] -> [N, hidden]``);
* each layer ``x_{l+1} = x_l + dropout(relu(norm(GCNConv(x_l))))`` (residual);
* atom states are pooled over each molecule (mean and max concatenated by default).

GCN has no edge features: it **ignores bond features** (``edge_attr``) and sees only which
atoms are bonded, so single/double/aromatic bonds look alike. It is the simplest graph
baseline; prefer ``gin``, ``gat``, ``attentivefp`` or ``dmpnn`` when bond types matter.
"""

from __future__ import annotations

from torch import nn
from torch_geometric.nn import GCNConv

from molpred.featurizers.atom import ATOM_FEATURE_DIM
from molpred.models.encoders.base import ENCODERS
from molpred.models.encoders.residual import ResidualGraphEncoder


@ENCODERS.register("gcn")
class GCNEncoder(ResidualGraphEncoder):
    """GCN encoder, ``Batch -> float32 [num_graphs, out_dim]``.

    Reads ``x float32 [num_atoms, atom_dim]``, ``edge_index int64 [2, num_edges]`` and
    ``batch int64 [num_atoms]``; ``edge_attr`` is not used. ``out_dim`` is ``hidden_size``,
    or ``2 * hidden_size`` with ``pool="mean+max"``.

    Args:
        hidden_size: Width of the atom states.
        depth: Number of GCN layers (>= 1).
        dropout: Dropout probability after each layer.
        norm: ``"batch"`` (BatchNorm over atoms), ``"layer"`` (LayerNorm per atom) or ``"none"``.
        pool: Molecule readout: ``"mean"``, ``"sum"``, ``"max"`` or ``"mean+max"``
            (concatenated; max keeps the signal of a single strongly activated atom, e.g. a
            toxicophore, that a mean over a large molecule dilutes).
        atom_dim: Input atom feature width (default: molpred's featurizer).

    Raises:
        ValueError: if ``norm`` or ``pool`` is unknown, or ``depth`` < 1.
    """

    conv_uses_edge_attr = False
    # Literature-style defaults, not tuned on molpred's benchmarks.
    defaults = {"hidden_size": 300, "depth": 3, "dropout": 0.1, "norm": "batch", "pool": "mean+max"}
    head_defaults = {"num_layers": 2}

    def __init__(
        self,
        hidden_size: int = 300,
        depth: int = 3,
        dropout: float = 0.1,
        norm: str = "batch",
        pool: str = "mean+max",
        atom_dim: int = ATOM_FEATURE_DIM,
    ) -> None:
        super().__init__(hidden_size, depth, dropout, norm, pool, atom_dim)

    def _make_conv(self, hidden_size: int, bond_dim: int) -> nn.Module:
        return GCNConv(hidden_size, hidden_size)
