"""``MoleculeModel``: encoder + optional extra features + shared head, with its scalers.

The model owns everything needed to turn a batch into predictions in the dataset's units:
the extra-feature scaler (train mean/std of ``mol_features``) and the regression target
scaler live in registered buffers, so they are saved in the safetensors file with the weights.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor, nn

from molpred.exceptions import InputError
from molpred.featurizers.featurize import FeaturizerConfig
from molpred.models.encoders import ENCODERS
from molpred.models.head import PredictionHead
from molpred.models.task_types import output_names
from molpred.tasks import TaskHead, task_head

if TYPE_CHECKING:  # PyG is imported only where its layers are used (start-up time)
    from torch_geometric.data import Batch


@dataclass
class ModelConfig:
    """Everything needed to rebuild a model; saved as the model directory's ``config.json``.

    Attributes:
        encoder: Registered encoder name (``dmpnn``, ``mlp``, ...).
        encoder_params: Keyword arguments of the encoder class.
        head_params: ``hidden_size``, ``num_layers``, ``dropout`` of :class:`PredictionHead`.
        tasks: Task (target column) names, length T.
        task_type: ``"classification"`` (binary, per task), ``"regression"`` or
            ``"multiclass"`` (one target, C classes; see :mod:`molpred.models.task_types`).
        featurizer: :class:`FeaturizerConfig` as a dict.
        extra_features: Names of molecule-level features fed to the head (``rdkit2d``, ``ecfp``).
        units: Units of regression targets (e.g. ``"log(mol/L)"``), or ``None``.
        classes: The class names of a multiclass target (output order), else ``None``.

    Raises:
        InputError: for an unknown task type, no tasks, or a multiclass config with more than
            one task or fewer than 3 (more than :data:`MAX_CLASSES`) distinct classes.
    """

    encoder: str
    encoder_params: dict[str, Any]
    head_params: dict[str, Any]
    tasks: list[str]
    task_type: str
    featurizer: dict[str, Any]
    extra_features: list[str] = field(default_factory=list)
    units: str | None = None
    classes: list[str] | None = None

    def __post_init__(self) -> None:
        head = task_head(self.task_type)  # InputError for an unknown task type
        if not self.tasks:
            raise InputError("a model needs at least one task")
        if isinstance(self.tasks, str) or not all(isinstance(t, str) and t for t in self.tasks):
            raise InputError(f"tasks must be a list of column names, not {self.tasks!r}")
        head.check_targets(self.tasks, self.classes)

    @property
    def outputs(self) -> list[str]:
        """Output columns: the tasks, or ``TARGET_pCLASS`` per class (multiclass)."""
        return output_names(self.tasks, self.task_type, self.classes)

    def to_dict(self) -> dict[str, Any]:
        """The config as plain JSON-serializable values (what ``config.json`` stores)."""
        return asdict(self)

    @property
    def featurizer_config(self) -> FeaturizerConfig:
        """The featurizer settings the model was trained with, as a :class:`FeaturizerConfig`."""
        return FeaturizerConfig.from_dict(self.featurizer)

    @staticmethod
    def resolve_params(
        encoder: str,
        encoder_params: dict[str, Any] | None = None,
        head_params: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The encoder's and the head's full settings: defaults overridden by the given ones.

        The head takes the encoder's ``hidden_size`` and ``dropout`` unless ``head_params``
        gives its own (as Chemprop's feed-forward network follows its message width).

        Raises:
            UnknownNameError: for an unknown encoder.
        """
        encoder_cls = ENCODERS.get(encoder)
        params = {**encoder_cls.defaults, **(encoder_params or {})}
        head = {"hidden_size": params.get("hidden_size", 300), "dropout": params.get("dropout", 0.0),
                **encoder_cls.head_defaults, **(head_params or {})}
        return params, head

    @classmethod
    def build(
        cls,
        encoder: str,
        tasks: list[str],
        task_type: str,
        encoder_params: dict[str, Any] | None = None,
        head_params: dict[str, Any] | None = None,
        extra_features: tuple[str, ...] = (),
        standardize: bool = True,
        units: str | None = None,
        classes: list[str] | None = None,
    ) -> ModelConfig:
        """Config with the encoder's defaults, overridden by ``encoder_params``.

        Args:
            encoder: Registered encoder name (case-insensitive).
            tasks: Task names, length T.
            task_type: ``classification``, ``regression`` or ``multiclass``.
            encoder_params, head_params: Overrides of the encoder's and the head's defaults
                (the head takes the encoder's ``hidden_size`` and ``dropout`` unless given).
            extra_features: Molecule-level features for the head (``rdkit2d``, ``ecfp``).
            standardize: Whether molecules are standardized with RDKit before featurizing.
            units: Unit of the regression targets, or ``None``.
            classes: Class names of a multiclass target.

        Raises:
            UnknownNameError: for an unknown encoder.
            InputError: for a bad task type, no tasks, or an unknown extra feature.
        """
        params, head = cls.resolve_params(encoder, encoder_params, head_params)
        feat = ENCODERS.get(encoder).featurizer_config(tuple(extra_features), standardize)
        return cls(encoder.lower(), params, head, list(tasks), task_type, feat.to_dict(),
                   list(extra_features), units, list(classes) if classes is not None else None)


class MoleculeModel(nn.Module):
    """``head(cat(encoder(batch), scaled mol_features))`` for T tasks (C outputs for a
    multiclass target).

    Args:
        config: The model's :class:`ModelConfig`.

    Buffers (saved with the weights):
        feature_mean, feature_std: ``float32 [F]`` train statistics of ``mol_features``.
        target_mean, target_std: ``float32 [T]`` train statistics of regression targets
            (0 and 1 for classification).
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = ENCODERS.get(config.encoder)(**config.encoder_params)
        extra_dim = config.featurizer_config.extra_dim
        self.head = PredictionHead(self.encoder.out_dim + extra_dim, len(config.outputs),
                                   **config.head_params)
        self.register_buffer("feature_mean", torch.zeros(extra_dim))
        self.register_buffer("feature_std", torch.ones(extra_dim))
        self.register_buffer("target_mean", torch.zeros(len(config.tasks)))
        self.register_buffer("target_std", torch.ones(len(config.tasks)))

    @property
    def task(self) -> TaskHead:
        """The task type's head (:mod:`molpred.tasks`): loss, output transform, metric."""
        return task_head(self.config.task_type)

    def forward(self, batch: Batch) -> Tensor:
        """Raw outputs ``float32 [num_graphs, T]`` (``[num_graphs, C]`` multiclass): logits, or
        standardized regression values."""
        return self.forward_with_embedding(batch)[0]

    def forward_with_embedding(self, batch: Batch) -> tuple[Tensor, Tensor]:
        """``(raw outputs [num_graphs, T], encoder embedding [num_graphs, H])``, float32; the
        embedding is what the applicability domain measures distances in."""
        embedding = self.encoder(batch)
        joined = embedding
        if self.feature_mean.numel():
            extra = (batch.mol_features - self.feature_mean) / self.feature_std
            joined = torch.cat([embedding, extra.clamp(-10.0, 10.0)], dim=1)
        return self.head(joined), embedding

    def transform_output(self, raw: Tensor) -> Tensor:
        """Raw outputs ``float32 [num_graphs, T]`` -> probabilities of class 1 (sigmoid), class
        probabilities (softmax over the C outputs, multiclass), or values in the dataset's
        units (de-standardized), same shape and dtype."""
        return self.task.transform(raw, self.target_mean, self.target_std)

    def set_scalers(self, mol_features: Tensor | None, targets: Tensor | None) -> None:
        """Fit the buffers on training data.

        Args:
            mol_features: ``float32 [N, F]`` training ``mol_features`` or ``None``.
            targets: ``float32 [N, T]`` training targets with NaN for missing labels (used for
                regression only).
        """
        if mol_features is not None and self.feature_mean.numel():
            self.feature_mean.copy_(mol_features.mean(0))
            self.feature_std.copy_(mol_features.std(0).clamp_min(1e-6))
        if targets is not None and self.task.scales_targets:
            known = ~torch.isnan(targets)
            filled = torch.where(known, targets, torch.zeros_like(targets))
            count = known.sum(0).clamp_min(1)
            mean = filled.sum(0) / count
            var = (torch.where(known, targets - mean, torch.zeros_like(targets)) ** 2).sum(0) / count
            self.target_mean.copy_(mean)
            self.target_std.copy_(var.sqrt().clamp_min(1e-6))
