"""Read and write molecule tables: CSV/TSV/TXT, SMILES (.smi), SDF and Parquet, plain or gzipped.

Three entry points share one format table:

* :func:`read_table` loads a whole file into a :class:`MoleculeTable` (training data, small
  prediction inputs);
* :func:`iter_table_chunks` streams a file as string-typed DataFrames of ``chunk_size`` rows
  (screening million-row libraries in constant memory);
* :class:`TableWriter` appends DataFrames to CSV, gzipped CSV, TSV, Parquet or SDF output.

Rows are never dropped: an empty SMILES line or an SDF record RDKit cannot read stays a row
(with an empty SMILES and, for SDF, a reason in the ``input_error`` column) so that results
stay aligned with the input.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import pandas as pd
from rdkit import Chem, rdBase

from molpred.chem import parse_smiles
from molpred.data.cards import DatasetCard, get_card, list_cards
from molpred.data.fetch import DATA_DIR_ENV, fetch_dataset, local_copy
from molpred.data.table import MoleculeTable
from molpred.exceptions import DatasetError, InputError, UnknownNameError

READ_FORMATS = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "txt",
    ".smi": "smi", ".smiles": "smi", ".sdf": "sdf", ".sd": "sdf",
    ".parquet": "parquet", ".pq": "parquet",
}
WRITE_FORMATS = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet",
                 ".sdf": "sdf"}
SDF_SMILES, SDF_NAME, SDF_ERROR = "smiles", "name", "input_error"
_SD_FIELD = re.compile(r"^>.*?<([^>]*)>")


# ---------------------------------------------------------------- formats and small helpers
def _format(path: Path, table: dict[str, str], gzip_ok: bool = True) -> tuple[str, bool]:
    """``(kind, gzipped)`` of ``path`` from its suffixes, e.g. ``("csv", True)`` for x.csv.gz."""
    name = path.name.lower()
    gz = name.endswith(".gz")
    kind = table.get(Path(name[:-3] if gz else name).suffix)
    if kind is None or (gz and (kind == "parquet" or not gzip_ok)):
        known = ", ".join(sorted(table)) + (" (optionally .gz, except parquet)" if gzip_ok else "")
        raise InputError(f"{path}: unknown file format; use one of {known}")
    return kind, gz


def _need_file(path: Path) -> None:
    if not path.is_file():
        raise InputError(f"{path}: no such file")


def _open_text(path: Path, gz: bool) -> IO[str]:
    if gz:
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def _separator(path: Path, kind: str, gz: bool) -> str:
    """Column separator: ',' for csv, tab for tsv, sniffed from the first 64 kB for txt."""
    if kind != "txt":
        return "," if kind == "csv" else "\t"
    with _open_text(path, gz) as fh:
        sample = fh.read(65536)
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


def _read_csv(path: Path, sep: str, **kwargs: Any) -> Any:
    """``pandas.read_csv`` with its errors turned into one-line InputErrors."""
    try:
        return pd.read_csv(path, sep=sep, **kwargs)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty (a header line is needed)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as exc:
        reason = " ".join(str(exc).split())
        raise InputError(f"{path}: cannot read as a table: {reason}") from None


# ---------------------------------------------------------------- SMILES files
def _smi_rows(path: Path, gz: bool) -> Iterator[tuple[str, str]]:
    """``(smiles, name)`` per line of a whitespace-separated SMILES file without header.

    An empty line inside the file is a row with empty SMILES; blank lines at the very end of
    the file are not rows. A first line whose first field is ``smiles`` (any case) is a header.
    """
    pending_blank = 0
    with _open_text(path, gz) as fh:
        for lineno, line in enumerate(fh):
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


# ---------------------------------------------------------------- SDF files
def _sdf_records(path: Path, gz: bool) -> Iterator[str]:
    """Text of each SDF record up to and including its ``$$$$`` line."""
    lines: list[str] = []
    with _open_text(path, gz) as fh:
        for line in fh:
            lines.append(line)
            if line.rstrip() == "$$$$":
                yield "".join(lines)
                lines = []
    if "".join(lines).strip():  # last record without its $$$$ terminator
        yield "".join(lines)


def _sd_fields_from_text(record: str) -> dict[str, str]:
    """SD data items of a record, parsed from text (for records RDKit cannot read)."""
    fields: dict[str, str] = {}
    lines = record.splitlines()
    i = 0
    while i < len(lines):
        match = _SD_FIELD.match(lines[i])
        i += 1
        if not match:
            continue
        value = []
        while i < len(lines) and lines[i].strip() and lines[i].rstrip() != "$$$$":
            value.append(lines[i])
            i += 1
        fields[match.group(1)] = "\n".join(value)
    return fields


def _sdf_row(record: str) -> dict[str, str]:
    """One table row from one SDF record: smiles, name, SD fields, input_error."""
    blocker = rdBase.BlockLogs()  # noqa: F841 - the reason goes to input_error instead
    supplier = Chem.ForwardSDMolSupplier(io.BytesIO(record.encode("utf-8")))
    try:
        mol = next(supplier, None)
    except Exception:  # pragma: no cover - RDKit raises only on exotic input
        mol = None
    if mol is None:
        fields = _sd_fields_from_text(record)
        raw = Chem.MolFromMolBlock(record, sanitize=False)
        problems = Chem.DetectChemistryProblems(raw) if raw is not None else []
        error = (problems[0].Message() if problems
                 else "RDKit cannot read this SDF record (malformed molecule block)")
        title = record.splitlines()[0].strip() if record.strip() else ""
        row = {SDF_SMILES: "", SDF_NAME: title}
        row.update(fields)
        row[SDF_SMILES] = ""
        row[SDF_ERROR] = f"SDF record not readable: {error}"
        return row
    fields = {key: mol.GetProp(key) for key in mol.GetPropNames()}
    smiles = Chem.MolToSmiles(mol) if mol.GetNumAtoms() else fields.get(SDF_SMILES, "")
    row = {SDF_SMILES: "", SDF_NAME: mol.GetProp("_Name") if mol.HasProp("_Name") else ""}
    row.update(fields)
    row[SDF_SMILES] = smiles
    row[SDF_ERROR] = ""
    return row


def _sdf_columns(path: Path, gz: bool) -> list[str]:
    """Column order of an SDF table: smiles, name, SD fields in first-seen order, input_error."""
    seen = dict.fromkeys([SDF_SMILES, SDF_NAME])
    with _open_text(path, gz) as fh:
        for line in fh:
            if line.startswith(">"):
                match = _SD_FIELD.match(line)
                if match:
                    seen.setdefault(match.group(1), None)
    seen.pop(SDF_ERROR, None)
    return [*seen, SDF_ERROR]


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
      (``Chem.MolToSmiles``), ``name`` (the title line), one column per SD field (strings),
      ``input_error`` (why RDKit could not read a record; such records keep their fields and an
      empty SMILES). A record with an empty molecule block takes its SMILES from an SD field
      named ``smiles`` if present (so :class:`TableWriter` SDF output round-trips bad rows).
    * ``.parquet``/``.pq``: pyarrow.

    Args:
        path: The file.
        smiles_col: SMILES column; default the first column (``smiles`` for .smi/.sdf).
        targets: Task columns to expose as :attr:`MoleculeTable.y`; default none.

    Returns:
        A MoleculeTable whose ``frame`` has every column of the file and index ``0..N-1``.

    Raises:
        InputError: one line naming the file: missing file, unknown format, unreadable
            content, or a column that does not exist (listing the available ones).
    """
    path = Path(path)
    kind, gz = _format(path, READ_FORMATS)
    _need_file(path)
    if kind in ("csv", "tsv", "txt"):
        frame = _read_csv(path, _separator(path, kind, gz), low_memory=False)
    elif kind == "smi":
        frame = pd.DataFrame(list(_smi_rows(path, gz)), columns=[SDF_SMILES, SDF_NAME])
    elif kind == "sdf":
        rows = [_sdf_row(record) for record in _sdf_records(path, gz)]
        columns = dict.fromkeys([SDF_SMILES, SDF_NAME])
        for row in rows:
            columns.update(dict.fromkeys(row))
        columns.pop(SDF_ERROR, None)
        frame = pd.DataFrame(rows, columns=[*columns, SDF_ERROR])
    else:
        frame = _read_parquet(path)
    frame = frame.reset_index(drop=True)
    if smiles_col is None:
        if len(frame.columns) == 0:
            raise InputError(f"{path}: the file has no columns")
        smiles_col = str(frame.columns[0])
    targets = list(targets or [])
    _check_columns(path, list(frame.columns), [smiles_col, *targets])
    if smiles_col in targets or len(set(targets)) != len(targets):
        raise InputError(f"{path}: targets {targets} repeat a column or include the SMILES column")
    return MoleculeTable(frame=frame, smiles_col=smiles_col, targets=targets)


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path).to_pandas()
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: cannot read as Parquet: {' '.join(str(exc).split())}") from None


# ---------------------------------------------------------------- streaming
def iter_table_chunks(
    path: str | Path, smiles_col: str | None = None, chunk_size: int = 10_000
) -> Iterator[pd.DataFrame]:
    """Stream a molecule file as DataFrames of at most ``chunk_size`` rows.

    Same formats and columns as :func:`read_table`, but every value is a string and nothing
    is converted: empty cells are ``""``, ``"NA"`` stays ``"NA"``. Chunks follow the file
    order and carry the global row numbers as index (chunk 2 starts at ``chunk_size``). CSV/TSV
    use pandas' chunked reader, Parquet ``ParquetFile.iter_batches``, SMILES files go line by
    line and SDF record by record (SDF files are scanned once first to learn the column set;
    an SD field the scan missed is appended as a new column when it appears).

    Args:
        path: The file.
        smiles_col: SMILES column, checked against the columns before the first chunk is read;
            default the first column.
        chunk_size: Rows per chunk (> 0).

    Returns:
        An iterator of DataFrames (all columns of dtype str).

    Raises:
        InputError: at call time, for a missing file, unknown format or unknown column; for
            unreadable content, when the chunk holding it is read.
    """
    path = Path(path)
    if chunk_size < 1:
        raise InputError(f"chunk_size must be at least 1, not {chunk_size}")
    kind, gz = _format(path, READ_FORMATS)
    _need_file(path)
    if kind in ("csv", "tsv", "txt"):
        sep = _separator(path, kind, gz)
        columns = list(_read_csv(path, sep, nrows=0).columns)
        chunks = _csv_chunks(path, sep, chunk_size)
    elif kind == "parquet":
        import pyarrow.parquet as pq

        columns = list(pq.read_schema(path).names)
        chunks = _parquet_chunks(path, chunk_size)
    elif kind == "smi":
        columns = [SDF_SMILES, SDF_NAME]
        chunks = _row_chunks(_smi_rows(path, gz), columns, chunk_size)
    else:
        columns = _sdf_columns(path, gz)
        rows = (_sdf_row(record) for record in _sdf_records(path, gz))
        chunks = _row_chunks(rows, columns, chunk_size)
    _check_columns(path, columns, [smiles_col if smiles_col is not None else columns[0]])
    return chunks


def _csv_chunks(path: Path, sep: str, chunk_size: int) -> Iterator[pd.DataFrame]:
    reader = _read_csv(path, sep, dtype=str, keep_default_na=False, chunksize=chunk_size)
    start = 0
    with reader:
        while True:
            try:
                chunk = next(reader)
            except StopIteration:
                return
            except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as exc:
                raise InputError(f"{path}: cannot read rows after row {start}: "
                                 f"{' '.join(str(exc).split())}") from None
            chunk.index = pd.RangeIndex(start, start + len(chunk))
            start += len(chunk)
            yield chunk


def _parquet_chunks(path: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    start = 0
    with pq.ParquetFile(path) as source:
        for batch in source.iter_batches(batch_size=chunk_size):
            chunk = batch.to_pandas()
            for col in chunk.columns:
                values = chunk[col].astype(object)
                chunk[col] = values.where(values.notna(), "").map(str).astype(str)
            chunk.index = pd.RangeIndex(start, start + len(chunk))
            start += len(chunk)
            yield chunk


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


# ---------------------------------------------------------------- writing
class TableWriter:
    """Write a table chunk by chunk; the format follows the output suffix.

    * ``.csv``, ``.tsv`` (optionally ``.gz``, one gzip stream for the whole file): header once.
    * ``.parquet``/``.pq``: pyarrow ``ParquetWriter`` with the schema of the first chunk;
      columns that are entirely missing there are typed as strings; later chunks are cast to
      the schema (a column that cannot be cast raises InputError).
    * ``.sdf`` (optionally ``.gz``): RDKit ``SDWriter``; the molecule comes from the SMILES
      column, the title line from a ``name`` column if any, every other column becomes an SD
      field (empty and NaN cells are left out). A row whose SMILES does not parse is written
      as an empty molecule block carrying its fields plus its SMILES text as field
      ``smiles_col``: never dropped.

    Every chunk must have the same columns as the first (any order).

    Args:
        path: Output file; its folder must exist. Overwritten if present.
        smiles_col: The SMILES column, used by SDF output only.

    Raises:
        InputError: unknown output suffix, missing folder, or chunks with different columns.

    Example:
        >>> with TableWriter("hits.parquet") as out:          # doctest: +SKIP
        ...     for chunk in chunks:
        ...         out.write(chunk)
    """

    def __init__(self, path: str | Path, smiles_col: str = "smiles") -> None:
        self.path = Path(path)
        self.smiles_col = smiles_col
        self.kind, self.gz = _format(self.path, WRITE_FORMATS)
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
                         header=not self._header_done)
            self._header_done = True
        elif self.kind == "parquet":
            self._writer.write_table(self._to_arrow(frame))
        else:
            self._write_sdf(frame)
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
            self._handle = gzip.open(self.path, "wt", encoding="utf-8", newline="")
        else:
            self._handle = open(self.path, "w", encoding="utf-8", newline="")
        if self.kind == "sdf":
            if len(frame.columns) and self.smiles_col not in frame.columns:
                raise InputError(f"{self.path}: SDF output needs the SMILES column "
                                 f"{self.smiles_col!r}; columns are {list(frame.columns)}")
            fields = [c for c in self._columns or [] if c not in (self.smiles_col, SDF_NAME)]
            self._writer = Chem.SDWriter(self._handle)
            self._writer.SetProps([*fields, self.smiles_col])

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

    def _write_sdf(self, frame: pd.DataFrame) -> None:
        has_name = SDF_NAME in frame.columns and SDF_NAME != self.smiles_col
        fields = [c for c in frame.columns if c not in (self.smiles_col, SDF_NAME)]
        blocker = rdBase.BlockLogs()  # noqa: F841 - bad rows are kept, not reported twice
        for row in frame.itertuples(index=False, name=None):
            values = dict(zip(frame.columns, row, strict=True))
            raw = values[self.smiles_col]
            mol, _ = parse_smiles(raw)
            mol = Chem.Mol() if mol is None else mol
            if mol.GetNumAtoms() == 0 and _present(raw):
                mol.SetProp(self.smiles_col, str(raw))
            if has_name and _present(values[SDF_NAME]):
                mol.SetProp("_Name", str(values[SDF_NAME]).replace("\n", " "))
            for col in fields:
                if _present(values[col]):
                    mol.SetProp(col, str(values[col]))
            try:
                self._writer.write(mol)
            except Exception:  # e.g. a kekulization failure: keep the row, without structure
                empty = Chem.Mol()
                for key in mol.GetPropNames():
                    empty.SetProp(key, mol.GetProp(key))
                if _present(raw):
                    empty.SetProp(self.smiles_col, str(raw))
                self._writer.write(empty)


def _present(value: object) -> bool:
    """False for None, NaN and empty strings: cells left out of SDF records."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return False
    try:
        return not bool(pd.isna(value))
    except (TypeError, ValueError):
        return True


def _arrow_schema(frame: pd.DataFrame) -> Any:
    """Arrow schema of the first chunk; all-missing (null-typed) columns become strings."""
    import pyarrow as pa

    schema = pa.Table.from_pandas(frame, preserve_index=False).schema.remove_metadata()
    fields = [f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in schema]
    return pa.schema(fields)


def write_table(frame: pd.DataFrame, path: str | Path, smiles_col: str = "smiles") -> None:
    """Write ``frame`` to ``path`` in one go (format by suffix, see :class:`TableWriter`).

    Raises:
        InputError: as :class:`TableWriter`.
    """
    with TableWriter(path, smiles_col=smiles_col) as out:
        out.write(frame)


# ---------------------------------------------------------------- datasets
def load_dataset(
    source: str | Path, smiles_col: str | None = None, targets: Sequence[str] | None = None
) -> tuple[MoleculeTable, DatasetCard | None]:
    """Load a public dataset by name, or a molecule file by path.

    Args:
        source: A dataset name (case-insensitive, see :func:`molpred.data.list_cards`) or a
            path. A ``Path`` is always a file; a string is a dataset name if a card has it.
        smiles_col: SMILES column; default: the first column of a local copy or a file, the
            card's ``smiles_column`` for a downloaded canonical file.
        targets: Task columns; default: for a local copy (``$MOLPRED_DATA_DIR/NAME.csv[.gz]``)
            every column after the first, named as in that file; for a downloaded file the
            card's ``tasks``; for a path none (give them explicitly).

    Returns:
        ``(table, card)``; ``card`` is ``None`` when ``source`` is a file.

    Raises:
        DatasetError: ``source`` is neither a known dataset nor an existing file (lists the
            known datasets), or the dataset cannot be found or downloaded.
        InputError: as :func:`read_table`.
    """
    if not isinstance(source, Path):
        try:
            card = get_card(str(source))
        except UnknownNameError:
            card = None
        if card is not None:
            local = local_copy(card.name)
            if local is not None:
                header = [str(c) for c in _read_csv(local, ",", nrows=0).columns]
                smiles_col = smiles_col or header[0]
                tasks = [c for c in header if c != smiles_col]
                table = read_table(local, smiles_col, targets if targets is not None else tasks)
            else:
                table = read_table(fetch_dataset(card.name), smiles_col or card.smiles_column,
                                   targets if targets is not None else list(card.tasks))
            return table, card
    path = Path(source)
    if not path.is_file():
        known = ", ".join(c.name for c in list_cards())
        raise DatasetError(
            f"no dataset or file named {str(source)!r}; known datasets: {known} "
            f"(set {DATA_DIR_ENV} to use local copies)"
        )
    return read_table(path, smiles_col, targets or []), None


__all__ = [
    "TableWriter", "iter_table_chunks", "load_dataset", "read_table", "write_table",
    "READ_FORMATS", "WRITE_FORMATS",
]
