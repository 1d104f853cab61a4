"""The pretraining corpus: the first N molecules of a label-free SMILES file that RDKit reads
and that are no benchmark test molecule.

A molecule is compared by the first block of its InChIKey (the connectivity, without
stereochemistry, isotopes or charge state), both as given and standardized (largest
fragment, neutralized; :class:`~molpred.chem.Standardizer`), against every test part of every
split file (all datasets, all seeds): a stereoisomer or a salt of a test molecule is left out
too. The selection is deterministic (file order), so its SHA-256 digest, recorded in the
backbone's card, lets a test redo the selection and check it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rdkit import Chem

from molpred.chem import Standardizer
from molpred.chem.logs import quiet_rdkit
from molpred.exceptions import InputError


def connectivity_keys(smiles: str, standardizer: Standardizer | None = None) -> set[str]:
    """InChIKey connectivity blocks (14 characters) of ``smiles`` as given and standardized.

    Returns:
        A set of 0 to 2 keys; empty when RDKit cannot read the SMILES or make an InChI.
    """
    blocker = quiet_rdkit()  # noqa: F841 - unreadable rows are skipped, not logged
    mol = Chem.MolFromSmiles(smiles) if isinstance(smiles, str) and smiles else None
    if mol is None:
        return set()
    keys = set()
    candidates = [mol]
    if standardizer is not None:
        try:
            candidates.append(standardizer(mol))
        except Exception:  # a molecule the standardizer rejects keeps its key as given
            pass
    for candidate in candidates:
        try:
            key = Chem.MolToInchiKey(candidate) if candidate is not None else ""
        except Exception:
            key = ""
        if key:
            keys.add(key.split("-")[0])
    return keys


def benchmark_test_keys(datasets_dir: str | Path, splits_dir: str | Path) -> set[str]:
    """Connectivity keys of every molecule in every test part of every split file.

    Args:
        datasets_dir: Folder with ``NAME.csv`` (first column SMILES), e.g. ``shared/datasets``.
        splits_dir: Folder with ``NAME.json`` split files (``{"dataset": FILE, "splits":
            {"seed0": {"test": [rows]}}}``, rows 0-based into the data rows of ``FILE``).

    Raises:
        InputError: if a split file has no dataset file beside it, or the folder has no
            split file.
    """
    import pandas as pd

    keys: set[str] = set()
    standardizer = Standardizer()
    files = sorted(Path(splits_dir).glob("*.json"))
    if not files:
        raise InputError(f"{splits_dir}: no split files (NAME.json)")
    for split_file in files:
        content = json.loads(split_file.read_text(encoding="utf-8"))
        table = Path(datasets_dir) / content.get("dataset", f"{split_file.stem}.csv")
        if not table.is_file():
            raise InputError(f"{split_file}: its dataset {table} is missing")
        smiles = pd.read_csv(table, usecols=[0], dtype=str).iloc[:, 0].tolist()
        splits = content["splits"]
        rows = sorted({int(r) for split in splits.values() for r in split["test"]})
        for row in rows:
            keys |= connectivity_keys(smiles[row], standardizer)
    return keys


@dataclass
class CorpusSelection:
    """The chosen molecules and why others were passed over.

    Attributes:
        smiles: The chosen SMILES, in file order (length N).
        rows_read: Data rows read from the file to find them.
        held_out: Rows left out because they are a benchmark test molecule.
        unreadable: Rows RDKit could not read (or make an InChI of).
    """

    smiles: list[str]
    rows_read: int
    held_out: int
    unreadable: int

    @property
    def digest(self) -> str:
        """SHA-256 of the chosen SMILES joined by newlines (what the card records)."""
        return corpus_digest(self.smiles)


def corpus_digest(smiles: Iterable[str]) -> str:
    """SHA-256 (hex) of the SMILES joined by ``\\n``."""
    return hashlib.sha256("\n".join(smiles).encode()).hexdigest()


def iter_smiles(path: str | Path) -> Iterator[str]:
    """SMILES from the first column of a CSV (``.csv`` or ``.csv.gz``, with a header line).

    Raises:
        InputError: if the file does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such corpus file")
    raw = gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")
    with io.TextIOWrapper(raw, encoding="utf-8") as lines:
        next(lines, None)  # header
        for line in lines:
            yield line.split(",", 1)[0].strip()


CHUNK_ROWS = 5_000


def _keys_of_chunk(smiles: list[str]) -> list[set[str]]:
    """:func:`connectivity_keys` (as given and standardized) of each SMILES of a chunk."""
    standardizer = Standardizer()
    return [connectivity_keys(s, standardizer) for s in smiles]


def _chunks(path: str | Path) -> Iterator[list[str]]:
    chunk: list[str] = []
    for smiles in iter_smiles(path):
        chunk.append(smiles)
        if len(chunk) == CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def select_corpus(
    path: str | Path, size: int, held_out: set[str],
    progress: Callable[[int], None] | None = None, workers: int | None = None,
) -> CorpusSelection:
    """The first ``size`` readable molecules of ``path`` none of whose keys (as given and
    standardized, :func:`connectivity_keys`) is in ``held_out``.

    Args:
        path: Corpus CSV (first column SMILES), e.g. ``shared/corpora/moses_train.csv.gz``.
        size: How many molecules to choose.
        held_out: Connectivity keys to leave out (:func:`benchmark_test_keys`).
        progress: Called with the number of molecules chosen so far, every 10,000.
        workers: Processes computing the keys, chunk by chunk in file order (default: all
            usable cores); the selection does not depend on it.

    Raises:
        InputError: if ``size`` < 1, or the file holds fewer usable molecules.
    """
    from concurrent.futures import ProcessPoolExecutor

    from molpred.featurizers.featurize import usable_cores

    if size < 1:
        raise InputError(f"the corpus needs at least one molecule, not {size}")
    chosen: list[str] = []
    rows = skipped = unreadable = 0
    workers = workers or usable_cores()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: list = []
        chunks = _chunks(path)
        done = False
        while not done:
            while len(pending) < 2 * workers:  # a few chunks ahead, never the whole file
                chunk = next(chunks, None)
                if chunk is None:
                    break
                pending.append((chunk, pool.submit(_keys_of_chunk, chunk)))
            if not pending:
                break
            chunk, future = pending.pop(0)
            for smiles, keys in zip(chunk, future.result(), strict=True):
                rows += 1
                if not keys:
                    unreadable += 1
                elif keys & held_out:
                    skipped += 1
                else:
                    chosen.append(smiles)
                    if progress is not None and len(chosen) % 10_000 == 0:
                        progress(len(chosen))
                    if len(chosen) == size:
                        done = True
                        break
        for _, future in pending:
            future.cancel()
    if len(chosen) < size:
        raise InputError(f"{path}: only {len(chosen):,} usable molecules, {size:,} asked for")
    return CorpusSelection(chosen, rows, skipped, unreadable)
