"""Checkpoints of a screen, so a run killed at any point (even ``kill -9``) can resume.

Each finished chunk is written atomically (temporary file, ``fsync``, ``os.replace``) as
``OUTPUT.partial/chunk-000012.parquet``, then ``manifest.json`` (also replaced atomically)
records it with its row counts. The manifest also holds a fingerprint of the run: the input
(path, size, modification time), the model (path and SHA-256 of every file of its
directory), the output, chunk size, SMILES column and the options that change what a chunk
holds. A chunk is done once the manifest lists it, so a kill between the two writes only
costs that chunk. At the end the chunks are streamed into a temporary output in the work
folder, which is moved over ``OUTPUT`` (it never exists half-written); the folder is then
renamed to ``OUTPUT.partial.trash-<uuid>`` and removed (a leftover trash folder, from a kill
during the removal, is deleted by the next run on that output).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from molpred.exceptions import InputError

WORK_SUFFIX = ".partial"
TRASH_INFIX = ".trash-"
"""``OUTPUT.partial.trash-<uuid>``: a finished run's work folder being removed."""
MANIFEST = "manifest.json"
_KIND = "molpred screen work folder"


def work_folder(output: str | Path) -> Path:
    """``OUTPUT.partial``: the work folder next to the output file."""
    output = Path(output)
    return output.with_name(output.name + WORK_SUFFIX)


def file_digest(path: Path) -> str:
    """SHA-256 (hex) of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_fingerprint(path: Path | None, module: Any) -> str:
    """Identify a model: the names and SHA-256 of every file in its directory (weights,
    trust files, a blend's parts: anything that changes a prediction), else (a model built in
    memory) a hash of its parameters or, for trees, of their text."""
    digest = hashlib.sha256()
    if path is not None and Path(path).is_dir():
        root = Path(path).resolve()
        digest.update(str(root).encode())
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file_digest(file).encode())
        return digest.hexdigest()
    for part in _parts(module):
        if hasattr(part, "state_dict"):
            for key, tensor in part.state_dict().items():
                digest.update(key.encode())
                digest.update(tensor.detach().cpu().numpy().tobytes())
        else:  # a tree model: its boosters as LightGBM text
            for member in part.members:
                for booster in member:
                    digest.update(str(booster if isinstance(booster, float)
                                      else booster.model_to_string()).encode())
    return digest.hexdigest()


def _parts(module: Any) -> list[Any]:
    """The network and tree parts of a model (a blend has both)."""
    if getattr(module, "family", None) == "blend":
        return [p for p in (module.network, module.trees) if p is not None]
    return [module]


def run_fingerprint(input: str | Path, output: str | Path, model: str, **options: Any) -> dict:
    """What must be equal for a screen to resume another: JSON-ready dict.

    Args:
        input: The library file (its resolved path, size and modification time are used).
        output: The output file (resolved path).
        model: A model fingerprint (:func:`model_fingerprint`).
        **options: Everything else that changes the chunk files (chunk size, SMILES column,
            filter, top-K settings, extra columns); values must be JSON-serializable.
    """
    stat = Path(input).stat()
    return {"input": str(Path(input).resolve()), "input_size": stat.st_size,
            "input_mtime_ns": stat.st_mtime_ns, "output": str(Path(output).resolve()),
            "model": model, **options}


@dataclass
class ChunkCounts:
    """Row counts of one finished chunk: ``rows`` read, ``errors`` (rows that failed),
    ``unmatched`` (rows the filter rejected), ``kept`` (rows stored for the output), ``sha256``."""

    rows: int
    errors: int
    unmatched: int
    kept: int
    sha256: str = ""
    """Hash of the chunk file as written (checked on resume and when the output is
    assembled; manifests written before it was recorded have ``""``)."""


class ChunkStore:
    """The work folder of one screen: finished chunks plus a manifest.

    Args:
        folder: The work folder (:func:`work_folder`).
        fingerprint: :func:`run_fingerprint` of this run.
        resume: Continue the chunks of an interrupted run with the same fingerprint; a
            missing folder simply starts afresh. Without ``resume`` any leftover work folder
            is replaced.

    Attributes:
        counts: One :class:`ChunkCounts` per finished chunk, in input order; chunks
            ``0 .. len(counts) - 1`` are done.

    Raises:
        InputError: ``resume`` with a manifest whose fingerprint differs (the message names
            what changed), or ``folder`` exists and is not a molpred work folder (never
            deleted).
    """

    def __init__(self, folder: Path, fingerprint: dict, resume: bool = False) -> None:
        self.folder = Path(folder)
        self.fingerprint = fingerprint
        self.counts: list[ChunkCounts] = []
        for trash in self.folder.parent.glob(f"{glob.escape(self.folder.name)}{TRASH_INFIX}*"):
            shutil.rmtree(trash, ignore_errors=True)  # left by a run killed while cleaning up
        manifest = self._read_manifest()
        if resume and manifest is not None:
            old = manifest.get("fingerprint", {})
            changed = sorted(k for k in {*old, *fingerprint} if old.get(k) != fingerprint.get(k))
            if changed:
                raise InputError(
                    f"cannot resume: {', '.join(changed)} changed since the interrupted run "
                    f"in {self.folder}; rerun with the same arguments and files, or without "
                    "--resume to start again")
            try:
                self.counts = [ChunkCounts(**c) for c in manifest.get("chunks", [])]
            except TypeError:
                raise InputError(f"cannot resume: {self.folder / MANIFEST} is not readable; "
                                 "rerun without --resume") from None
            for index in range(self.done):
                self._check_chunk(index)
            return
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir()
        self._write_manifest()

    @property
    def done(self) -> int:
        """Number of finished chunks (the run continues at this chunk index)."""
        return len(self.counts)

    def save(self, index: int, frame: pd.DataFrame, counts: ChunkCounts) -> None:
        """Store chunk ``index`` (must be :attr:`done`) atomically, then record it.

        Raises:
            ValueError: if ``index`` is not the next chunk (a programming error: chunks are
                saved in input order).
        """
        if index != self.done:
            raise ValueError(f"chunk {index} saved out of order (expected {self.done})")
        path = self._chunk_path(index)
        tmp = path.with_name(path.name + ".tmp")
        frame.to_parquet(tmp, index=False)
        _fsync(tmp)
        counts.sha256 = file_digest(tmp)
        os.replace(tmp, path)
        self.counts.append(counts)
        self._write_manifest()

    def frames(self) -> Iterator[pd.DataFrame]:
        """The stored chunks, in input order, one at a time."""
        for index in range(self.done):
            self._check_chunk(index)
            yield pd.read_parquet(self._chunk_path(index))

    def staging_path(self, output: Path) -> Path:
        """Where the output is written before :meth:`publish` moves it into place: a file
        of the same name in the work folder."""
        return self.folder / Path(output).name

    def publish(self, output: Path, write: Callable[[Path], None]) -> None:
        """Call ``write(tmp)`` to finish the final result at :meth:`staging_path`, move it
        over ``output`` and remove the work folder."""
        tmp = self.staging_path(output)
        write(tmp)
        os.replace(tmp, output)
        # Renamed first (atomic), so a kill during the slow removal leaves only a trash
        # folder, which the next run removes, never a half-deleted work folder in its way.
        trash = self.folder.with_name(f"{self.folder.name}{TRASH_INFIX}{uuid.uuid4().hex}")
        os.replace(self.folder, trash)
        shutil.rmtree(trash, ignore_errors=True)

    # -- internals
    def _check_chunk(self, index: int) -> None:
        """Refuse a finished chunk that is missing or differs from what was written.

        Raises:
            InputError: naming the chunk, with what to do.
        """
        path = self._chunk_path(index)
        expected = self.counts[index].sha256
        if not path.is_file() or (expected and file_digest(path) != expected):
            raise InputError(f"cannot resume: {path.name} in {self.folder} is missing or was "
                             "changed after it was written; rerun without --resume")

    def _chunk_path(self, index: int) -> Path:
        return self.folder / f"chunk-{index:06d}.parquet"

    def _read_manifest(self) -> dict | None:
        """The manifest of an existing folder; ``None`` if there is none yet (a folder left
        empty by a run killed at once). Refuses a folder molpred did not make."""
        if not self.folder.exists():
            return None
        path = self.folder / MANIFEST
        try:
            manifest = json.loads(path.read_text())
        except FileNotFoundError:
            manifest = None
        except (OSError, ValueError):
            manifest = {}
        if manifest is None and self.folder.is_dir() and all(
                p.name.endswith(".tmp") for p in self.folder.iterdir()):
            return None  # killed before its first manifest was in place
        if not isinstance(manifest, dict) or manifest.get("kind") != _KIND:
            raise InputError(f"{self.folder} exists and is not a molpred screen work folder; "
                             "move it away or choose another output file")
        return manifest

    def _write_manifest(self) -> None:
        path = self.folder / MANIFEST
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps({"kind": _KIND, "fingerprint": self.fingerprint,
                                   "chunks": [asdict(c) for c in self.counts]}, indent=1))
        _fsync(tmp)
        os.replace(tmp, path)


def _fsync(path: Path) -> None:
    """Flush a file to disk, so a crash never leaves a renamed but empty file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
