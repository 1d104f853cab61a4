"""Bidirectional recurrent network (GRU) over SMILES tokens.

A recurrent encoder reads the SMILES string token by token, as SMILES2Vec (Goh et al.,
"SMILES2Vec: an interpretable general-purpose deep neural network for predicting chemical
properties", arXiv:1712.02034, 2017) and the LSTM baseline of Mayr et al. ("Large-scale
comparison of machine learning methods for drug target prediction on ChEMBL", Chem. Sci. 9,
5441, 2018) do; the GRU cell is Cho et al. 2014's:

* ``h = Embedding(tokens)``, ``[B, L, hidden]``, over the tokens the ``cnn`` encoder reads
  (:mod:`molpred.featurizers.tokens`; ids beyond the model's vocabulary read as ``<unk>``);
* ``depth`` stacked bidirectional GRU layers of width ``hidden`` per direction, with dropout
  between layers, run on packed sequences (``torch.nn.utils.rnn.pack_padded_sequence``), so
  pad tokens are never read and a molecule embeds identically alone or in any batch;
* mean and max pooling of the top layer's outputs over the real tokens, concatenated
  (``4 * hidden``), ``-> Dropout -> ReLU(Linear(4 * hidden, hidden))``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from molpred.featurizers.tokens import PAD_ID, UNK_ID, VOCAB_SIZE
from molpred.models.encoders.base import ENCODERS, Encoder

if TYPE_CHECKING:  # PyG is imported only where its layers are used (start-up time)
    from torch_geometric.data import Batch


@ENCODERS.register("rnn")
class RNNEncoder(Encoder):
    """SMILES bidirectional-GRU encoder, ``Batch.tokens int64 [num_graphs, L] -> float32
    [num_graphs, hidden_size]``.

    Args:
        hidden_size: Embedding width, GRU width per direction and output width.
        depth: Stacked bidirectional GRU layers (>= 1).
        dropout: Dropout between GRU layers and before the output layer.
        vocab_size: Token ids the embedding knows (the vocabulary size when the model was
            built; ids added to the vocabulary later are read as ``<unk>``).

    Raises:
        ValueError: if ``depth`` < 1 or ``vocab_size`` does not exceed the unknown-token id.
    """

    needs_tokens = True
    # Sized for a CPU budget like the CNN's, not tuned on any score.
    defaults = {"hidden_size": 128, "depth": 2, "dropout": 0.1, "vocab_size": VOCAB_SIZE}

    def __init__(self, hidden_size: int = 128, depth: int = 2, dropout: float = 0.1,
                 vocab_size: int = VOCAB_SIZE) -> None:
        super().__init__()
        self.require_positive(depth=depth)
        if vocab_size <= UNK_ID:
            raise ValueError(f"vocab_size must be > {UNK_ID}, got {vocab_size}")
        self.hidden_size, self.depth, self.vocab_size = hidden_size, depth, vocab_size
        self.embedding = nn.Embedding(vocab_size, hidden_size, padding_idx=PAD_ID)
        self.gru = nn.GRU(hidden_size, hidden_size, num_layers=depth, batch_first=True,
                          bidirectional=True, dropout=dropout if depth > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(4 * hidden_size, hidden_size)
        self.act = nn.ReLU()
        self.out_dim = hidden_size

    def forward(self, batch: Batch) -> Tensor:
        tokens = batch.tokens  # [B, MAX_TOKENS], real tokens first, then PAD_ID
        lengths = (tokens != PAD_ID).sum(1).clamp(min=1)  # an all-pad row reads one <pad>
        tokens = tokens[:, : int(lengths.max())]
        tokens = tokens.masked_fill(tokens >= self.vocab_size, UNK_ID)
        packed = pack_padded_sequence(self.embedding(tokens), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        states, _ = pad_packed_sequence(self.gru(packed)[0], batch_first=True,
                                        total_length=tokens.shape[1])  # [B, L, 2 * hidden]
        real = (torch.arange(tokens.shape[1], device=tokens.device)[None, :]
                < lengths[:, None].to(tokens.device)).unsqueeze(2)
        mean = (states * real).sum(1) / lengths[:, None].to(states.dtype)
        maximum = states.masked_fill(~real, float("-inf")).amax(1)
        return self.act(self.out(self.dropout(torch.cat([mean, maximum], dim=1))))

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(hidden_size={self.hidden_size}, depth={self.depth}, "
                f"vocab_size={self.vocab_size})")
