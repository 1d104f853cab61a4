"""The encoder contract shared by every model family, and the encoder registry.

An encoder maps a PyG ``Batch`` of ``num_graphs`` molecules to a molecule embedding
``float32 [num_graphs, out_dim]``. It declares which featurizer inputs it needs through
:meth:`Encoder.featurizer_config`, so that training, prediction and screening stay generic:
adding an encoder means one module with a class decorated ``@ENCODERS.register("name")``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from torch import Tensor, nn

from molpred.featurizers.featurize import FeaturizerConfig
from molpred.names import ENCODER_MODULES
from molpred.registry import Registry

if TYPE_CHECKING:  # PyG is imported only where its layers are used (start-up time)
    from torch_geometric.data import Batch


class Encoder(nn.Module):
    """Base class of all encoders.

    Subclasses set ``out_dim`` in ``__init__`` and implement :meth:`forward`. Their
    constructor takes only JSON-serializable keyword arguments (stored in the model's
    ``config.json``) and is called as ``cls(**hparams)``.

    Class attributes:
        needs_graph: The encoder reads ``x``, ``edge_index``, ``edge_attr``, ``batch``.
        needs_fingerprint: The encoder reads ``fp`` (ECFP4, ``[num_graphs, 2048]``).
        needs_tokens: The encoder reads ``tokens`` (SMILES token ids, ``int64 [num_graphs,
            MAX_TOKENS]``, see :mod:`molpred.featurizers.tokens`).
        defaults: Default hyper-parameters, merged with user overrides.
        head_defaults: Default :class:`~molpred.models.head.PredictionHead` settings for this
            encoder (``hidden_size`` and ``dropout`` default to the encoder's).
    """

    needs_graph: ClassVar[bool] = False
    needs_fingerprint: ClassVar[bool] = False
    needs_tokens: ClassVar[bool] = False
    defaults: ClassVar[dict[str, Any]] = {}
    head_defaults: ClassVar[dict[str, Any]] = {"num_layers": 1}
    out_dim: int

    @classmethod
    def featurizer_config(
        cls, extra_features: tuple[str, ...] = (), standardize: bool = True
    ) -> FeaturizerConfig:
        """The featurizer settings this encoder needs (plus optional head features)."""
        return FeaturizerConfig(
            graph=cls.needs_graph,
            ecfp=cls.needs_fingerprint,
            extra_features=tuple(extra_features),
            standardize=standardize,
            tokens=cls.needs_tokens,
        )

    @staticmethod
    def require_positive(**values: int) -> None:
        """Raise ``ValueError`` naming the first argument that is below 1 (depth, heads, ...)."""
        for name, value in values.items():
            if value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")

    def forward(self, batch: Batch) -> Tensor:  # pragma: no cover - abstract
        """Return the molecule embeddings, ``float32 [batch.num_graphs, out_dim]``."""
        raise NotImplementedError


ENCODERS: Registry[type[Encoder]] = Registry("encoder", lazy=ENCODER_MODULES)
"""Encoder classes by name (``dmpnn``, ``mlp``, ...)."""
