"""Which screened rows reach the output: a boolean filter and a bounded top-K ranking.

Both work chunk by chunk so memory stays bounded: :class:`RowFilter` drops the rows of a
chunk that do not match an expression; :class:`TopK` keeps, across all chunks, the K rows
with the highest (or lowest) value of one column by merging each chunk's best K into a
running best K (ties keep input order).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from molpred.exceptions import InputError

_QUOTED = r"`[^`]*`|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""


def quote_columns(expression: str, columns: Sequence[str]) -> str:
    """Back-quote the known column names in ``expression`` so pandas can read them.

    Task names such as ``SR-MMP`` or ``NR-AhR`` contain ``-``, which ``DataFrame.eval`` would
    read as a minus. Every occurrence of a known column name (longest names first, not part
    of a longer word, not inside quotes or back-quotes) is wrapped in back-quotes.

    Args:
        expression: e.g. ``"SR-MMP < 0.3 and qed > 0.5"``.
        columns: The column names of the frames the expression will run on.

    Returns:
        e.g. ``"`SR-MMP` < 0.3 and `qed` > 0.5"``.
    """
    names = sorted({str(c) for c in columns if str(c)}, key=len, reverse=True)
    if not names:
        return expression
    alternatives = "|".join(re.escape(n) for n in names)
    pattern = re.compile(rf"({_QUOTED})|(?<![\w.])({alternatives})(?!\w)")

    def replace(match: re.Match) -> str:
        return match.group(1) if match.group(1) is not None else f"`{match.group(2)}`"

    return pattern.sub(replace, expression)


class RowFilter:
    """Keep the rows matching a boolean expression over the output columns.

    The expression uses ``DataFrame.eval`` syntax: comparisons (``<``, ``<=``, ``==``,
    ``!=``, ``>=``, ``>``), ``and``, ``or``, ``not``, parentheses, numbers and quoted
    strings. Column names are used as written (``SR-MMP < 0.3``). A comparison with a
    missing value (a row that failed) is false, so failed rows never match.

    Args:
        expression: e.g. ``"SR-MMP < 0.3 and NR-AR < 0.5"``.
        template: A (typically zero-row) frame with the output columns and dtypes; the
            expression is checked on it at once, before any long run.

    Raises:
        InputError: blank or invalid expression, unknown column, or a result that is not
            one true/false per row (checked on ``template`` and on every chunk).
    """

    def __init__(self, expression: str, template: pd.DataFrame) -> None:
        self.expression = expression.strip()
        if not self.expression:
            raise InputError("--filter is empty; give an expression such as 'SR-MMP < 0.3'")
        self._quoted = quote_columns(self.expression, template.columns)
        self.mask(template)

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """Boolean array, True for the rows of ``frame`` that match (shape ``[len(frame)]``).

        Raises:
            InputError: as the class.
        """
        try:
            result = frame.eval(self._quoted, engine="python", local_dict={}, global_dict={})
        except Exception as exc:  # pandas raises SyntaxError, NameError, TypeError, ...
            message = " ".join(str(exc).split())
            if type(exc).__name__ == "UndefinedVariableError" or isinstance(exc, NameError):
                message = f"{message}; known columns: {', '.join(map(str, frame.columns))}"
            raise InputError(f"bad --filter {self.expression!r}: {message}") from None
        if not isinstance(result, pd.Series) or not (
                pd.api.types.is_bool_dtype(result) or (len(result) == 0
                                                       and result.dtype == object)):
            raise InputError(f"bad --filter {self.expression!r}: it must be a condition that "
                             "is true or false for each row, e.g. 'SR-MMP < 0.3'")
        return result.fillna(False).to_numpy(dtype=bool)

    def apply(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
        """``(matching rows of frame, number of rows that did not match)``."""
        keep = self.mask(frame)
        return frame[keep], int((~keep).sum())


class TopK:
    """The K rows with the highest (or lowest) value of a column, over many chunks.

    Rows with an error, or with a missing or non-numeric value in the column, cannot rank
    and are left out. Feed chunks to :meth:`add` in input order; :attr:`best` is then the
    result, sorted best first (ties in input order). Memory: at most ``K`` rows plus one
    chunk.

    Args:
        k: How many rows to keep (>= 1).
        column: The column to rank by (a task, a drug-likeness column, any numeric column).
        ascending: Keep the lowest values (e.g. a toxicity probability) instead of the
            highest.
        error_column: Rows with a non-empty value here are left out.
        columns: The output columns, to check ``column`` before the run (optional).

    Raises:
        InputError: ``k`` < 1 or ``column`` not among ``columns``.
    """

    def __init__(self, k: int, column: str, ascending: bool = False,
                 error_column: str = "error", columns: Sequence[str] | None = None) -> None:
        if k < 1:
            raise InputError(f"--top must be at least 1, not {k}")
        if columns is not None and column not in columns:
            raise InputError(f"--sort-by {column!r} is not an output column; choose one of "
                             f"{', '.join(map(str, columns))}")
        self.k, self.column, self.ascending, self.error_column = k, column, ascending, error_column
        self.best: pd.DataFrame | None = None

    def select(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The best ``k`` rows of one frame, sorted best first (ties keep frame order)."""
        key = pd.to_numeric(frame[self.column], errors="coerce").astype(np.float64)
        if self.error_column in frame.columns:
            failed = frame[self.error_column].fillna("").astype(str) != ""
            key = key.mask(failed.to_numpy())
        key = key.reset_index(drop=True).dropna()
        order = key.sort_values(ascending=self.ascending, kind="stable").index[: self.k]
        return frame.iloc[order].reset_index(drop=True)

    def add(self, frame: pd.DataFrame) -> None:
        """Merge a frame (rows later in the input than those seen so far) into :attr:`best`."""
        if self.best is None or self.best.empty:
            merged = frame
        elif frame.empty:
            return
        else:
            merged = pd.concat([self.best, frame], ignore_index=True)
        self.best = self.select(merged)
