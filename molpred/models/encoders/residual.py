"""The residual message-passing skeleton shared by the ``gcn``, ``gin`` and ``gat`` encoders.

:class:`ResidualGraphEncoder` is not registered itself: a subclass names its convolution
(:meth:`ResidualGraphEncoder._make_conv`) and whether it reads bond features, and inherits

* the atom projection ``x_0 = W_in x`` (``[N, atom_dim] -> [N, hidden]``);
* ``depth`` residual layers ``x_{l+1} = x_l + dropout(relu(norm(conv(x_l))))``;
* the molecule readout (``mean``, ``sum``, ``max`` or ``mean+max`` concatenated), ``out_dim``,
  ``reset_parameters`` and ``__repr__``.
"""

from __future__ import annotations

from typing import ClassVar

from torch import Tensor, nn
from torch_geometric.data import Batch
from torch_geometric.nn import BatchNorm, LayerNorm
from torch_geometric.nn.aggr import MultiAggregation
from torch_geometric.nn.inits import reset

from molpred.featurizers.bond import BOND_FEATURE_DIM
from molpred.models.encoders.base import Encoder

_POOLS = ("mean", "sum", "max", "mean+max")
_NORMS = ("batch", "layer", "none")


def _norm(kind: str, width: int) -> nn.Module:
    """Node-wise normalization; BatchNorm tolerates a one-atom batch (running stats)."""
    if kind == "batch":
        return BatchNorm(width, allow_single_element=True)
    if kind == "layer":
        return LayerNorm(width, mode="node")
    return nn.Identity()


class ResidualGraphEncoder(Encoder):
    """Residual graph encoder, ``Batch -> float32 [num_graphs, out_dim]``.

    Reads ``x float32 [num_atoms, atom_dim]``, ``edge_index int64 [2, num_edges]``,
    ``batch int64 [num_atoms]`` and, if :attr:`conv_uses_edge_attr`, ``edge_attr float32
    [num_edges, bond_dim]``. ``out_dim`` is ``hidden_size``, or ``2 * hidden_size`` with
    ``pool="mean+max"``; a subclass that combines the layers otherwise (:meth:`_combine`)
    adjusts it.

    Subclasses implement :meth:`_make_conv` (called ``depth`` times, from ``__init__``: set any
    attribute it reads before calling ``super().__init__``), set :attr:`conv_uses_edge_attr`,
    and list their own settings in :attr:`repr_fields`.

    Args:
        hidden_size: Width of the atom states.
        depth: Number of convolution layers (>= 1).
        dropout: Dropout probability on atom states after each layer.
        norm: ``"batch"`` (BatchNorm over atoms), ``"layer"`` (LayerNorm per atom) or ``"none"``.
        pool: Molecule readout: ``"mean"``, ``"sum"``, ``"max"`` or ``"mean+max"``.
        atom_dim: Input atom feature width.
        bond_dim: Input bond feature width, passed to :meth:`_make_conv`.

    Raises:
        ValueError: if ``norm`` or ``pool`` is unknown, or ``depth`` < 1.
    """

    needs_graph = True
    conv_uses_edge_attr: ClassVar[bool] = True
    """The convolution is called as ``conv(x, edge_index, edge_attr)``, else ``conv(x, edge_index)``."""
    repr_fields: ClassVar[tuple[str, ...]] = ("hidden_size", "depth", "norm", "pool")

    def __init__(
        self,
        hidden_size: int,
        depth: int,
        dropout: float,
        norm: str,
        pool: str,
        atom_dim: int,
        bond_dim: int = BOND_FEATURE_DIM,
    ) -> None:
        super().__init__()
        self.require_positive(depth=depth)
        if norm not in _NORMS:
            raise ValueError(f"norm must be one of {_NORMS}, got {norm!r}")
        if pool not in _POOLS:
            raise ValueError(f"pool must be one of {_POOLS}, got {pool!r}")
        self.hidden_size, self.depth, self.norm, self.pool = hidden_size, depth, norm, pool
        self.atom_proj = nn.Linear(atom_dim, hidden_size)
        self.convs = nn.ModuleList(self._make_conv(hidden_size, bond_dim) for _ in range(depth))
        self.norms = nn.ModuleList(_norm(norm, hidden_size) for _ in range(depth))
        self.act = nn.ReLU()
        self.dropout = nn.Dropout(dropout)
        self.readout = MultiAggregation(pool.split("+"), mode="cat")
        self.out_dim = hidden_size * len(pool.split("+"))
        self.reset_parameters()

    def _make_conv(self, hidden_size: int, bond_dim: int) -> nn.Module:
        """One convolution ``[N, hidden] -> [N, hidden]`` (a fresh module per layer)."""
        raise NotImplementedError

    def _combine(self, layers: list[Tensor]) -> Tensor:
        """Atom states to pool from the outputs of all layers: the last one."""
        return layers[-1]

    def reset_parameters(self) -> None:
        """Re-initialize all learnable parameters (and BatchNorm running statistics)."""
        self.atom_proj.reset_parameters()
        for conv in self.convs:
            conv.reset_parameters()
        reset(self.norms)

    def forward(self, batch: Batch) -> Tensor:
        x = self.atom_proj(batch.x)
        edge_args = (batch.edge_attr,) if self.conv_uses_edge_attr else ()
        layers = []
        for conv, norm in zip(self.convs, self.norms):
            x = x + self.dropout(self.act(norm(conv(x, batch.edge_index, *edge_args))))
            layers.append(x)
        return self.readout(self._combine(layers), batch.batch, dim_size=batch.num_graphs)

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.repr_fields)
        return f"{self.__class__.__name__}({settings})"
