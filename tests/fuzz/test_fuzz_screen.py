"""Fuzzing of the file readers and ``screen``: generated SMILES cells, raw bytes in cells and
random bytes as whole files. Either every input data row comes out once, in order, with
predictions or a non-empty error, or (only for a file that is not a readable table) a clean
one-line :class:`~molpred.exceptions.InputError` naming the file; the CLI never shows a
traceback.

"Input data row" is what a CSV parser makes of the file: quoted newlines stay in their cell.
The reference is the ``csv`` module for files written by ``csv.writer`` and a one-shot
``pandas.read_csv`` (the parser molpred uses, here without chunks) for raw bytes.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
from fuzz_strategies import csv_cells, csv_rows, fuzz, pandas_rows, write_csv
from hypothesis import example, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from molpred.data import iter_table_chunks, read_table
from molpred.exceptions import InputError
from molpred.screening.engine import screen
from molpred_cli.app import app

HEADER = b"id,smiles\n"
STRUCTURE = b',"\r\n'
"""Bytes that change the row/field structure of a CSV file."""


def _ids(n: int) -> list[str]:
    return [f"r{i}" for i in range(n)]


def _run_screen(predictor, src: Path, chunk_size: int, **kwargs) -> pd.DataFrame:
    dst = src.with_name("hits.parquet")
    report = screen(predictor, src, dst, chunk_size=chunk_size, batch_size=4, workers=1,
                    device="cpu", **kwargs)
    hits = pd.read_parquet(dst)
    assert report.rows == len(hits)
    assert report.errors == int((hits["error"] != "").sum())
    return hits


def _check_results(hits: pd.DataFrame) -> None:
    """Each row: a probability and no error, or NaN and a non-empty one-line error."""
    for value, error in zip(hits["p_np"], hits["error"]):
        if error:
            assert math.isnan(value) and error.strip() and "\n" not in error, (value, error)
        else:
            assert 0.0 <= value <= 1.0, (value, error)


def _fresh(tmp_path: Path, name: str, data: bytes) -> Path:
    for old in tmp_path.iterdir():  # files and the screen's OUTPUT.partial/ work folder
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- well-formed CSV, any cells
@fuzz(60)
@given(cells=st.lists(csv_cells, max_size=12), chunk_size=st.integers(1, 5))
@example(cells=['C\nC', '"', "", "a,b", "C\r\nC", "NA", "\x00", "CCO"], chunk_size=2)
@example(cells=[], chunk_size=1)
def test_screen_quoted_csv_keeps_every_row(fuzz_predictor, tmp_path, cells, chunk_size):
    data = write_csv([(i, c) for i, c in zip(_ids(len(cells)), cells)])
    assert len(csv_rows(data)) == len(cells) + 1  # the reference: header + one row per cell
    src = _fresh(tmp_path, "library.csv", data)
    hits = _run_screen(fuzz_predictor, src, chunk_size, smiles_col="smiles")
    assert hits["id"].tolist() == _ids(len(cells))
    assert hits["smiles"].tolist() == cells
    _check_results(hits)
    whole = read_table(src, smiles_col="smiles")
    assert len(whole.frame) == len(cells)


# ---------------------------------------------------------------- raw bytes in SMILES cells
def _raw_csv(cells: list[bytes]) -> bytes:
    return HEADER + b"".join(b"%s,%s\n" % (i.encode(), c) for i, c in zip(_ids(len(cells)), cells))


safe_bytes = st.binary(max_size=30).map(lambda b: bytes(c for c in b if c not in STRUCTURE))


@fuzz(60)
@given(cells=st.lists(safe_bytes, max_size=10), chunk_size=st.integers(1, 4))
@example(cells=[b"\xff\xfeCC", b"C\x00C", b"\xc3(", b"CCO"], chunk_size=1)
def test_screen_raw_bytes_cells_keep_every_row(fuzz_predictor, tmp_path, cells, chunk_size):
    """Bytes that leave the CSV structure alone (no comma, quote or newline), invalid UTF-8
    and NUL included: exactly one output row per generated row."""
    src = _fresh(tmp_path, "library.csv", _raw_csv(cells))
    hits = _run_screen(fuzz_predictor, src, chunk_size, smiles_col="smiles")
    assert hits["id"].tolist() == _ids(len(cells))
    _check_results(hits)


@fuzz(60)
@given(cells=st.lists(st.binary(max_size=30), max_size=10), chunk_size=st.integers(1, 4))
@example(cells=[b'"C\nC', b"C,C"], chunk_size=1)
@example(cells=[b'"', b'"\x00'], chunk_size=1)  # a byte after a closing quote
def test_screen_raw_bytes_with_structure_matches_the_parser(fuzz_predictor, tmp_path, cells,
                                                            chunk_size):
    """Any bytes: what pandas reads in one go, row for row; where pandas gives up on the whole
    file (unterminated quote, too many fields), or where its C reader is laxer than RFC 4180
    (a character after a closing quote, which pandas' strict Python reader refuses), the
    screen goes on and the malformed lines come out as rows with a "malformed input" error
    and no prediction."""
    data = _raw_csv(cells)
    src = _fresh(tmp_path, "library.csv", data)
    try:
        pandas_rows(data, engine="python")  # strict RFC 4180: refuses what is malformed
        reference = pandas_rows(data)
    except (pd.errors.ParserError, csv.Error):
        hits = _run_screen(fuzz_predictor, src, chunk_size, smiles_col="smiles")
        malformed = hits["error"].astype(str).str.startswith("malformed input")
        assert malformed.any()
        _check_results(hits)
        return
    hits = _run_screen(fuzz_predictor, src, chunk_size, smiles_col="smiles")
    assert hits["id"].tolist() == reference["id"].tolist()
    assert hits["smiles"].tolist() == reference["smiles"].tolist()
    _check_results(hits)


# ---------------------------------------------------------------- random bytes as a file
def _expected_smi_rows(data: bytes) -> list[str]:
    """SMILES of a .smi file: first field per line (universal newlines), blank lines inside
    are rows, trailing blank lines are not, a first line starting with ``smiles`` is a header."""
    lines = list(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace"))
    fields = [line.split(maxsplit=1) for line in lines]
    if fields and fields[0] and fields[0][0].lower() == "smiles":
        fields = fields[1:]
    while fields and not fields[-1]:
        fields.pop()
    return [f[0] if f else "" for f in fields]


@fuzz(60)
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".smi", ".csv.gz",
                                                             ".smi.gz", "gzip.csv.gz",
                                                             "gzip.smi.gz"]))
@example(data=b"", suffix=".csv.gz")
@example(data=b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff\xcbL", suffix=".smi.gz")
@example(data=b"\n\x00", suffix=".csv")  # an empty header line: no columns (was an unnamed error)
@example(data=b",\x00", suffix=".csv")  # an unnamed first column: pandas calls it "Unnamed: 0"
@example(data=b"\t", suffix=".csv")  # a header of empty tab-separated names: refused
@example(data=b"\xef", suffix=".csv")  # a lone byte of a UTF-8 byte-order mark: refused
@example(data=b'"\x00', suffix=".csv")  # a header with an unbalanced quote: refused
def test_random_file_is_read_fully_or_refused_cleanly(fuzz_predictor, tmp_path, data, suffix):
    """Random bytes as the whole file: a full accounting, or an InputError naming the file.
    ``gzip.*`` compresses the bytes properly (the content is random, the gzip stream valid);
    plain ``.gz`` writes the random bytes themselves (a broken gzip stream)."""
    compressed = suffix.startswith("gzip")
    name = "library" + suffix.removeprefix("gzip")
    src = _fresh(tmp_path, name, gzip.compress(data) if compressed else data)
    plain = data if (compressed or not name.endswith(".gz")) else None
    if plain is None and data:  # random bytes are never a valid gzip stream
        with pytest.raises(InputError, match="library"):
            _run_screen(fuzz_predictor, src, 3)
        return
    plain = plain or b""
    if ".smi" in name:
        hits = _run_screen(fuzz_predictor, src, 3)
        assert hits["smiles"].tolist() == _expected_smi_rows(plain)
        _check_results(hits)
        return
    try:
        reference = pandas_rows(plain)
    except pd.errors.ParserError:  # pandas gives up on the file; the screen keeps every line
        try:
            hits = _run_screen(fuzz_predictor, src, 3)
        except InputError as exc:  # or refuses it whole, naming it (no usable header)
            assert "library" in str(exc)
            return
        assert hits["error"].astype(str).str.startswith("malformed input").any()
        _check_results(hits)
        return
    except pd.errors.EmptyDataError:
        reference = None
    if reference is None or reference.columns.empty:  # not a table, or no column to read
        with pytest.raises(InputError, match="library"):
            _run_screen(fuzz_predictor, src, 3)
        return
    try:
        hits = _run_screen(fuzz_predictor, src, 3)
    except InputError as exc:  # refused whole, naming the file (a guessed SMILES column
        assert "library" in str(exc) and "\n" not in str(exc)  # without SMILES, no header...)
        return
    assert len(hits) == len(reference)
    # the first column by position: pandas names an empty header cell "Unnamed: 0", molpred
    # keeps it as written (empty)
    assert hits.iloc[:, 0].tolist() == reference.iloc[:, 0].tolist()


@fuzz(40)
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".parquet", ".sdf", ".sdf.gz"]))
@example(data=b"PAR1" + b"\x00" * 8 + b"PAR1", suffix=".parquet")
@example(data=b"\n\n\n$$$$\nCCO\n$$$$\n", suffix=".sdf")
def test_random_parquet_or_sdf_file_is_read_or_refused_cleanly(fuzz_predictor, tmp_path, data,
                                                               suffix):
    """Random bytes are never a Parquet file: refused with an InputError naming it, never a
    pyarrow traceback. As an SDF file they are records RDKit reads or rejects one by one:
    every record a row with a prediction or a reason, or an InputError naming the file."""
    name = "library" + suffix
    src = _fresh(tmp_path, name, gzip.compress(data) if suffix.endswith(".gz") else data)
    if suffix == ".parquet":
        with pytest.raises(InputError, match=r"library\.parquet"):
            _run_screen(fuzz_predictor, src, 3)
        return
    try:
        hits = _run_screen(fuzz_predictor, src, 3)
    except InputError as exc:
        assert name in str(exc)
        return
    _check_results(hits)


def test_corrupt_gzip_streams_are_input_errors(fuzz_predictor, tmp_path):
    """Regression: a flipped byte in a deflate block raised ``zlib.error`` (not an OSError)
    from the CSV reader, and every gzip/EOF error escaped the .smi reader unwrapped."""
    good = gzip.compress(b"id,smiles\n" + b"r,CCO\n" * 50)
    corrupt = good[:10] + bytes([good[10] ^ 0xFF]) + good[11:]  # zlib.error
    bad_crc = good[:20] + bytes([good[20] ^ 0xFF]) + good[21:]
    for content in (corrupt, bad_crc, good[:30], b"not gzip"):
        for name in ("library.csv.gz", "library.smi.gz"):
            src = _fresh(tmp_path, name, content)
            with pytest.raises(InputError, match=name):
                _run_screen(fuzz_predictor, src, 3)
            with pytest.raises(InputError, match=name):
                list(iter_table_chunks(src, chunk_size=3))
            with pytest.raises(InputError, match=name):
                read_table(src)


# ---------------------------------------------------------------- the CLI
def _cli(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


@fuzz(25)
@given(cells=st.lists(csv_cells, max_size=8),
       raw=st.binary(max_size=300),
       suffix=st.sampled_from([".csv", ".csv.gz", ".smi"]))
def test_cli_screen_never_shows_a_traceback(fuzz_model_dir, tmp_path, cells, raw, suffix):
    """``molpred screen`` on a generated CSV (every row out) and on random bytes (every row
    out, or exit code 1 with one ``error: ...`` line naming the file)."""
    src = _fresh(tmp_path, "library.csv", write_csv(list(zip(_ids(len(cells)), cells))))
    dst = tmp_path / "hits.parquet"
    result = _cli("screen", "-m", fuzz_model_dir, "-i", src, "-o", dst, "--smiles-col", "smiles",
                  "--chunk-size", 3, "--workers", 1, "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert pd.read_parquet(dst)["id"].tolist() == _ids(len(cells))

    src = _fresh(tmp_path, "random" + suffix, raw)
    result = _cli("screen", "-m", fuzz_model_dir, "-i", src, "-o", dst, "--chunk-size", 3,
                  "--workers", 1, "--device", "cpu")
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        assert dst.exists()
        return
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "random" in lines[0], lines
