"""The settings of :func:`molpred.train`, grouped by what they are about.

=================  =================================================================
group              fields
=================  =================================================================
``data``           :class:`DataSettings`: which columns, which task type
``split``          :class:`SplitSettings`: a split file and key, or a generated split
``model``          :class:`ModelSettings`: family, architecture, features, ensemble
``optim``          :class:`OptimSettings`: epochs, learning rate, seed, precision
``auto``           :class:`AutoSettings`: ``--model auto``'s budget and folds
``run``            :class:`RunSettings`: where to save, which device, progress callbacks
=================  =================================================================

``molpred.train("tox21", model="dmpnn", out="runs/tox21")`` still reads: each keyword names
one field of one group (:meth:`TrainSettings.with_keywords`), and a mistyped keyword is an
error naming the closest field.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DataSettings:
    """What to read from the data.

    Attributes:
        smiles_col: SMILES column of a file (default: a column named ``smiles``,
            ``canonical_smiles`` or ``isomeric_smiles``, any case, else its first column).
        targets: Target columns of a file (default: every numeric column but identifiers; a
            registry dataset uses all of its tasks).
        task_type: ``classification``, ``regression`` or ``multiclass``; default from the
            dataset card or inferred from the labels.
    """

    smiles_col: str | None = None
    targets: Sequence[str] | None = None
    task_type: str | None = None


@dataclass(frozen=True)
class SplitSettings:
    """How rows are split into train, validation and test.

    Attributes:
        splits: A split file (molpred benchmark or Chemprop format) and ``split_key``, the
            split to use in it (``seed0``).
        split: Without ``splits``: ``scaffold`` (Bemis-Murcko) or ``random``, cut in
            ``split_sizes`` (fractions of train, val, test) with the run's seed.
    """

    splits: str | Path | None = None
    split_key: str = "seed0"
    split: str = "scaffold"
    split_sizes: tuple[float, float, float] = (0.8, 0.1, 0.1)


@dataclass(frozen=True)
class ModelSettings:
    """What is trained.

    Attributes:
        model: ``auto``, ``gbdt``, ``rf`` or an encoder (``dmpnn``, ``gcn``, ...); ``None``:
            :func:`~molpred.training.api.default_model`.
        hidden_size, depth, dropout: Encoder overrides (``None``: recommended, else the
            encoder's default).
        extra_features: Head features: ``rdkit2d``, ``rdkit2d_fast``, ``ecfp`` (``None``:
            recommended, else none).
        standardize: Standardize molecules first (``None``: as recommended, else yes; under
            ``auto``, chosen by cross-validation).
        ensemble_size: Members of a deep ensemble (``None``: recommended, else 1; trees 3).
        recommended: Fill what is left ``None`` from the dataset card's recommendation.
        tree_params: LightGBM overrides for ``gbdt``/``rf``.
        pretrained: Fine-tune a pretrained backbone (``molpred-base`` or a folder);
            ``"none"`` keeps ``auto``'s pretrained candidate out.
    """

    model: str | None = None
    hidden_size: int | None = None
    depth: int | None = None
    dropout: float | None = None
    extra_features: Sequence[str] | None = None
    standardize: bool | None = None
    ensemble_size: int | None = None
    recommended: bool = True
    tree_params: dict[str, Any] | None = None
    pretrained: str | None = None


@dataclass(frozen=True)
class OptimSettings:
    """How a network is optimized (see :class:`~molpred.training.fit.FitSettings`).

    Attributes:
        epochs: Maximum epochs (``None``: recommended, else 50).
        patience: Early-stopping patience in epochs; ``min_epochs``: never stop before.
        batch_size, lr: Molecules per step; peak learning rate.
        seed: Weights, shuffling and a generated split; ensemble member k uses ``seed + k``.
        class_weight: ``none`` or ``balanced`` (binary classification only).
        precision: ``32-true``, ``bf16-mixed`` or ``16-mixed``.
        encoder_lr_ratio: The encoder's learning rate as a multiple of ``lr``.
        freeze_encoder: Train the head only.
    """

    epochs: int | None = None
    patience: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    seed: int = 0
    class_weight: str = "none"
    precision: str = "32-true"
    min_epochs: int = 0
    encoder_lr_ratio: float = 1.0
    freeze_encoder: bool = False


@dataclass(frozen=True)
class AutoSettings:
    """``--model auto`` (:mod:`molpred.training.auto`).

    Attributes:
        time_budget: Seconds the whole search may take (``None``: 3,600).
        folds: K of the K-fold scaffold cross-validation on train+val.
    """

    time_budget: float | None = None
    folds: int = 3


@dataclass(frozen=True)
class RunSettings:
    """Where and how the run happens; none of it changes the trained model.

    Attributes:
        out: Save the model directory here (``None``: do not save).
        device: ``auto`` (CUDA if present), ``cpu`` or ``cuda``.
        devices, num_nodes, strategy: Lightning data-parallel training.
        workers: Featurization processes (default: all cores).
        progress: Lightning's progress bar.
        featurize_progress: Called with the molecules featurized so far.
        progress_message: Called with one printable line per step or epoch.
    """

    out: str | Path | None = None
    device: str = "auto"
    devices: int = 1
    num_nodes: int = 1
    strategy: str = "auto"
    workers: int | None = None
    progress: bool = False
    featurize_progress: Callable[[int], None] | None = None
    progress_message: Callable[[str], None] | None = None


GROUPS = {"data": DataSettings, "split": SplitSettings, "model": ModelSettings,
          "optim": OptimSettings, "auto": AutoSettings, "run": RunSettings}
"""Group name -> its settings class, in :class:`TrainSettings` order."""


def _owners() -> dict[str, str]:
    """Field name -> the group that holds it (each name is in exactly one group)."""
    owners: dict[str, str] = {}
    for group, cls in GROUPS.items():
        for f in fields(cls):
            if f.name in owners:  # pragma: no cover - a layout error, caught by the tests
                raise AssertionError(f"{f.name} is in {owners[f.name]} and {group}")
            owners[f.name] = group
    return owners


@dataclass(frozen=True)
class TrainSettings:
    """Every setting of :func:`molpred.train`, by group (defaults: molpred's)."""

    data: DataSettings = field(default_factory=DataSettings)
    split: SplitSettings = field(default_factory=SplitSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    optim: OptimSettings = field(default_factory=OptimSettings)
    auto: AutoSettings = field(default_factory=AutoSettings)
    run: RunSettings = field(default_factory=RunSettings)

    def with_keywords(self, **keywords: Any) -> TrainSettings:
        """These settings with single fields replaced by name, e.g. ``model="gbdt",
        out="runs/x", lr=3e-4`` (each name belongs to one group).

        Raises:
            TypeError: for a name that is no field, naming the closest ones.
        """
        owners = _owners()
        unknown = [k for k in keywords if k not in owners]
        if unknown:
            close = difflib.get_close_matches(unknown[0], owners, n=3)
            raise TypeError(f"train() got an unexpected setting {unknown[0]!r}"
                            + (f"; did you mean {' or '.join(close)}?" if close else ""))
        out = self
        for group in GROUPS:
            changes = {k: v for k, v in keywords.items() if owners[k] == group}
            if changes:
                out = replace(out, **{group: replace(getattr(out, group), **changes)})
        return out
