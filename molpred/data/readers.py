"""Read molecule tables: CSV/TSV/TXT, SMILES (.smi), SDF and Parquet, plain or gzipped.

* :func:`read_table` loads a whole file into a :class:`MoleculeTable` (training data, small
  prediction inputs);
* :func:`iter_table_chunks` streams a file as string-typed DataFrames of ``chunk_size`` rows
  (screening million-row libraries in constant memory).

Formats follow the suffix (:data:`molpred.data.formats.READ_FORMATS`). Rows are never dropped:
an empty SMILES line or an SDF record RDKit cannot read stays a row (with an empty SMILES and,
for SDF, a reason in the ``input_error`` column) so that results stay aligned with the input.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from molpred.data.formats import (
    READ_ERRORS,
    READ_FORMATS,
    default_smiles_column,
    detect_format,
    open_text,
    require_file,
    text_lines,
)
from molpred.data.sdf import SDF_NAME, SDF_SMILES, read_sdf_frame, sdf_columns, sdf_rows
from molpred.data.table import MoleculeTable
from molpred.exceptions import InputError


# ---------------------------------------------------------------- delimited text
def _separator(path: Path, kind: str, gz: bool) -> str:
    """Column separator: tab for tsv, sniffed from the first 64 kB for txt; ',' for csv
    unless its header line has no comma but semicolons (a spreadsheet saved in a locale
    with decimal commas) or tabs."""
    if kind == "tsv":
        return "\t"
    try:
        with open_text(path, gz) as fh:
            sample = fh.readline() if kind == "csv" else fh.read(65536)
    except READ_ERRORS as exc:
        raise InputError(f"{path}: cannot read: {' '.join(str(exc).split())}") from None
    if kind == "csv":
        if "," in sample:
            return ","
        return next((sep for sep in (";", "\t") if sep in sample), ",")
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:  # one column, or nothing to go by
        return ","


def _check_columns(path: Path, columns: Sequence[str], names: Sequence[str]) -> None:
    for name in names:
        if name not in columns:
            raise InputError(
                f"{path}: no column {name!r}; available columns: {', '.join(map(str, columns))}"
            )


def _smiles_column(path: Path, columns: Sequence[str], smiles_col: str | None) -> str:
    """``smiles_col``, else the default SMILES column of ``columns``.

    Raises:
        InputError: naming ``path``, when the file has no columns (e.g. its first line, the
            header, is empty).
    """
    if smiles_col is not None:
        return smiles_col
    if not columns:
        raise InputError(f"{path}: the file has no columns (its first line, the header, is empty)")
    return default_smiles_column(columns)


def read_delimited(path: Path, sep: str, **kwargs: Any) -> Any:
    """``pandas.read_csv`` with its errors turned into one-line InputErrors.

    Raises:
        InputError: the file is empty (no header line) or cannot be parsed or read.
    """
    kwargs.setdefault("skip_blank_lines", False)  # a blank line is a row (reported), not dropped
    kwargs.setdefault("encoding_errors", "replace")  # a bad byte spoils its cell, not the file
    try:
        return pd.read_csv(path, sep=sep, **kwargs)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty (a header line is needed)") from None
    except (pd.errors.ParserError, *READ_ERRORS) as exc:
        reason = " ".join(str(exc).split())
        raise InputError(f"{path}: cannot read as a table: {reason}") from None


# ---------------------------------------------------------------- SMILES files
def _smi_rows(path: Path, gz: bool) -> Iterator[tuple[str, str]]:
    """``(smiles, name)`` per line of a whitespace-separated SMILES file without header.

    An empty line inside the file is a row with empty SMILES; blank lines at the very end of
    the file are not rows. A first line whose first field is ``smiles`` (any case) is a header.
    """
    pending_blank = 0
    for lineno, line in enumerate(text_lines(path, gz)):
        parts = line.split(maxsplit=1)
        if lineno == 0 and parts and parts[0].lower() == "smiles":
            continue  # a header line ("smiles" in any case is not a valid SMILES)
        if not parts:
            pending_blank += 1
            continue
        for _ in range(pending_blank):
            yield "", ""
        pending_blank = 0
        yield parts[0], (parts[1].strip() if len(parts) > 1 else "")


# ---------------------------------------------------------------- whole-file reading
def read_table(
    path: str | Path, smiles_col: str | None = None, targets: Sequence[str] | None = None
) -> MoleculeTable:
    """Read a molecule file into a :class:`MoleculeTable`, keeping every row in input order.

    Formats by suffix (each may end in ``.gz`` except Parquet):

    * ``.csv``, ``.tsv``/``.tab``, ``.txt`` (separator sniffed among ``, tab ; |``): header line
      required; empty cells become NaN (pandas' NA spellings too).
    * ``.smi``/``.smiles``: ``SMILES [name]`` per line, whitespace-separated, no header ->
      columns ``smiles``, ``name``. An empty line is a row with empty SMILES (reported later,
      not dropped); trailing blank lines at the end of the file are ignored.
    * ``.sdf``/``.sd``: RDKit ``ForwardSDMolSupplier`` record by record -> columns ``smiles``
      (``Chem.MolToSmiles``), ``name`` (the title line), one column per SD field (strings; a
      field called ``name`` becomes ``name_sd``),
      ``input_error`` (why RDKit could not read a record; such records keep their fields and an
      empty SMILES). A record with an empty molecule block takes its SMILES from an SD field
      named ``smiles`` if present (so :class:`TableWriter` SDF output round-trips bad rows).
    * ``.parquet``/``.pq``: pyarrow.

    Args:
        path: The file.
        smiles_col: SMILES column; default: :func:`~molpred.data.formats.default_smiles_column`.
        targets: Task columns to expose as :attr:`MoleculeTable.y` (one name may be given as
            a string); default none.

    Returns:
        A MoleculeTable whose ``frame`` has every column of the file and index ``0..N-1``.

    Raises:
        InputError: one line naming the file: missing file, unknown format, unreadable
            content, or a column that does not exist (listing the available ones).
    """
    path = Path(path)
    kind, gz = detect_format(path, READ_FORMATS)
    require_file(path)
    if kind in ("csv", "tsv", "txt"):
        frame = read_delimited(path, _separator(path, kind, gz), low_memory=False)
    elif kind == "smi":
        frame = pd.DataFrame(list(_smi_rows(path, gz)), columns=[SDF_SMILES, SDF_NAME])
    elif kind == "sdf":
        frame = read_sdf_frame(path, gz)
    else:
        frame = _read_parquet(path)
    frame = frame.reset_index(drop=True)
    smiles_col = _smiles_column(path, list(frame.columns), smiles_col)
    targets = [targets] if isinstance(targets, str) else list(targets or [])  # "logp": one
    _check_columns(path, list(frame.columns), [smiles_col, *targets])
    if smiles_col in targets or len(set(targets)) != len(targets):
        raise InputError(f"{path}: targets {targets} repeat a column or include the SMILES column")
    return MoleculeTable(frame=frame, smiles_col=smiles_col, targets=targets)


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    with _parquet_errors(path):
        return pq.read_table(path).to_pandas()


@contextmanager
def _parquet_errors(path: Path) -> Iterator[None]:
    """Turn pyarrow's errors on ``path`` into a one-line :class:`InputError` naming it."""
    import pyarrow as pa

    try:
        yield
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: cannot read as Parquet: {' '.join(str(exc).split())}") from None


# ---------------------------------------------------------------- streaming
def iter_table_chunks(
    path: str | Path, smiles_col: str | None = None, chunk_size: int = 10_000,
    encoding: str | None = None,
) -> Iterator[pd.DataFrame]:
    """Stream a molecule file as DataFrames of at most ``chunk_size`` rows.

    Same formats and columns as :func:`read_table`, but text formats are read as strings with
    nothing converted (empty cells are ``""``, ``"NA"`` stays ``"NA"``, ``007`` stays ``007``)
    and Parquet keeps the column types stored in the file (as pandas ``ArrowDtype`` columns,
    missing values ``<NA>``). Chunks follow the file
    order and carry the global row numbers as index (chunk 2 starts at ``chunk_size``). CSV/TSV
    use pandas' chunked reader, Parquet ``ParquetFile.iter_batches``, SMILES files go line by
    line and SDF record by record (SDF files are scanned once first to learn the column set;
    an SD field the scan missed is appended as a new column when it appears).

    Args:
        path: The file.
        smiles_col: SMILES column, checked against the columns before the first chunk is read;
            default: :func:`~molpred.data.formats.default_smiles_column`.
        chunk_size: Rows per chunk (> 0).
        encoding: Text encoding of a CSV/TSV file (default: UTF-8, or UTF-16 when the file
            starts with its byte-order mark), e.g. ``latin-1``.

    Returns:
        An iterator of DataFrames (text formats: all columns of dtype str).

    Raises:
        InputError: at call time, for a missing file, unknown format or unknown column; for
            unreadable content, when the chunk holding it is read.
    """
    path = Path(path)
    if chunk_size < 1:
        raise InputError(f"chunk_size must be at least 1, not {chunk_size}")
    kind, gz = detect_format(path, READ_FORMATS)
    require_file(path)
    if kind in ("csv", "tsv", "txt"):
        sep = _separator(path, kind, gz)
        from molpred.data.tolerant_csv import read_header

        columns = read_header(path, sep, gz, encoding)
        chunks = _csv_chunks(path, sep, gz, chunk_size, encoding)
    elif kind == "parquet":
        columns = _parquet_columns(path)
        chunks = _parquet_chunks(path, columns, chunk_size)
    elif kind == "smi":
        columns = [SDF_SMILES, SDF_NAME]
        chunks = _row_chunks(_smi_rows(path, gz), columns, chunk_size)
    else:
        columns = sdf_columns(path, gz)
        chunks = _row_chunks(sdf_rows(path, gz), columns, chunk_size)
    _check_columns(path, columns, [_smiles_column(path, columns, smiles_col)])
    return chunks


def read_text_table(path: str | Path, smiles_col: str | None = None,
                    encoding: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read a whole molecule file for prediction, keeping the other columns as written.

    Unlike :func:`read_table`, which parses numbers and NA spellings for training targets,
    text formats (CSV/TSV/TXT, SMILES, SDF) are read as strings with nothing converted, so an
    id ``007`` stays ``007`` and a note ``NA`` stays ``NA``; Parquet keeps the column types
    stored in the file.

    Args:
        path: The file.
        smiles_col: SMILES column; default: :func:`~molpred.data.formats.default_smiles_column`.
        encoding: Text encoding of a CSV/TSV file (default UTF-8, or UTF-16 when the file
            starts with its byte-order mark), e.g. ``latin-1``.

    Returns:
        ``(frame, smiles_col)``: every row in file order (index ``0..N-1``) and the SMILES
        column used.

    Raises:
        InputError: naming the file: missing, unknown format, unreadable content, or an
            unknown column.
    """
    if detect_format(Path(path), READ_FORMATS)[0] == "parquet":
        table = read_table(path, smiles_col)
        return table.frame, table.smiles_col
    frame = pd.concat(iter_table_chunks(path, smiles_col=smiles_col, chunk_size=100_000,
                                        encoding=encoding), ignore_index=True)
    column = _smiles_column(Path(path), [str(c) for c in frame.columns], smiles_col)
    if smiles_col is None:
        from molpred.chem.sniff import check_guessed_smiles_column

        check_guessed_smiles_column(frame, column, path)
    return frame, column


def _csv_chunks(path: Path, sep: str, gz: bool, chunk_size: int,
                encoding: str | None = None) -> Iterator[pd.DataFrame]:
    """Chunks of a delimited text file as strings; a malformed line is kept as a row whose
    reason is in ``attrs`` (:mod:`molpred.data.tolerant_csv`), never the end of the run."""
    from molpred.data.tolerant_csv import record_chunks

    return record_chunks(path, sep, gz, chunk_size, encoding)


def _parquet_columns(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    with _parquet_errors(path):
        return list(pq.read_schema(path).names)


def _parquet_chunks(path: Path, columns: list[str], chunk_size: int) -> Iterator[pd.DataFrame]:
    """Chunks of a Parquet file with the column types stored in it, the same in every chunk
    (pandas ``ArrowDtype``: an integer id with missing values stays an integer, missing
    values are ``<NA>``); a file without rows yields one empty chunk with its columns, as the
    other formats do."""
    import pyarrow.parquet as pq

    start = 0
    with _parquet_errors(path), pq.ParquetFile(path) as source:
        for batch in source.iter_batches(batch_size=chunk_size):
            chunk = batch.to_pandas(types_mapper=pd.ArrowDtype)
            chunk.index = pd.RangeIndex(start, start + len(chunk))
            start += len(chunk)
            yield chunk
    if start == 0:
        yield _frame([], list(columns), 0)


def _row_chunks(rows: Iterator[Any], columns: list[str], chunk_size: int
                ) -> Iterator[pd.DataFrame]:
    """Group rows (tuples in ``columns`` order, or dicts) into string DataFrames."""
    start, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) == chunk_size:
            yield _frame(batch, columns, start)
            start, batch = start + len(batch), []
    if batch or start == 0:
        yield _frame(batch, columns, start)


def _frame(rows: list[Any], columns: list[str], start: int) -> pd.DataFrame:
    if rows and isinstance(rows[0], dict):
        for row in rows:
            for key in row:
                if key not in columns:  # an SD field the pre-scan missed
                    columns.insert(len(columns) - 1, key)  # keep input_error last
        rows = [tuple(row.get(col, "") for col in columns) for row in rows]
    frame = pd.DataFrame(rows, columns=list(columns), dtype=str)
    frame.index = pd.RangeIndex(start, start + len(frame))
    return frame


__all__ = ["iter_table_chunks", "read_delimited", "read_table", "read_text_table"]
