"""Applicability domain: how far a query molecule lies from the molecules a model learned from.

Two signals, both measured against the training set:

- ``max_similarity``: the highest Tanimoto similarity of the query's ECFP4 fingerprint
  (Morgan radius 2, 2048 bits; Rogers & Hahn 2010) to any training molecule, the classic
  structural domain (Sheridan et al. 2004, J. Chem. Inf. Comput. Sci. 44, 1912);
- ``embedding_distance``: the Mahalanobis distance of the query's learned embedding from
  the training embeddings, in their first principal components (Lee et al. 2018, "A simple
  unified framework for detecting out-of-distribution samples"), averaged over ensemble
  members.

A query is ``in_domain`` when its similarity is at least, and its distance at most, the
thresholds chosen on the validation molecules (:func:`domain_thresholds`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator

ECFP_RADIUS = 2
ECFP_BITS = 2048
SIMILARITY_BLOCK = 1_000_000
"""Most (query, training molecule) similarities held at once by
:meth:`FingerprintIndex.max_similarity` (8 MB of float64)."""
EMBEDDING_COMPONENTS = 16
"""Principal components of the training embeddings the distance is measured in."""
VAL_IN_DOMAIN = 0.9
"""Share of validation molecules each signal's threshold keeps in the domain."""


def parse_for_model(smiles: Sequence[str | None], standardize: bool) -> list[Chem.Mol | None]:
    """The molecules a model sees: parsed as molpred parses (explicit hydrogens removed) and,
    for models that standardize, standardized (largest fragment, uncharged), so that a salt
    form is compared with the training set as the parent compound the model predicts.

    Returns:
        One molecule per SMILES, ``None`` where parsing or standardization fails.
    """
    from molpred.chem.parse import parse_smiles
    from molpred.chem.standardize import Standardizer

    standardizer = Standardizer() if standardize else None
    return [parse_smiles(text, standardizer)[0] for text in smiles]


def ecfp4_bits(smiles: Sequence[str | None], standardize: bool = False
               ) -> list[np.ndarray | None]:
    """On-bit indices of each molecule's ECFP4 fingerprint (radius 2, 2048 bits), computed on
    the molecule the model sees (:func:`parse_for_model`).

    Returns:
        Per SMILES, a sorted ``uint16 [n_on]`` array, or ``None`` when it cannot be parsed.
    """
    return ecfp4_bits_of(parse_for_model(smiles, standardize))


def ecfp4_bits_of(mols: Sequence[Chem.Mol | None]) -> list[np.ndarray | None]:
    """:func:`ecfp4_bits` for molecules already parsed (and standardized as the model
    standardizes): a sorted ``uint16 [n_on]`` array per molecule, ``None`` for ``None``."""
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=ECFP_RADIUS, fpSize=ECFP_BITS)
    return [None if mol is None else
            np.asarray(list(generator.GetFingerprint(mol).GetOnBits()), dtype=np.uint16)
            for mol in mols]


def _bitvect(bits: np.ndarray) -> DataStructs.ExplicitBitVect:
    vect = DataStructs.ExplicitBitVect(ECFP_BITS)
    vect.SetBitsFromList([int(b) for b in bits])
    return vect


class FingerprintIndex:
    """The training set's ECFP4 fingerprints, for nearest-neighbour Tanimoto similarity.

    Args:
        bits: On-bit indices per training molecule (:func:`ecfp4_bits`, ``None`` skipped).

    Stored compactly as ``indices uint16 [total_on_bits]`` and ``offsets int64 [n + 1]``
    (:meth:`arrays`, :meth:`from_arrays`): about 90 bytes per molecule.
    """

    def __init__(self, bits: Sequence[np.ndarray | None]) -> None:
        kept = [b for b in bits if b is not None]
        self.indices = (np.concatenate(kept).astype(np.uint16) if kept
                        else np.zeros(0, dtype=np.uint16))
        self.offsets = np.cumsum([0] + [len(b) for b in kept]).astype(np.int64)
        self._vects = None  # RDKit bit vectors, only for max_similarity_rdkit
        self._by_bit = None  # built on first use by max_similarity
        self._counts = None

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def arrays(self) -> dict[str, np.ndarray]:
        """``{"fp_indices": uint16 [total], "fp_offsets": int64 [n + 1]}`` for saving."""
        return {"fp_indices": self.indices, "fp_offsets": self.offsets}

    @classmethod
    def from_arrays(cls, indices: np.ndarray, offsets: np.ndarray) -> FingerprintIndex:
        """Rebuild from :meth:`arrays` (the arrays are taken as they are)."""
        index = cls([])
        index.indices = np.asarray(indices, dtype=np.uint16)
        index.offsets = np.asarray(offsets, dtype=np.int64)
        return index

    def max_similarity(self, bits: Sequence[np.ndarray | None]) -> np.ndarray:
        """Highest Tanimoto similarity of each query to the indexed molecules.

        Computed for blocks of queries at once as a sparse product (SciPy CSR): the common
        on-bits ``c`` of every (query, training molecule) pair, then ``c / (a + b - c)``
        (Tanimoto on bit vectors, as RDKit's ``BulkTanimotoSimilarity``, which
        :meth:`max_similarity_rdkit` uses and the tests compare with), without a Python
        list of N similarities per query.

        Returns:
            ``float64 [len(bits)]`` in [0, 1]; NaN for ``None`` queries or an empty index.
        """
        out = np.full(len(bits), np.nan)
        rows = [i for i, b in enumerate(bits) if b is not None]
        if not len(self) or not rows:
            return out
        from scipy import sparse

        if self._by_bit is None:  # [2048, N] on-bits, and the on-bit count of each molecule
            ones = np.ones(len(self.indices), dtype=np.float32)
            train = sparse.csr_matrix((ones, self.indices.astype(np.int32), self.offsets),
                                      shape=(len(self), ECFP_BITS))
            self._by_bit = train.T.tocsr()
            self._counts = np.diff(self.offsets).astype(np.float64)
        block = max(16, min(512, SIMILARITY_BLOCK // len(self)))  # bounded memory
        for start in range(0, len(rows), block):
            part = rows[start:start + block]
            queries = [bits[i] for i in part]
            offsets = np.cumsum([0] + [len(q) for q in queries])
            matrix = sparse.csr_matrix(
                (np.ones(offsets[-1], dtype=np.float32),
                 np.concatenate(queries).astype(np.int32), offsets),
                shape=(len(queries), ECFP_BITS))
            common = (matrix @ self._by_bit).toarray().astype(np.float64)  # whole numbers
            sizes = np.diff(offsets).astype(np.float64)
            union = sizes[:, None] + self._counts[None, :] - common
            with np.errstate(invalid="ignore", divide="ignore"):
                similarity = np.where(union > 0, common / union, 0.0)
            out[part] = similarity.max(axis=1)
        return out

    def max_similarity_rdkit(self, bits: Sequence[np.ndarray | None]) -> np.ndarray:
        """:meth:`max_similarity` by RDKit's ``BulkTanimotoSimilarity``, one query at a
        time (the reference; about 4x slower)."""
        out = np.full(len(bits), np.nan)
        if not len(self):
            return out
        if self._vects is None:
            self._vects = [_bitvect(self.indices[self.offsets[i]:self.offsets[i + 1]])
                           for i in range(len(self))]
        for i, query in enumerate(bits):
            if query is not None:
                out[i] = max(DataStructs.BulkTanimotoSimilarity(_bitvect(query), self._vects))
        return out


class EmbeddingDistance:
    """Mahalanobis distance in the first principal components of training embeddings.

    Args:
        mean: ``float32 [H]`` mean training embedding.
        components: ``float32 [K, H]`` principal axes, each divided by the square root of its
            variance, so that ``|(e - mean) @ components.T|`` is the Mahalanobis distance
            within those K axes.
    """

    def __init__(self, mean: np.ndarray, components: np.ndarray) -> None:
        self.mean = np.asarray(mean, dtype=np.float32)
        self.components = np.asarray(components, dtype=np.float32)

    @classmethod
    def fit(cls, embeddings: np.ndarray, n_components: int = EMBEDDING_COMPONENTS
            ) -> EmbeddingDistance:
        """Fit on training embeddings ``float [N, H]`` (rows with NaN are skipped)."""
        rows = embeddings[np.isfinite(embeddings).all(axis=1)].astype(np.float64)
        mean = rows.mean(axis=0)
        _, singular, axes = np.linalg.svd(rows - mean, full_matrices=False)
        k = min(n_components, len(singular))
        std = singular[:k] / np.sqrt(max(len(rows) - 1, 1))
        return cls(mean, axes[:k] / np.maximum(std, 1e-8)[:, None])

    def distance(self, embeddings: np.ndarray) -> np.ndarray:
        """``float64 [N]`` distances of embeddings ``float [N, H]`` (NaN rows give NaN)."""
        return np.linalg.norm((embeddings - self.mean) @ self.components.T, axis=1).astype(np.float64)


def out_of_fold_distance(embedding: Sequence[EmbeddingDistance], embeddings: np.ndarray,
                         fold: np.ndarray) -> np.ndarray:
    """Embedding distances of a cross-fitted model's train+val molecules, each as a new
    molecule's would be: molecule i of fold k is measured by member k (the one fold model
    that did not train on fold k), in member k's own :class:`EmbeddingDistance` (the one a
    new molecule is measured in).

    The in-sample alternative, every member's distance of molecules most of them trained on,
    is smaller than a new molecule's, so thresholds and error models fitted on it flag more
    new molecules than they should.

    Args:
        embedding: The K members' :class:`EmbeddingDistance` (fitted on all train+val
            embeddings, as saved with the model).
        embeddings: ``float [K, n, H]``: member k's embedding of each molecule.
        fold: ``int [n]``: each molecule's fold, 0..K-1.

    Returns:
        ``float64 [n]`` distances (NaN for NaN embeddings).
    """
    out = np.full(embeddings.shape[1], np.nan)
    for k, space in enumerate(embedding):
        held = fold == k
        if held.any():
            out[held] = space.distance(embeddings[k][held])
    return out


def domain_thresholds(val_similarity: np.ndarray, val_distance: np.ndarray,
                      keep: float = VAL_IN_DOMAIN) -> tuple[float, float]:
    """``(min_similarity, max_distance)`` keeping ``keep`` of the validation molecules in the
    domain by each signal: the ``1 - keep`` quantile of their similarity and the ``keep``
    quantile of their distance (NaN ignored)."""
    return (float(np.nanquantile(val_similarity, 1 - keep)),
            float(np.nanquantile(val_distance, keep)))


def in_domain(similarity: np.ndarray, distance: np.ndarray, min_similarity: float,
              max_distance: float) -> np.ndarray:
    """``bool [N]``: similarity >= ``min_similarity`` and distance <= ``max_distance``
    (False where either is NaN)."""
    with np.errstate(invalid="ignore"):
        return (similarity >= min_similarity) & (distance <= max_distance)
