"""RDKit 2D descriptors as pretraining targets, scaled robustly.

Raw descriptors span many orders of magnitude (``Ipc`` reaches 1e6, counts are small whole
numbers), so each is clipped to its 0.5th-99.5th percentile on the training corpus, then
standardized to zero mean and unit variance; descriptors that are (near) constant on the
corpus are dropped. The mean squared error over the kept descriptors is the pretraining
loss, so each descriptor weighs the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from molpred.featurizers.vector import DESCRIPTOR_NAMES

CLIP_PERCENTILES = (0.5, 99.5)
MIN_STD = 1e-3


@dataclass
class DescriptorScaler:
    """Per-descriptor clipping bounds and standardization, fitted on training molecules.

    Attributes:
        names: The kept descriptors' names (length D).
        columns: Their positions in :data:`~molpred.featurizers.vector.DESCRIPTOR_NAMES`,
            ``int64 [D]``.
        lower, upper, mean, std: ``float32 [D]``: clipping bounds, then mean and standard
            deviation of the clipped values.
    """

    names: list[str]
    columns: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, descriptors: np.ndarray) -> DescriptorScaler:
        """Fit on raw descriptors ``float32 [N, len(DESCRIPTOR_NAMES)]`` of training molecules.

        Raises:
            ValueError: if the array has the wrong width or no row.
        """
        if descriptors.ndim != 2 or descriptors.shape[1] != len(DESCRIPTOR_NAMES) or not len(descriptors):
            raise ValueError(f"expected [N, {len(DESCRIPTOR_NAMES)}] descriptors, got "
                             f"{descriptors.shape}")
        values = descriptors.astype(np.float64)
        lower, upper = np.percentile(values, CLIP_PERCENTILES, axis=0)
        clipped = np.clip(values, lower, upper)
        mean, std = clipped.mean(0), clipped.std(0)
        keep = np.flatnonzero(std > MIN_STD)
        return cls([DESCRIPTOR_NAMES[i] for i in keep], keep.astype(np.int64),
                   *(a[keep].astype(np.float32) for a in (lower, upper, mean, std)))

    def transform(self, descriptors: np.ndarray) -> np.ndarray:
        """Raw descriptors ``[N, len(DESCRIPTOR_NAMES)]`` -> scaled targets ``float32 [N, D]``."""
        picked = descriptors[:, self.columns].astype(np.float32)
        return ((np.clip(picked, self.lower, self.upper) - self.mean) / self.std).astype(np.float32)

    def to_dict(self) -> dict:
        """JSON-serializable form (what the backbone card stores)."""
        return {"names": self.names, "lower": self.lower.tolist(), "upper": self.upper.tolist(),
                "mean": self.mean.tolist(), "std": self.std.tolist()}
