"""The shared prediction head: one MLP used after every encoder.

``[num_graphs, in_dim] -> (Dropout -> Linear -> ReLU) x num_layers -> Dropout -> Linear ->
[num_graphs, num_tasks]``, as Chemprop's feed-forward network (Yang et al. 2019). Outputs are
logits for classification tasks and standardized values for regression tasks; the
transformation to probabilities / dataset units lives in :class:`molpred.models.MoleculeModel`.
"""

from __future__ import annotations

from torch import Tensor, nn


class PredictionHead(nn.Module):
    """Multi-task MLP head.

    Args:
        in_dim: Width of the molecule embedding (encoder ``out_dim`` + extra features).
        num_tasks: Number of outputs T.
        hidden_size: Width of the hidden layers.
        num_layers: Hidden layers before the output layer (0 = linear head).
        dropout: Dropout probability before each linear layer.
    """

    def __init__(
        self, in_dim: int, num_tasks: int, hidden_size: int = 300, num_layers: int = 1,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = in_dim
        for _ in range(num_layers):
            layers += [nn.Dropout(dropout), nn.Linear(width, hidden_size), nn.ReLU()]
            width = hidden_size
        layers += [nn.Dropout(dropout), nn.Linear(width, num_tasks)]
        self.net = nn.Sequential(*layers)

    def forward(self, embedding: Tensor) -> Tensor:
        """``float32 [num_graphs, in_dim] -> float32 [num_graphs, num_tasks]``."""
        return self.net(embedding)
