"""Which screened rows reach the output: a boolean filter and a bounded top-K ranking.

Both work chunk by chunk so memory stays bounded: :class:`RowFilter` drops the rows of a
chunk that do not match an expression; :class:`TopK` keeps, across all chunks, the K rows
with the highest (or lowest) value of one column by merging each chunk's best K into a
running best K (ties keep input order).
"""

from __future__ import annotations

import ast
import functools
import keyword
import operator
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from molpred.exceptions import InputError

_STRING = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
_QUOTED = rf"`[^`]*`|{_STRING}"


class RowFilter:
    """Keep the rows matching a boolean expression over the output columns.

    The expression is parsed with :mod:`ast` and evaluated by molpred itself over the
    columns (never by ``eval`` or ``DataFrame.eval``). Allowed: comparisons (``<``, ``<=``,
    ``==``, ``!=``, ``>=``, ``>``, chains such as ``0.2 < qed < 0.8``), ``and``, ``or``,
    ``not``, parentheses, ``+ - * /`` on numbers, unary ``-``/``+``, numbers, quoted text,
    ``True``/``False`` and column names, used as written (``SR-MMP < 0.3``) or back-quoted
    (`` `SR-MMP` ``). Anything else (attributes, calls, indexing, ...) is refused. A row
    that failed (non-empty ``error_column``) never matches; nor does a comparison with a
    missing value.

    Args:
        expression: e.g. ``"SR-MMP < 0.3 and NR-AR < 0.5"``.
        template: A (typically zero-row) frame with the output columns and dtypes; the
            expression is checked on it at once, before any long run.
        error_column: Rows with a non-empty value in this column never match.

    Raises:
        InputError: blank or invalid expression, a construct that is not allowed, unknown
            column, text compared with a number, or a result that is not one true/false
            per row (checked on ``template`` and on every chunk).
    """

    def __init__(self, expression: str, template: pd.DataFrame,
                 error_column: str = "error") -> None:
        self.expression = expression.strip()
        self.error_column = error_column
        if not self.expression:
            raise InputError("--filter is empty; give an expression such as 'SR-MMP < 0.3'")
        self._columns = [str(c) for c in template.columns]
        text, self._names = _substitute(self.expression, self._columns, self._fail)
        try:
            self._tree = ast.parse(text.strip(), mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            detail = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
            self._fail(" ".join(str(detail).split()))
        self._validate(self._tree)
        self.mask(template)

    def _fail(self, message: str) -> None:
        raise InputError(f"bad --filter {self.expression!r}: {message}")

    def _validate(self, node: ast.AST) -> None:
        """Refuse every construct but the few a condition needs (one-line InputError)."""
        stack = [node]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Name):
                if node.id not in self._names:
                    self._fail(f"unknown column {node.id!r}; known columns: "
                               f"{', '.join(self._columns)}")
            elif isinstance(node, ast.Constant):
                if type(node.value) not in (bool, int, float, str):
                    self._fail(f"the constant {node.value!r} is not allowed; use numbers or "
                               "quoted text")
            elif isinstance(node, ast.BoolOp | ast.UnaryOp | ast.Compare | ast.BinOp):
                stack.extend(ast.iter_child_nodes(node))
            elif isinstance(node, ast.boolop | ast.unaryop | ast.cmpop | ast.operator):
                if type(node) not in _OPERATORS:
                    self._fail(f"the operator {_SYMBOLS.get(type(node), type(node).__name__)}"
                               " is not allowed; use < <= == != >= > and or not + - * /")
            else:
                what = _REFUSED.get(type(node), f"{type(node).__name__} expressions")
                self._fail(f"not allowed: {what}; use column names, numbers, quoted text, "
                           "comparisons, and/or/not, + - * / and parentheses")

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """Boolean array, True for the rows of ``frame`` that match (shape ``[len(frame)]``).

        Raises:
            InputError: as the class.
        """
        try:
            result = self._evaluate(self._tree, frame)
        except InputError:
            raise
        except Exception as exc:  # TypeError, ZeroDivisionError, RecursionError, ...
            self._fail(" ".join(str(exc).split()) or type(exc).__name__)
        if not isinstance(result, pd.Series) or _kind(result) != "bool":
            self._fail("it must be a condition that is true or false for each row, "
                       "e.g. 'SR-MMP < 0.3'")
        return result.fillna(False).to_numpy(dtype=bool, copy=True)

    def apply(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
        """``(matching rows of frame, number of rows that did not match)``; rows that
        failed (non-empty error column) never match."""
        keep = self.mask(frame)
        if self.error_column in frame.columns:
            keep = keep & (frame[self.error_column].fillna("").astype(str) == "").to_numpy()
        return frame[keep], int((~keep).sum())

    def _evaluate(self, node: ast.AST, frame: pd.DataFrame):
        """Value of a validated node: a Series (one value per row) or a Python scalar."""
        if isinstance(node, ast.Name):
            return frame[self._names[node.id]].reset_index(drop=True)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.BoolOp):
            values = [self._need(self._evaluate(v, frame), "bool", "and/or") for v in node.values]
            combine = operator.and_ if isinstance(node.op, ast.And) else operator.or_
            return functools.reduce(combine, values)
        if isinstance(node, ast.UnaryOp):
            value = self._evaluate(node.operand, frame)
            if isinstance(node.op, ast.Not):
                value = self._need(value, "bool", "not")
                return ~value if isinstance(value, pd.Series) else not value
            value = self._need(value, "number", "unary - or +")
            return -value if isinstance(node.op, ast.USub) else +value
        if isinstance(node, ast.BinOp):
            left = self._need(self._evaluate(node.left, frame), "number", "+ - * /")
            right = self._need(self._evaluate(node.right, frame), "number", "+ - * /")
            return _OPERATORS[type(node.op)](left, right)
        if isinstance(node, ast.Compare):
            result, left = None, self._evaluate(node.left, frame)
            for op, item in zip(node.ops, node.comparators):
                right = self._evaluate(item, frame)
                kinds = {_kind(left), _kind(right)}
                if len(kinds) > 1 and kinds != {"bool", "number"}:
                    self._fail(f"cannot compare {' with '.join(sorted(kinds))} "
                               "(input columns are text: quote the value, e.g. id == '30')")
                step = _OPERATORS[type(op)](left, right)
                result = step if result is None else result & step
                left = right
            return result
        raise AssertionError(f"unvalidated node {type(node).__name__}")  # _validate refused it

    def _need(self, value, kind: str, what: str):
        if _kind(value) != kind:
            wanted = "conditions" if kind == "bool" else "numbers"
            self._fail(f"{what} needs {wanted}, not {_kind(value)}")
        return value


def _kind(value) -> str:
    """``bool``, ``number`` or ``text``: what a Series (by dtype) or scalar holds."""
    if isinstance(value, pd.Series):
        if pd.api.types.is_bool_dtype(value.dtype):
            return "bool"
        return "number" if pd.api.types.is_numeric_dtype(value.dtype) else "text"
    if isinstance(value, bool | np.bool_):
        return "bool"
    return "number" if isinstance(value, int | float | np.number) else "text"


def _substitute(expression: str, columns: Sequence[str], fail) -> tuple[str, dict[str, str]]:
    """Replace back-quoted and bare known column names by placeholder identifiers.

    Returns ``(text for ast.parse, {placeholder: column})``. Bare names are replaced
    longest first, not inside quotes and not as part of a longer word; names that are
    Python keywords or start like a number are only recognized back-quoted.
    """
    placeholders = {name: f"_c{i}_" for i, name in enumerate(columns)}
    bare = [n for n in columns if n and not keyword.iskeyword(n) and n not in ("True", "False")
            and not re.match(r"[\d.]", n)]
    bare.sort(key=len, reverse=True)
    alternatives = "|".join(re.escape(n) for n in bare) or r"(?!)"
    pattern = re.compile(rf"`([^`]*)`|({_STRING})|(?<![\w.])({alternatives})(?!\w)")

    def replace(match: re.Match) -> str:
        if match.group(2) is not None:
            return match.group(2)
        name = match.group(1) if match.group(1) is not None else match.group(3)
        if name not in placeholders:
            fail(f"unknown column {name!r}; known columns: {', '.join(columns)}")
        return f" {placeholders[name]} "

    text = pattern.sub(replace, expression)
    return text, {p: name for name, p in placeholders.items()}


_OPERATORS = {
    ast.And: operator.and_, ast.Or: operator.or_, ast.Not: operator.not_,
    ast.USub: operator.neg, ast.UAdd: operator.pos,
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Eq: operator.eq, ast.NotEq: operator.ne,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_SYMBOLS = {ast.Pow: "**", ast.Mod: "%", ast.FloorDiv: "//", ast.BitAnd: "&", ast.BitOr: "|",
            ast.BitXor: "^", ast.Invert: "~", ast.LShift: "<<", ast.RShift: ">>",
            ast.MatMult: "@", ast.In: "in", ast.NotIn: "not in", ast.Is: "is",
            ast.IsNot: "is not"}
_REFUSED = {ast.Attribute: "attributes (.name)", ast.Call: "function calls",
            ast.Subscript: "indexing ([...])", ast.Lambda: "lambdas",
            ast.List: "lists", ast.Tuple: "tuples", ast.Set: "sets", ast.Dict: "dicts",
            ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
            ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
            ast.IfExp: "if-else expressions", ast.NamedExpr: "assignments (:=)",
            ast.JoinedStr: "f-strings", ast.Starred: "starred expressions",
            ast.Await: "await expressions", ast.Yield: "yield expressions",
            ast.YieldFrom: "yield expressions", ast.Slice: "slices"}


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
