"""Label-free pretraining of a molecular backbone and its use for fine-tuning.

* :mod:`.corpus` — the pretraining molecules, with every benchmark test molecule removed;
* :mod:`.targets` — RDKit 2D descriptors as regression targets, robustly scaled;
* :mod:`.packed` — a featurized corpus as a few flat arrays (cached on disk, no pickle);
* :mod:`.fit` — ``molpred pretrain``: a D-MPNN trained to predict the descriptors from the
  graph, resumable from checkpoints;
* :mod:`.backbone` — the exported encoder (safetensors + card) that ``molpred train
  --from-pretrained`` starts from.

The recipe follows CheMeleon (Burns et al. 2025, "Descriptor-based foundation models for
molecular property prediction", arXiv:2506.15792): a D-MPNN pretrained to regress molecular
descriptors computed from the structure, so no label is needed.
"""
