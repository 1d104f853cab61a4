"""Graph isomorphism network with bond features (GINE).

Combines Xu et al., "How Powerful are Graph Neural Networks?", ICLR 2019 (GIN: sum
aggregation followed by an MLP, as expressive as the 1-WL test) with the edge-aware variant of
Hu et al., "Strategies for Pre-training Graph Neural Networks", ICLR 2020, as PyG's
:class:`~torch_geometric.nn.GINEConv`:

* atom features are projected first, ``x_0 = W_in x`` (``[N, 78] -> [N, hidden]``);
* each layer ``h_v = MLP((1 + eps) x_v + sum_{u -> v} relu(x_u + W_e e_{uv}))`` with a learned
  ``eps`` and ``MLP = Linear(hidden, 2 hidden) -> ReLU -> Linear(2 hidden, hidden)`` (Hu et
  al.), then ``x_{l+1} = x_l + dropout(relu(BatchNorm(h)))`` (residual);
* jumping knowledge (Xu et al. 2018) picks the last layer's atom states (default) or
  concatenates / max-pools those of all layers, and the result is pooled per molecule.
"""

from __future__ import annotations

from torch import Tensor, nn
from torch_geometric.nn import MLP, GINEConv, JumpingKnowledge

from molpred.featurizers.atom import ATOM_FEATURE_DIM
from molpred.featurizers.bond import BOND_FEATURE_DIM
from molpred.models.encoders.base import ENCODERS
from molpred.models.encoders.residual import ResidualGraphEncoder

_JKS = ("last", "cat", "max")


@ENCODERS.register("gin")
class GINEncoder(ResidualGraphEncoder):
    """GINE encoder, ``Batch -> float32 [num_graphs, out_dim]``.

    Reads ``x float32 [num_atoms, atom_dim]``, ``edge_index int64 [2, num_edges]``,
    ``edge_attr float32 [num_edges, bond_dim]`` and ``batch int64 [num_atoms]``.
    ``out_dim = hidden_size * (depth if jk == "cat" else 1) * (2 if pool == "mean+max" else 1)``.
    ``reset_parameters()`` also sets each layer's learned ``eps`` back to 0.

    Args:
        hidden_size: Width of the atom states.
        depth: Number of GINE layers (>= 1).
        dropout: Dropout probability after each layer.
        norm: ``"batch"`` (BatchNorm over atoms, as GIN), ``"layer"`` or ``"none"``.
        pool: Molecule readout: ``"mean"``, ``"sum"`` (Xu et al.), ``"max"`` or ``"mean+max"``.
        jk: Jumping knowledge over layer outputs: ``"last"``, ``"cat"`` or ``"max"``.
        atom_dim, bond_dim: Input feature widths (defaults: molpred's featurizer).

    Raises:
        ValueError: if ``jk``, ``norm`` or ``pool`` is unknown, or ``depth`` < 1.
    """

    repr_fields = (*ResidualGraphEncoder.repr_fields, "jk")
    # Hu et al. 2020 / OGB's GIN baseline: 5 layers of 300, last-layer JK, mean pooling (sum
    # pooling grows with molecule size, which the head does not normalize). Dropout 0.1 as
    # molpred's other graph encoders; none of this is tuned on molpred's benchmarks.
    defaults = {"hidden_size": 300, "depth": 5, "dropout": 0.1, "norm": "batch", "pool": "mean",
                "jk": "last"}
    head_defaults = {"num_layers": 2}

    def __init__(
        self,
        hidden_size: int = 300,
        depth: int = 5,
        dropout: float = 0.1,
        norm: str = "batch",
        pool: str = "mean",
        jk: str = "last",
        atom_dim: int = ATOM_FEATURE_DIM,
        bond_dim: int = BOND_FEATURE_DIM,
    ) -> None:
        if jk not in _JKS:
            raise ValueError(f"jk must be one of {_JKS}, got {jk!r}")
        super().__init__(hidden_size, depth, dropout, norm, pool, atom_dim, bond_dim)
        self.jk = jk
        self.jumping = JumpingKnowledge(jk) if jk != "last" else None  # cat/max: no parameters
        if jk == "cat":
            self.out_dim *= depth

    def _make_conv(self, hidden_size: int, bond_dim: int) -> nn.Module:
        return GINEConv(MLP([hidden_size, 2 * hidden_size, hidden_size], act="relu", norm=None),
                        train_eps=True, edge_dim=bond_dim)

    def _combine(self, layers: list[Tensor]) -> Tensor:
        return layers[-1] if self.jumping is None else self.jumping(layers)
