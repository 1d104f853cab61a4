"""Hypothesis strategies shared by the fuzz tests: arbitrary text, mutated real SMILES, CSV
cells that stress quoting, and the files built from them."""

from __future__ import annotations

import csv
import io

import pandas as pd
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from tests_support import DATA_DIR


def fuzz(examples: int) -> settings:
    """Settings of a fuzz test: ``examples`` inputs, no per-input deadline (featurizing or
    screening one input can take seconds), fixtures of function scope allowed (they are
    read-only paths here), and derandomized: the test suite draws the same inputs on every
    run, so CI is reproducible; ``benchmarks/fuzz_screen.py`` draws new ones at scale."""
    return settings(max_examples=examples, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

_FALLBACK = ["CC(=O)Oc1ccccc1C(=O)O", "Cn1cnc2c1c(=O)n(C)c(=O)n2C", "CCCC(CCC)C(=O)[O-].[Na+]",
             "C[C@H](N)C(=O)O", "c1ccc2ccccc2c1", "[NH4+].[Cl-]", "O=S(=O)(O)CCN1CCOCC1"]


def _real_smiles() -> list[str]:
    try:
        return pd.read_csv(DATA_DIR / "tox21.csv", usecols=["smiles"])["smiles"].dropna().tolist()
    except (OSError, ValueError):
        return _FALLBACK


REAL_SMILES = _real_smiles()
"""Real SMILES (all of Tox21 when the shared datasets are there)."""

TOKENS = [
    "C", "N", "O", "S", "P", "F", "Cl", "Br", "I", "B", "c", "n", "o", "s", "p", "*", "H",
    "[", "]", "(", ")", "=", "#", "-", "+", ":", "/", "\\", ".", "~", "$", "@", "@@", ">", "<",
    "1", "2", "9", "0", "%10", "%99", "%", "%0", "%100", "[13C]", "[2H]", "[0C]", "[999U]",
    "[C+]", "[N+5]", "[O-2]", "[Fe+2]", "[H+]", "[C@@H]", "[C@TH1]", "[C@SP3]", "[nH]", "[CH4+9]",
    "[Xx]", "[*+]", "[C:1]", "[C:99999]", "[123456789C]", "c1ccccc1", "C1CC1", "C=1", "C%99C%99",
    " ", "\t", "\n", "\x00", "é", "→",
]
"""Pieces of SMILES syntax (and of non-SMILES) to splice into real SMILES."""


@st.composite
def mutated_smiles(draw: st.DrawFn) -> str:
    """A real SMILES changed by 1-5 edits: delete, insert, replace, swap, duplicate a slice,
    bracket an atom with isotope/charge/chirality/map number, or repeat the whole string."""
    s = draw(st.sampled_from(REAL_SMILES))
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(["delete", "insert", "replace", "swap", "dup", "bracket",
                                   "repeat"]))
        i = draw(st.integers(0, max(0, len(s) - 1)))
        token = draw(st.sampled_from(TOKENS))
        if op == "delete" and s:
            s = s[:i] + s[i + 1:]
        elif op == "insert":
            s = s[:i] + token + s[i:]
        elif op == "replace" and s:
            s = s[:i] + token + s[i + 1:]
        elif op == "swap" and len(s) > 1:
            i = min(i, len(s) - 2)
            s = s[:i] + s[i + 1] + s[i] + s[i + 2:]
        elif op == "dup" and s:
            j = draw(st.integers(i, len(s)))
            s = s[:j] + s[i:j] + s[j:]
        elif op == "bracket" and s:
            iso = draw(st.sampled_from(["", "0", "2", "13", "999", "65535"]))
            charge = draw(st.sampled_from(["", "+", "-", "+2", "-3", "++", "+15"]))
            chir = draw(st.sampled_from(["", "@", "@@", "@OH30"]))
            hs = draw(st.sampled_from(["", "H", "H3", "H9"]))
            amap = draw(st.sampled_from(["", ":1", ":0", ":4294967296"]))
            atom = s[i] if s[i].isalpha() else "C"
            s = s[:i] + f"[{iso}{atom}{chir}{hs}{charge}{amap}]" + s[i + 1:]
        elif op == "repeat" and len(s) < 400:
            s = draw(st.sampled_from([".", "", "C"])).join([s] * draw(st.integers(2, 8)))
    return s


long_strings = st.builds(lambda unit, n: unit * n, st.sampled_from(["C", "c1ccccc1", "(", "CC(C)"]),
                         st.integers(800, 6000))
"""Very long (some over the 5,000-character limit) strings."""

short_smiles_text = st.one_of(
    st.text(),  # any unicode, control characters and NUL included
    st.text(alphabet=st.characters(codec="ascii")),
    st.lists(st.sampled_from(TOKENS), max_size=20).map("".join),
    mutated_smiles(),
    st.sampled_from(REAL_SMILES),
).filter(lambda s: len(s) <= 200)
"""SMILES-like text of at most 200 characters (cheap to featurize fully)."""

any_smiles_text = st.one_of(short_smiles_text, mutated_smiles(), long_strings)
"""What a SMILES cell may hold."""

csv_cells = st.one_of(
    short_smiles_text,
    st.sampled_from(["C" * 5001, "C" * 1500, "(" * 6000]),
    st.just(""),
    st.lists(st.sampled_from([",", '"', "\n", "\r", "\r\n", " ", "C", "NA", "#", "'"]),
             max_size=12).map("".join),
    st.sampled_from(["NA", "nan", "None", "null", "#N/A", '"', '""', ",", "\n", "smiles", "id"]),
)
"""SMILES cells for CSV files: also quotes, commas, newlines and NA spellings."""


def write_csv(rows: list[tuple[str, ...]], header: tuple[str, ...] = ("id", "smiles")) -> bytes:
    """The bytes of a CSV file written by the ``csv`` module (quoting as needed, UTF-8)."""
    buffer = io.StringIO(newline="")
    # "\r\n": with a "\n" line terminator Python 3.11's csv module leaves a lone "\r" unquoted
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def csv_rows(data: bytes) -> list[list[str]]:
    """Rows of ``data`` as the ``csv`` module reads them (header included)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8", "replace"), newline="")))


def pandas_rows(data: bytes, **kwargs: object) -> pd.DataFrame:
    """``data`` read in one go as molpred means to read a table: strings, nothing converted,
    blank lines kept, undecodable bytes replaced, and never the first column taken for an
    index (``index_col=False``: a row with one field too many is cut, as molpred's reader cuts
    it, which also flags that row as malformed)."""
    import warnings

    kwargs.setdefault("index_col", False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False,
                           skip_blank_lines=False, encoding_errors="replace", **kwargs)
