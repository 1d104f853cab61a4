"""Names of molpred's pluggable parts, importable without torch (the CLI builds its choices
and help from these in milliseconds).

Adding an encoder means writing one module under ``molpred/models/encoders/`` whose class is
decorated ``@ENCODERS.register("name")``, and adding its entry to :data:`ENCODER_MODULES`.
"""

from __future__ import annotations

ENCODER_MODULES: dict[str, str] = {
    "dmpnn": "molpred.models.encoders.dmpnn",
    "mlp": "molpred.models.encoders.mlp",
    "cnn": "molpred.models.encoders.cnn",
    "transformer": "molpred.models.encoders.transformer",
    "gcn": "molpred.models.encoders.gcn",
    "gin": "molpred.models.encoders.gin",
    "gat": "molpred.models.encoders.gat",
    "attentivefp": "molpred.models.encoders.attentivefp",
}
"""Encoder name -> module that registers it (imported on first use)."""

DEFAULT_MODEL = "dmpnn"
"""The encoder ``molpred train`` uses when ``--model`` is not given."""

EXTRA_FEATURES = ("rdkit2d", "ecfp")
"""Molecule-level features the prediction head can take (``--extra-features``)."""

TRAIN_PRECISIONS = ("32-true", "bf16-mixed", "16-mixed")
"""Lightning precisions for training (``--precision``); the first is the default."""

INFERENCE_PRECISIONS = ("fp32", "bf16")
"""``fp32``: exact; ``bf16``: matrix products in bfloat16 under ``torch.autocast`` (about 1.7x
faster on CPUs with AVX-512 BF16/AMX and on recent GPUs; probabilities move by up to ~0.005).
The first is the default."""

CLASS_WEIGHTS = ("none", "balanced")
"""Per-task positive weighting of the classification loss (``--class-weight``)."""

PARALLEL_THRESHOLD = 2000
"""Below this many rows a process pool costs more than it saves: fewer molecules are
featurized (and screened) in the calling process, whatever ``--workers`` says."""

STRATEGIES = ("auto", "ddp")
"""Lightning strategies molpred supports (``--strategy``): one process, or data-parallel."""
