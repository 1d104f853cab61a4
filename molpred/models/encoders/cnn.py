"""1D convolutional network over SMILES tokens.

Convolutions over the characters/tokens of a SMILES string, as in Hirohara et al.,
"Convolutional neural network based on SMILES representation of compounds for detecting
chemical motif", BMC Bioinformatics 2018, 19 (Suppl 19), 526, and Kimber et al., "Synergy
effect between convolutional neural networks and the multiplicity of SMILES for improvement
of molecular prediction", arXiv:1812.04439 (2018):

* ``h = Embedding(tokens)``, ``[B, L, hidden]`` (the ``<pad>`` embedding is fixed at zero);
* ``depth`` residual blocks ``h = h + Dropout(ReLU(Conv1d(h)))`` with kernel ``kernel_size``
  and dilation ``1, 2, 4, ...``: with the defaults (kernel 5, depth 3) each output position
  sees 29 tokens, about a ring and its substituents;
* global max and mean pooling over the real (non-pad) tokens, concatenated,
  ``-> ReLU(Linear(2 * hidden, hidden))``.

Padding never changes the result: the batch is cut to its longest SMILES, and hidden states
at pad positions are zeroed after every block, so the convolutions see exactly the zeros of
their own ``padding`` and a molecule embeds identically alone or next to longer ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from molpred.featurizers.tokens import PAD_ID, UNK_ID, VOCAB_SIZE
from molpred.models.encoders.base import ENCODERS, Encoder

if TYPE_CHECKING:  # PyG is imported only where its layers are used (start-up time)
    from torch_geometric.data import Batch


@ENCODERS.register("cnn")
class CNNEncoder(Encoder):
    """SMILES CNN encoder, ``Batch.tokens int64 [num_graphs, L] -> float32 [num_graphs,
    hidden_size]``.

    Args:
        hidden_size: Embedding width, convolution channels and output width.
        depth: Number of residual convolution blocks (>= 1); block ``i`` has dilation ``2**i``.
        dropout: Dropout probability after each block.
        kernel_size: Odd convolution width in tokens.
        vocab_size: Number of token ids the embedding knows (the vocabulary size when the
            model was built; ids added to the vocabulary later are read as ``<unk>``).

    Raises:
        ValueError: if ``kernel_size`` is not a positive odd number, ``vocab_size`` does not
            exceed the unknown-token id, or ``depth`` < 1.
    """

    needs_tokens = True
    # Sized for a CPU budget, not tuned on any score: 128 channels make a training step cost
    # 2.7x a default D-MPNN step (batch 64 of Tox21, one thread); 256 cost 8.8x.
    defaults = {"hidden_size": 128, "depth": 3, "dropout": 0.1, "kernel_size": 5,
                "vocab_size": VOCAB_SIZE}

    def __init__(
        self,
        hidden_size: int = 128,
        depth: int = 3,
        dropout: float = 0.1,
        kernel_size: int = 5,
        vocab_size: int = VOCAB_SIZE,
    ) -> None:
        super().__init__()
        self.require_positive(depth=depth)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be a positive odd number, got {kernel_size}")
        if vocab_size <= UNK_ID:
            raise ValueError(f"vocab_size must be > {UNK_ID}, got {vocab_size}")
        self.hidden_size, self.depth, self.kernel_size = hidden_size, depth, kernel_size
        self.vocab_size = vocab_size
        self.embedding = nn.Embedding(vocab_size, hidden_size, padding_idx=PAD_ID)
        self.convs = nn.ModuleList(
            nn.Conv1d(hidden_size, hidden_size, kernel_size, dilation=2**i,
                      padding=2**i * (kernel_size - 1) // 2)
            for i in range(depth)
        )
        self.act = nn.ReLU()
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(2 * hidden_size, hidden_size)
        self.out_dim = hidden_size

    def forward(self, batch: Batch) -> Tensor:
        tokens = batch.tokens  # [B, MAX_TOKENS], real tokens first, then PAD_ID
        length = max(int((tokens != PAD_ID).sum(1).max()), 1)
        tokens = tokens[:, :length]
        mask = (tokens != PAD_ID).unsqueeze(1)  # [B, 1, L]
        keep = mask.to(torch.float32)
        tokens = tokens.masked_fill(tokens >= self.vocab_size, UNK_ID)
        h = self.embedding(tokens).transpose(1, 2)  # [B, hidden, L]; pad columns are zero
        for conv in self.convs:
            h = (h + self.dropout(self.act(conv(h)))) * keep
        mean = h.sum(2) / keep.sum(2).clamp(min=1.0)
        maximum = h.masked_fill(~mask, float("-inf")).amax(2)
        maximum = maximum.masked_fill(~mask.any(2), 0.0)  # all-pad rows (never real molecules)
        return self.act(self.out(torch.cat([maximum, mean], dim=1)))

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(hidden_size={self.hidden_size}, depth={self.depth}, "
            f"kernel_size={self.kernel_size}, vocab_size={self.vocab_size})"
        )
