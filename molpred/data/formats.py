"""File formats of molecule tables, told apart by suffix, and the text-file helpers they share.

:data:`READ_FORMATS` lists what :func:`molpred.data.read_table` and
:func:`molpred.data.iter_table_chunks` accept, :data:`WRITE_FORMATS` what
:class:`molpred.data.TableWriter` writes; both map a suffix to a format name.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from molpred.exceptions import InputError

READ_FORMATS = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "txt",
    ".smi": "smi", ".smiles": "smi", ".sdf": "sdf", ".sd": "sdf",
    ".parquet": "parquet", ".pq": "parquet",
}
READ_ERRORS = (OSError, EOFError, UnicodeDecodeError, zlib.error)
"""What reading a (gzipped) file can raise besides parse errors: I/O errors, a truncated gzip
stream (EOFError) or corrupt deflate data (``zlib.error``, which is not an OSError)."""
WRITE_FORMATS = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet",
                 ".sdf": "sdf"}


def detect_format(path: Path, table: dict[str, str], gzip_ok: bool = True) -> tuple[str, bool]:
    """``(kind, gzipped)`` of ``path`` from its suffixes, e.g. ``("csv", True)`` for x.csv.gz.

    Raises:
        InputError: the suffix is not in ``table``, or ``.gz`` follows Parquet (or any suffix
            when ``gzip_ok`` is false); the message lists the known suffixes.
    """
    name = path.name.lower()
    gz = name.endswith(".gz")
    kind = table.get(Path(name[:-3] if gz else name).suffix)
    if kind is None or (gz and (kind == "parquet" or not gzip_ok)):
        known = ", ".join(sorted(table)) + (" (optionally .gz, except parquet)" if gzip_ok else "")
        raise InputError(f"{path}: unknown file format; use one of {known}")
    return kind, gz


def require_file(path: Path) -> None:
    """Raise InputError if ``path`` is not an existing file."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")


def open_text(path: Path, gz: bool) -> IO[str]:
    """``path`` opened as UTF-8 text (undecodable bytes replaced), gunzipped if ``gz``."""
    if gz:
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def text_lines(path: Path, gz: bool) -> Iterator[str]:
    """The lines of ``path`` read with :func:`open_text`.

    Raises:
        InputError: naming the file, when its data cannot be read (e.g. corrupt or truncated
            gzip data).
    """
    try:
        with open_text(path, gz) as fh:
            yield from fh
    except READ_ERRORS as exc:
        raise InputError(f"{path}: cannot read: {' '.join(str(exc).split())}") from None


__all__ = ["READ_ERRORS", "READ_FORMATS", "WRITE_FORMATS", "detect_format", "open_text",
           "require_file", "text_lines"]


SMILES_COLUMN_NAMES = ("smiles", "canonical_smiles", "isomeric_smiles")


def default_smiles_column(columns: Sequence[object]) -> str:
    """The SMILES column to use when none is named: the first column called ``smiles``,
    ``canonical_smiles`` or ``isomeric_smiles`` (any case), else the first column.

    Raises:
        InputError: if there are no columns.
    """
    names = [str(c) for c in columns]
    if not names:
        raise InputError("the input has no columns")
    for name in names:
        if name.lower() in SMILES_COLUMN_NAMES:
            return name
    return names[0]
