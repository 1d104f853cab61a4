"""MoleculeTable: the rows of an input file with its SMILES column and target columns named."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from molpred.exceptions import InputError


@dataclass
class MoleculeTable:
    """Every row of a molecule file, in input order, with the SMILES and target columns named.

    Rows are never dropped: an empty or unparsable SMILES stays a row so that predictions and
    reports line up 1:1 with the input.

    Attributes:
        frame: Every input column, in input order; index ``0..N-1``.
        smiles_col: Name of the SMILES column in ``frame``.
        targets: Names of the task columns (empty for prediction input).

    Raises:
        InputError: if ``smiles_col`` or a target is not a column of ``frame``.
    """

    frame: pd.DataFrame
    smiles_col: str
    targets: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        columns = list(self.frame.columns)
        for name in [self.smiles_col, *self.targets]:
            if name not in columns:
                raise InputError(f"no column {name!r} in the table; columns are {columns}")

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def smiles(self) -> list:
        """Raw values of the SMILES column, length N (may hold ``""``, NaN or ``None``)."""
        return self.frame[self.smiles_col].tolist()

    @property
    def y(self) -> np.ndarray:
        """Targets as a float32 array of shape ``[N, len(targets)]``; NaN marks a missing label.

        Empty cells (and pandas' usual NA spellings) are missing, never 0.

        Raises:
            InputError: naming the column, the row (1-based, header excluded) and the value of
                the first target cell that is not a number or is infinite.
        """
        out = np.empty((len(self.frame), len(self.targets)), dtype=np.float32)
        for j, col in enumerate(self.targets):
            out[:, j] = _numeric_column(self.frame[col], col)
        return out


def _numeric_column(values: pd.Series, col: str) -> np.ndarray:
    """One target column as float64 with NaN for missing cells.

    Raises:
        InputError: naming the column, the 1-based row and the value of the first cell that
            is not a number or is infinite (``inf``, ``-Infinity``, ``1e999``).
    """
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return _finite(values.to_numpy(dtype=np.float64, na_value=np.nan), values, col)
    numbers, _, first_bad = read_numbers(values)
    if first_bad is not None:
        row, cell = first_bad
        raise InputError(f"target column {col!r}, data row {row + 1}: {cell!r} is not a number "
                         f"({not_a_number_hint(cell)})")
    return _finite(numbers, values, col)


def read_numbers(values: pd.Series) -> tuple[np.ndarray, float, tuple[int, str] | None]:
    """A text column read as label numbers: ``(float64 [N]`` with NaN for empty cells and
    cells that are not numbers, the share of non-empty cells that are numbers, ``(row,
    cell)`` of the first that is not, or ``None``)``. Cells are stripped; ``""`` is empty."""
    text = values.astype(object).where(values.notna(), None)
    text = text.map(lambda v: v.strip() if isinstance(v, str) else v).replace("", None)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = np.flatnonzero((numbers.isna() & text.notna()).to_numpy())
    present = int(text.notna().sum())
    share = (present - len(bad)) / present if present else 1.0
    first_bad = (int(bad[0]), text.iloc[bad[0]]) if len(bad) else None
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan), share, first_bad


_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]*,[0-9]+")
_QUALIFIED = re.compile(r"(<=?|>=?|≤|≥|~)\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_CLASS_WORDS = {"active": "1", "inactive": "0", "yes": "1", "no": "0", "positive": "1",
                "negative": "0", "pos": "1", "neg": "0", "toxic": "1", "non-toxic": "0",
                "nontoxic": "0", "true": "1", "false": "0"}


def not_a_number_hint(cell: object) -> str:
    """What to do about a target cell that is not a number, for an error message: a decimal
    comma (``"1,5"``), a censored value (``">10"``), a class word (``"active"``), or else
    an empty cell for a missing label."""
    text = str(cell).strip()
    if _DECIMAL_COMMA.fullmatch(text):
        point = text.replace(",", ".")
        if re.fullmatch(r"[+-]?[0-9]{1,3},[0-9]{3}", text):  # 1,500: or thousands?
            return f"a decimal comma or a thousands separator? write {point} or {text.replace(',', '')}"
        return f"a decimal comma? write {point}"
    if _QUALIFIED.fullmatch(text):
        return ("a censored value: molpred learns exact values; keep the number without "
                f"{re.match(r'<=?|>=?|≤|≥|~', text).group()!r} or leave the cell empty")
    if text.lower() in _CLASS_WORDS:
        return (f"binary labels are 1 and 0: write {_CLASS_WORDS[text.lower()]} for "
                f"{text!r}, and so on")
    return "leave the cell empty for a missing label"


def _finite(numbers: np.ndarray, values: pd.Series, col: str) -> np.ndarray:
    """``numbers``, unless a cell is infinite, or too large for the float32 labels (a label no
    loss or scaler can use)."""
    infinite = np.flatnonzero(np.abs(np.nan_to_num(numbers)) > np.finfo(np.float32).max)
    if infinite.size:
        row = int(infinite[0])
        raise InputError(f"target column {col!r}, data row {row + 1}: {values.iloc[row]!r} is "
                         "infinite (or beyond float32); a label must be a finite number (or an "
                         "empty cell)")
    return numbers
