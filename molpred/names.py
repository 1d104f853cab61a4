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
    "rnn": "molpred.models.encoders.rnn",
    "transformer": "molpred.models.encoders.transformer",
    "gcn": "molpred.models.encoders.gcn",
    "gin": "molpred.models.encoders.gin",
    "gat": "molpred.models.encoders.gat",
    "attentivefp": "molpred.models.encoders.attentivefp",
}
"""Encoder name -> module that registers it (imported on first use)."""

DEFAULT_MODEL = "dmpnn"
"""The encoder ``molpred train`` uses when ``--model`` is not given."""

EXTRA_FEATURES = ("rdkit2d", "rdkit2d_fast", "ecfp")
"""Molecule-level features the prediction head can take (``--extra-features``): all RDKit 2D
descriptors (217, ~11 ms a molecule), the 32 fast ones (~0.8 ms), ECFP4 bits."""

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

TREE_MODELS: dict[str, str] = {
    "gbdt": "gradient-boosted trees (LightGBM) on ECFP4 counts + RDKit 2D descriptors",
    "rf": "random forest (LightGBM's rf mode) on ECFP4 counts + RDKit 2D descriptors",
}
"""Tree model families (``--model gbdt|rf``; :mod:`molpred.models.trees`)."""

AUTO_MODEL = "auto"
"""``--model auto``: candidate families chosen or blended per task by K-fold cross-validation
on train+val (:mod:`molpred.training.auto`); the default for a file without a dataset card."""

VECTOR_FEATURES = ("ecfp_counts", "rdkit2d")
"""Fixed-length molecule vectors the tree models read (the ``vector`` array): ECFP4 counts
(2048) and RDKit 2D descriptors (raw values), concatenated in this order."""

MODEL_FAMILIES = (*ENCODER_MODULES, *TREE_MODELS, AUTO_MODEL)
"""Everything ``molpred train --model`` accepts."""
