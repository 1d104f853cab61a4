"""CSV/TSV records for streaming screens, where one malformed line costs one row, not the run.

pandas' C reader stops a whole file at the first line with too many fields or an unbalanced
quote. A screen of a million rows must instead report that line as a row error and go on, so
:func:`record_chunks` reads records itself:

* a physical line without a quote character is split on the separator (the fast path);
* a line with quotes is parsed by Python's :mod:`csv` (RFC 4180 quoting, as pandas);
* a line with an odd number of quote characters opens a quoted field that continues on the
  next lines; if no closing quote comes within :data:`MAX_CONTINUATION_LINES` lines, or the
  record it closes is not strictly quoted (the "closing" quote opens a later line's field),
  the line is an *unbalanced quote* and its record ends there (the next line starts a new
  one);
* a record with more or fewer fields than the header is kept (cut or padded with ``""``) and
  its reason is recorded.

Each chunk's ``attrs[INPUT_ERRORS]`` maps the global row number of every malformed record to
its reason; the screening engine reports it in the row's error column and predicts nothing
for it. Text is decoded as UTF-8 (a leading byte-order mark dropped), as UTF-16 when the file
starts with a UTF-16 byte-order mark, or in the encoding the caller names (``--encoding
latin-1``); undecodable bytes are replaced (U+FFFD) and then fail as SMILES of their row.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from molpred.data.formats import READ_ERRORS
from molpred.exceptions import InputError

INPUT_ERRORS = "molpred_input_errors"
"""``DataFrame.attrs`` key: global row -> why the record is malformed."""
MAX_CONTINUATION_LINES = 100
"""Lines a quoted field may span before its opening quote is taken for a stray one."""
QUOTE = '"'


def detect_encoding(path: Path, gz: bool, encoding: str | None = None) -> str:
    """``encoding`` if given, else UTF-16 for a file starting with a UTF-16 byte-order mark,
    else UTF-8 (a UTF-8 byte-order mark is dropped).

    Raises:
        InputError: for an encoding Python does not know.
    """
    import codecs

    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown text encoding {encoding!r} (e.g. utf-8, latin-1, "
                             "cp1252, utf-16)") from None
        return encoding
    opener = gzip.open if gz else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(2)
    except READ_ERRORS:
        head = b""
    return "utf-16" if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"


def _lines(path: Path, gz: bool, encoding: str | None = None) -> Iterator[str]:
    opener = gzip.open if gz else open
    encoding = detect_encoding(path, gz, encoding)
    try:
        with opener(path, "rt", encoding=encoding, errors="replace", newline="") as fh:
            yield from fh  # lines keep their endings: a quoted field may hold "\r\n"
    except READ_ERRORS as exc:
        raise InputError(f"{path}: cannot read: {' '.join(str(exc).split())}") from None


def _records(lines: Iterator[str], sep: str) -> Iterator[tuple[list[str], str, int]]:
    """``(fields, problem, first line number)`` per logical record (1-based line numbers)."""
    buffered: list[str] = []  # lines read ahead while looking for a closing quote
    lineno = 0

    def next_line() -> str | None:
        nonlocal lineno
        if buffered:
            line = buffered.pop(0)
        else:
            line = next(lines, None)
        if line is not None:
            lineno += 1
        return line

    while True:
        line = next_line()
        if line is None:
            return
        start = lineno
        if QUOTE not in line:
            yield line.rstrip("\r\n").split(sep), "", start
            continue
        text, problem = line.rstrip("\r\n"), ""
        if line.count(QUOTE) % 2:
            ahead: list[str] = []
            closed = False
            while len(ahead) < MAX_CONTINUATION_LINES:
                extra = buffered.pop(0) if buffered else next(lines, None)
                if extra is None:
                    break
                ahead.append(extra)
                if extra.count(QUOTE) % 2:
                    closed = True
                    break
            joined = "".join([line, *ahead]).rstrip("\r\n") if closed else None
            if joined is not None and _strictly_quoted(joined, sep):
                text = joined
                lineno += len(ahead)
            else:  # no closing quote, or only the opening quote of a later line's field
                buffered[:0] = ahead  # give the lines back: each is a record of its own
                problem = f"line {start}: unbalanced quote (no closing quote)"
        try:
            fields = next(csv.reader([text], delimiter=sep, strict=False), [])
        except csv.Error as exc:
            fields, problem = text.split(sep), problem or f"line {start}: {exc}"
        yield fields, problem, start


def read_header(path: Path, sep: str, gz: bool, encoding: str | None = None) -> list[str]:
    """The column names of a delimited file (its first record).

    Raises:
        InputError: if the file is empty or cannot be read.
    """
    return _header(path, next(_records(_lines(path, gz, encoding), sep), None))


def _header(path: Path, record: tuple[list[str], str, int] | None) -> list[str]:
    """Column names from the first record; refuses a missing, nameless or malformed header."""
    if record is None:
        raise InputError(f"{path}: the file is empty (a header line is needed)")
    if not any(name.strip() for name in record[0]):
        raise InputError(f"{path}: the first line (the header) names no column")
    if record[1]:  # e.g. an unbalanced quote: the column names themselves are unsure
        raise InputError(f"{path}: the header is malformed ({record[1]}); fix its first line")
    return _unique(record[0])


def _strictly_quoted(text: str, sep: str) -> bool:
    """Whether a record spanning lines is well quoted: every closing quote is followed by a
    separator or the end (a stray quote that pairs with the opening quote of a field some
    lines further down fails this)."""
    try:
        next(csv.reader([text], delimiter=sep, strict=True), [])
    except csv.Error:
        return False
    return True


def record_chunks(path: Path, sep: str, gz: bool, chunk_size: int,
                  encoding: str | None = None) -> Iterator[pd.DataFrame]:
    """DataFrames of at most ``chunk_size`` records (every column ``str``, global row numbers
    as index), malformed records kept with their reasons in ``attrs[INPUT_ERRORS]``.

    Raises:
        InputError: if the file is empty (no header) or cannot be read.
    """
    records = _records(_lines(path, gz, encoding), sep)
    columns = _header(path, next(records, None))
    width = len(columns)
    rows: list[list[str]] = []
    errors: dict[int, str] = {}
    start = 0
    for fields, problem, line in records:
        if len(fields) != width and not problem:
            if not fields or fields == [""]:
                fields = []  # a blank line: a row of empty cells, as pandas reads it
            else:
                problem = (f"line {line}: {len(fields)} fields where the header has {width} "
                           "(an unquoted separator inside a value?)")
        if problem:
            errors[start + len(rows)] = f"malformed input {problem}"
        rows.append((fields + [""] * width)[:width])
        if len(rows) == chunk_size:
            yield _frame(rows, columns, start, errors)
            start += len(rows)
            rows, errors = [], {}
    if rows or start == 0:
        yield _frame(rows, columns, start, errors)


def _frame(rows: list[list[str]], columns: list[str], start: int, errors: dict[int, str]
           ) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns, dtype=str)
    frame.index = pd.RangeIndex(start, start + len(rows))
    frame.attrs[INPUT_ERRORS] = dict(errors)
    return frame


def _unique(header: list[str]) -> list[str]:
    """Header names with duplicates suffixed as pandas does (``a``, ``a.1``, ...)."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def with_local_rows(chunk: pd.DataFrame) -> pd.DataFrame:
    """``chunk`` re-indexed from 0, its ``attrs[INPUT_ERRORS]`` keyed by the new positions
    (what the screening executors index rows by)."""
    bad = chunk.attrs.get(INPUT_ERRORS) or {}
    first = int(chunk.index[0]) if len(chunk) else 0
    out = chunk.reset_index(drop=True)
    out.attrs[INPUT_ERRORS] = {row - first: why for row, why in bad.items()}
    return out
