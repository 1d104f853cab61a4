"""Multi-layer perceptron on ECFP4 fingerprints.

A strong, fast baseline (cf. the random forest on ECFP4 in MoleculeNet, Wu et al. 2018):
``fp [num_graphs, 2048] -> Linear -> ReLU -> Dropout`` repeated ``depth`` times.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import Tensor, nn

from molpred.featurizers.vector import ECFP_BITS
from molpred.models.encoders.base import ENCODERS, Encoder

if TYPE_CHECKING:  # PyG is imported only where its layers are used (start-up time)
    from torch_geometric.data import Batch


@ENCODERS.register("mlp")
class MLPEncoder(Encoder):
    """ECFP4 MLP encoder, ``Batch.fp float32 [num_graphs, 2048] -> [num_graphs, hidden_size]``.

    Args:
        hidden_size: Width of every hidden layer.
        depth: Number of hidden layers (>= 1).
        dropout: Dropout probability after each layer.
        in_dim: Fingerprint length (2048).

    Raises:
        ValueError: if ``depth`` < 1.
    """

    needs_fingerprint = True
    defaults = {"hidden_size": 512, "depth": 2, "dropout": 0.2}

    def __init__(
        self, hidden_size: int = 512, depth: int = 2, dropout: float = 0.2, in_dim: int = ECFP_BITS
    ) -> None:
        super().__init__()
        self.require_positive(depth=depth)
        layers: list[nn.Module] = []
        width = in_dim
        for _ in range(depth):
            layers += [nn.Linear(width, hidden_size), nn.ReLU(), nn.Dropout(dropout)]
            width = hidden_size
        self.net = nn.Sequential(*layers)
        self.out_dim = hidden_size

    def forward(self, batch: Batch) -> Tensor:
        return self.net(batch.fp)
