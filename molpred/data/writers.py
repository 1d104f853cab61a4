"""Write molecule tables: CSV, gzipped CSV, TSV, Parquet or SDF, chunk by chunk or in one go.

:class:`TableWriter` appends DataFrames (a screening run writes each chunk as soon as it is
scored); :func:`write_table` writes one DataFrame. The format follows the output suffix
(:data:`molpred.data.formats.WRITE_FORMATS`); no row is ever dropped, not even in SDF output.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from molpred.data.formats import READ_FORMATS, WRITE_FORMATS, detect_format
from molpred.data.sdf import open_sdf_writer, write_sdf_records
from molpred.exceptions import InputError


class TableWriter:
    """Write a table chunk by chunk; the format follows the output suffix.

    * ``.csv``, ``.tsv`` (optionally ``.gz``, one gzip stream for the whole file): header once.
    * ``.parquet``/``.pq``: pyarrow ``ParquetWriter`` with the schema of the first chunk;
      columns that are entirely missing there are typed as strings; later chunks are cast to
      the schema (a column that cannot be cast raises InputError). Text columns named in
      ``column_types`` (:func:`numeric_text_columns`: input columns read as text whose every
      cell is a number) are written as ``int64``/``float64``, so pandas, KNIME or Spark read
      numbers; the other formats write text as it came.
    * ``.sdf`` (optionally ``.gz``): RDKit ``SDWriter``; the molecule comes from the SMILES
      column, the title line from a ``name`` column if any, every other column becomes an SD
      field (empty and NaN cells are left out). A row whose SMILES does not parse is written
      as an empty molecule block carrying its fields plus its SMILES text as field
      ``smiles_col``: never dropped.

    Every chunk must have the same columns as the first (any order).

    Args:
        path: Output file; its folder must exist. Overwritten if present.
        smiles_col: The SMILES column, used by SDF output only.
        column_types: Parquet only: ``{column: "int64" | "float64"}`` for text columns to
            write as numbers (every chunk's cells must parse; :func:`numeric_text_columns`
            over every chunk decides it).

    Raises:
        InputError: unknown output suffix, missing folder, or chunks with different columns.

    Example:
        >>> with TableWriter("hits.parquet") as out:          # doctest: +SKIP
        ...     for chunk in chunks:
        ...         out.write(chunk)
    """

    def __init__(self, path: str | Path, smiles_col: str = "smiles",
                 column_types: dict[str, str] | None = None) -> None:
        self.path = Path(path)
        self.smiles_col = smiles_col
        self.column_types = dict(column_types or {})
        self.kind, self.gz = detect_format(self.path, WRITE_FORMATS)
        if not self.path.parent.is_dir():
            raise InputError(f"{self.path}: folder {self.path.parent} does not exist")
        self.rows_written = 0
        self._columns: list[str] | None = None
        self._handle: Any = None
        self._writer: Any = None
        self._schema: Any = None
        self._closed = False
        self._header_done = False

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def write(self, frame: pd.DataFrame) -> None:
        """Append the rows of ``frame`` (its index is not written).

        Raises:
            InputError: if the writer is closed, the columns differ from the first chunk's,
                or (SDF) the SMILES column is missing.
        """
        if self._closed:
            raise InputError(f"{self.path}: writer is already closed")
        if self.kind == "parquet" and self.column_types:
            frame = _as_numbers(frame, self.column_types)
        if self._columns is None:
            self._columns = [str(c) for c in frame.columns]
            self._open(frame)
        elif list(frame.columns) != self._columns:
            if sorted(map(str, frame.columns)) != sorted(self._columns):
                raise InputError(f"{self.path}: chunk columns {list(frame.columns)} differ from "
                                 f"the first chunk's {self._columns}")
            frame = frame[self._columns]
        if self.kind in ("csv", "tsv"):
            frame.to_csv(self._handle, sep="," if self.kind == "csv" else "\t", index=False,
                         header=not self._header_done, quoting=_csv_quoting(frame))
            self._header_done = True
        elif self.kind == "parquet":
            self._writer.write_table(self._to_arrow(frame))
        else:
            write_sdf_records(self._writer, frame, self.smiles_col)
        self.rows_written += len(frame)

    def close(self) -> None:
        """Finish the file. A writer closed before any write leaves an empty file
        (Parquet: a file with no columns). Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._columns is None:
            self._open(pd.DataFrame())
        if self._writer is not None:
            self._writer.close()
        if self._handle is not None:
            self._handle.close()

    # -- per format
    def _open(self, frame: pd.DataFrame) -> None:
        """Open the output for the first chunk ``frame`` (creates the file)."""
        if self.kind == "parquet":
            import pyarrow.parquet as pq

            self._schema = _arrow_schema(frame)
            self._writer = pq.ParquetWriter(self.path, self._schema)
            return
        if self.gz:
            # level 6 (gzip's own default): half the CPU time of level 9 for a 1% larger file
            self._handle = gzip.open(self.path, "wt", compresslevel=6, encoding="utf-8", newline="")
        else:
            self._handle = open(self.path, "w", encoding="utf-8", newline="")
        if self.kind == "sdf":
            if len(frame.columns) and self.smiles_col not in frame.columns:
                raise InputError(f"{self.path}: SDF output needs the SMILES column "
                                 f"{self.smiles_col!r}; columns are {list(frame.columns)}")
            self._writer = open_sdf_writer(self._handle, self._columns or [], self.smiles_col)

    def _to_arrow(self, frame: pd.DataFrame) -> Any:
        import pyarrow as pa

        table = pa.Table.from_pandas(frame, preserve_index=False)
        try:
            return table.cast(self._schema)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            pass
        arrays = []
        for field in self._schema:
            column = table.column(field.name)
            try:
                arrays.append(column.cast(field.type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                if not pa.types.is_string(field.type) and not pa.types.is_large_string(
                        field.type):
                    raise InputError(
                        f"{self.path}: column {field.name!r} holds {column.type} values in a "
                        f"later chunk but {field.type} in the first; make its type consistent"
                    ) from None
                values = frame[field.name].astype(object)
                text = values.where(values.notna(), None).map(
                    lambda v: v if v is None else str(v))
                arrays.append(pa.array(text.tolist(), type=field.type))
        return pa.Table.from_arrays(arrays, schema=self._schema)


def _arrow_schema(frame: pd.DataFrame) -> Any:
    """Arrow schema of the first chunk; all-missing (null-typed) columns become strings."""
    import pyarrow as pa

    schema = pa.Table.from_pandas(frame, preserve_index=False).schema.remove_metadata()
    fields = [f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in schema]
    return pa.schema(fields)


def write_table(frame: pd.DataFrame, path: str | Path, smiles_col: str = "smiles",
                column_types: dict[str, str] | None = None) -> None:
    """Write ``frame`` to ``path`` in one go (format by suffix, see :class:`TableWriter`;
    ``column_types`` as there).

    Raises:
        InputError: as :class:`TableWriter`.
    """
    with TableWriter(path, smiles_col=smiles_col, column_types=column_types) as out:
        out.write(frame)


_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_INTEGER = r"[+-]?[0-9]{1,15}"  # exact through float64; longer digit strings are identifiers
_IDENTIFIER = re.compile(r"[+-]?0[0-9]|[+-]?[0-9]{16,}$")  # "007", 16+ digits: codes


def numeric_text_columns(frames: Iterable[pd.DataFrame]) -> dict[str, str]:
    """Which text columns hold numbers only, over every frame: ``{column: "int64" |
    "float64"}``.

    Input files are read as text so that CSV output repeats them exactly; a typed format
    (Parquet) should carry numbers as numbers. A column qualifies when every non-empty cell
    of every frame is a plain decimal number (``12``, ``-0.5``, ``1e-3``; no ``inf`` or
    ``nan``; ASCII digits) and it has at least one; integers of up to 15 digits give
    ``int64`` (exact; empty cells become nulls), others ``float64``. An integer with a
    leading zero (``"007"``) or of 16 digits or more (a registry code, which float64 would
    round) keeps its column text, as does any cell that is not a number. Pass only the
    columns read as text (an input's own columns, not model outputs such as a conformal set
    ``"1"``, whose type must not depend on the data).

    Args:
        frames: DataFrames with the same columns (e.g. the chunks of a screen).
    """
    state: dict[str, str] = {}  # column -> "int64" | "float64" | "text" | "empty"
    for frame in frames:
        for column in frame.columns:
            name = str(column)
            if state.get(name) == "text":
                continue
            values = frame[column]
            if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
                state[name] = "text"  # already typed: nothing to convert
                continue
            cells = values[values.notna()].astype(str).str.strip()
            cells = cells[cells != ""]
            if cells.empty:
                state.setdefault(name, "empty")
                continue
            if not cells.str.fullmatch(_NUMBER).all() or cells.str.match(_IDENTIFIER).any():
                state[name] = "text"
                continue
            whole = cells.str.fullmatch(_INTEGER).all() and state.get(name) != "float64"
            state[name] = "int64" if whole else "float64"
    return {name: kind for name, kind in state.items() if kind in ("int64", "float64")}


def input_column_types(input: str | Path, frames: Iterable[pd.DataFrame],
                       columns: Iterable[object]) -> dict[str, str]:
    """The ``column_types`` of a typed output (Parquet) for the input's own ``columns`` over
    ``frames`` (:func:`numeric_text_columns`), when ``input`` was read as text (CSV, TSV,
    SMILES, SDF); ``{}`` for a Parquet input, whose columns keep their stored types."""
    if not read_as_text(input):
        return {}
    columns = list(columns)
    return numeric_text_columns(f[[c for c in columns if c in f.columns]] for f in frames)


def read_as_text(input: str | Path) -> bool:
    """Whether molpred reads ``input``'s columns as text (every format but Parquet)."""
    return detect_format(Path(input), READ_FORMATS)[0] != "parquet"


def _as_numbers(frame: pd.DataFrame, column_types: dict[str, str]) -> pd.DataFrame:
    """``frame`` with the text columns of ``column_types`` parsed (empty cells: missing)."""
    frame = frame.copy()
    for column in frame.columns:
        kind = column_types.get(str(column))
        if kind is None:
            continue
        text = frame[column].astype(object)
        text = text.where(text.notna() & (text.astype(str).str.strip() != ""), None)
        numbers = pd.to_numeric(text, errors="raise")
        frame[column] = numbers.astype("Int64" if kind == "int64" else "float64")
    return frame


__all__ = ["TableWriter", "input_column_types", "numeric_text_columns", "write_table"]


def _csv_quoting(frame: pd.DataFrame) -> int:
    """``csv.QUOTE_MINIMAL``, or ``csv.QUOTE_ALL`` for a chunk with a carriage return in a
    text cell: Python 3.11's csv module leaves a lone ``\r`` unquoted when the line ending
    is ``\n``, and readers would then split the row."""
    for column in frame.columns:
        values = frame[column]
        textual = values.dtype == object or pd.api.types.is_string_dtype(values)
        if textual and values.str.contains("\r", regex=False).fillna(False).any():
            return csv.QUOTE_ALL
    return csv.QUOTE_MINIMAL

