"""Train / validation / test splits as index arrays: random, Bemis-Murcko scaffold, from file.

A split is a dict ``{"train": idx, "val": idx, "test": idx}`` of sorted, disjoint int64 arrays
of 0-based data-row indices (header excluded), the format of
``benchmarks/splits/NAME.json``.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from molpred.chem.logs import quiet_rdkit
from molpred.exceptions import InputError

PARTS = ("train", "val", "test")
_ALIASES = {"valid": "val", "validation": "val"}


def part_name(part: str) -> str:
    """The split part ``part`` names: ``train``, ``val`` or ``test`` (any case; ``valid`` and
    ``validation`` mean ``val``).

    Raises:
        InputError: for anything else.
    """
    name = _ALIASES.get(str(part).lower(), str(part).lower())
    if name not in PARTS:
        raise InputError(f"part must be one of {', '.join(PARTS)}, not {part!r}")
    return name


def _check_sizes(sizes: Sequence[float]) -> tuple[float, float, float]:
    if len(sizes) != 3 or any(not math.isfinite(s) or s < 0 for s in sizes):
        raise InputError(f"split sizes must be three non-negative fractions, not {tuple(sizes)}")
    if not math.isclose(sum(sizes), 1.0, abs_tol=1e-6):
        raise InputError(f"split sizes must add up to 1, not {sum(sizes)} ({tuple(sizes)})")
    return float(sizes[0]), float(sizes[1]), float(sizes[2])


def _as_split(train: Any, val: Any, test: Any) -> dict[str, np.ndarray]:
    return {name: np.sort(np.asarray(part, dtype=np.int64).reshape(-1))
            for name, part in zip(PARTS, (train, val, test), strict=True)}


def random_split(
    n: int, sizes: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0
) -> dict[str, np.ndarray]:
    """Split rows ``0..n-1`` at random.

    Args:
        n: Number of rows.
        sizes: Fractions of train, val and test; must add up to 1. Part sizes are
            ``round(n * train)`` and ``round(n * (train + val)) - round(n * train)``; test
            takes the rest.
        seed: Seed of ``numpy.random.default_rng``; the same seed gives the same split.

    Returns:
        ``{"train", "val", "test"}`` -> sorted int64 arrays, disjoint, together ``0..n-1``.

    Raises:
        InputError: for negative ``n`` or invalid ``sizes``.
    """
    if n < 0:
        raise InputError(f"cannot split {n} rows")
    f_train, f_val, _ = _check_sizes(sizes)
    order = np.random.default_rng(seed).permutation(n)
    cut1 = int(round(n * f_train))
    cut2 = max(cut1, min(n, int(round(n * (f_train + f_val)))))
    return _as_split(order[:cut1], order[cut1:cut2], order[cut2:])


@contextlib.contextmanager
def _quiet() -> Any:
    """Silence DeepChem's import-time chatter (logging, warnings, stray prints) and restore
    the logging and warning settings afterwards."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    sink = io.StringIO()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(sink), \
                contextlib.redirect_stderr(sink):
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


def scaffold_split(
    smiles: Sequence[Any],
    sizes: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int = 0,
    valid: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Bemis-Murcko scaffold split with DeepChem's ``ScaffoldSplitter``.

    Molecules are grouped by their Murcko scaffold (Bemis & Murcko, J. Med. Chem. 39, 2887,
    1996; RDKit ``MurckoScaffoldSmiles`` without chirality; acyclic molecules share the empty
    scaffold). Groups are taken from the largest to the smallest and each goes whole to train
    until train would exceed its share, then to val, then to test — so no scaffold is shared
    between parts, and val/test hold the rarer scaffolds. Shares apply to the valid rows.

    DeepChem (imported here, on first use; it takes ~10 s) is deterministic: ``seed`` is
    accepted for a uniform splitter signature and **ignored**. Ties between groups of equal
    size are broken by their first row index, as DeepChem does.

    Args:
        smiles: SMILES per row (length N); non-strings count as invalid.
        sizes: Fractions of train, val, test; must add up to 1.
        seed: Unused (see above).
        valid: Boolean mask of shape ``[N]``; rows with False belong to no part. Default:
            rows that :func:`molpred.chem.parse_smiles` can parse.

    Returns:
        ``{"train", "val", "test"}`` -> sorted int64 arrays of row indices, disjoint, together
        exactly the valid rows.

    Raises:
        InputError: for invalid ``sizes`` or a ``valid`` mask of the wrong shape.
    """
    f_train, f_val, f_test = _check_sizes(sizes)
    del seed  # DeepChem's ScaffoldSplitter is deterministic
    cleaned = [s.strip() if isinstance(s, str) else "" for s in smiles]
    if valid is None:
        from molpred.chem import parse_smiles

        valid = np.array([parse_smiles(s)[0] is not None for s in cleaned], dtype=bool)
    valid = np.asarray(valid, dtype=bool)
    if valid.shape != (len(cleaned),):
        raise InputError(f"valid mask has shape {valid.shape}, expected ({len(cleaned)},)")
    rows = np.flatnonzero(valid)
    if len(rows) == 0:
        return _as_split([], [], [])
    with _quiet():
        from deepchem.data import NumpyDataset
        from deepchem.splits import ScaffoldSplitter

        blocker = quiet_rdkit()  # noqa: F841 - RDKit warnings while DeepChem parses
        dataset = NumpyDataset(X=np.zeros((len(rows), 1)), ids=np.array([cleaned[i] for i in rows]))
        train, val, test = ScaffoldSplitter().split(
            dataset, frac_train=f_train, frac_valid=f_val, frac_test=f_test
        )
    return _as_split(rows[train], rows[val], rows[test])


def _parse_indices(value: Any, where: str) -> np.ndarray:
    """A list of ints, or chemprop's range string ``"0,1,5-9"`` (inclusive ranges)."""
    if isinstance(value, str):
        out: list[int] = []
        try:
            for item in filter(None, (x.strip() for x in value.split(","))):
                lo, _, hi = item.partition("-")
                out.extend(range(int(lo), int(hi) + 1) if hi else [int(lo)])
        except ValueError:
            raise InputError(f"{where}: cannot read indices from {value[:40]!r}") from None
        return np.asarray(out, dtype=np.int64)
    array = np.asarray(value)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise InputError(f"{where}: expected a list of integer row indices")
    return array.astype(np.int64)


def _parts(obj: dict[str, Any], where: str) -> dict[str, np.ndarray]:
    named = {_ALIASES.get(k, k): v for k, v in obj.items()}
    missing = [p for p in PARTS if p not in named]
    if missing:
        raise InputError(f"{where}: no {', '.join(missing)} part; found {', '.join(obj)}")
    return _as_split(*(_parse_indices(named[p], f"{where} part {p!r}") for p in PARTS))


def read_split_file(path: str | Path, key: str | None = None) -> dict[str, np.ndarray]:
    """Read one split from a JSON split file.

    Accepted layouts:

    * molpred benchmarks: ``{"dataset", "rows", "invalid", "method", "splits": {"seed0":
      {"train", "val", "test"}, ...}}``; ``key`` names the split (``"seed0"``; ``"0"`` works too).
    * a plain ``{"train", "val", "test"}`` object; ``key`` is ignored.
    * chemprop's list ``[{"train", "val", "test"}, ...]``; ``key`` is the list position
      (``"0"``). Index lists may be chemprop range strings such as ``"0-99,150"``.

    ``"valid"`` and ``"validation"`` are accepted for ``"val"``. Range checks against the data
    are :func:`validate_split`'s job.

    Args:
        path: The JSON file.
        key: Which split; may be omitted when the file holds exactly one.

    Returns:
        ``{"train", "val", "test"}`` -> sorted int64 arrays of 0-based row indices.

    Raises:
        InputError: unreadable file, unknown layout, or ``key`` missing (lists the keys).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such split file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable JSON split file ({exc})") from None
    if isinstance(data, dict) and "splits" in data and isinstance(data["splits"], dict):
        splits = data["splits"]
    elif isinstance(data, dict):
        return _parts(data, str(path))
    elif isinstance(data, list) and all(isinstance(d, dict) for d in data):
        splits = {str(i): d for i, d in enumerate(data)}
    else:
        raise InputError(f"{path}: expected a JSON object or a list of objects")
    if key is None and len(splits) == 1:
        key = next(iter(splits))
    chosen = splits.get(str(key)) if key is not None else None
    if chosen is None and key is not None and str(key).isdigit():
        chosen = splits.get(f"seed{key}")
    if not isinstance(chosen, dict):
        raise InputError(
            f"{path}: no split {key!r}; available: {', '.join(map(str, splits)) or 'none'}"
        )
    return _parts(chosen, f"{path} split {key!r}")


def check_split_file_rows(path: str | Path, n: int) -> None:
    """Refuse a molpred benchmark split file made for a table of another length: its ``rows``
    field (when present) must equal ``n``, else every index points at another molecule even
    when all are in range.

    Raises:
        InputError: naming both lengths and the dataset the file was made for.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return  # read_split_file reports an unreadable file
    rows = data.get("rows") if isinstance(data, dict) else None
    if isinstance(rows, int) and not isinstance(rows, bool) and rows != n:
        made_for = f" ({data['dataset']})" if isinstance(data.get("dataset"), str) else ""
        raise InputError(f"{path} was made for a table of {rows:,} rows{made_for}; this one has "
                         f"{n:,}: use the split file of this dataset")


def validate_split(split: dict[str, np.ndarray], n: int) -> None:
    """Check that a split fits a table of ``n`` rows.

    Args:
        split: ``{"train", "val", "test"}`` -> integer index arrays.
        n: Number of data rows.

    Raises:
        InputError: a part is missing, an index is outside ``0..n-1``, a part repeats an index,
            or two parts share one.
    """
    seen: dict[int, str] = {}
    for part in PARTS:
        if part not in split:
            raise InputError(f"split has no {part!r} part")
        idx = np.asarray(split[part])
        if idx.size and idx.dtype.kind not in "iu":
            raise InputError(f"split part {part!r} holds non-integer indices")
        bad = idx[(idx < 0) | (idx >= n)]
        if bad.size:
            raise InputError(f"split part {part!r} has row index {int(bad[0])} outside 0..{n - 1}"
                             f" ({bad.size} such indices); was the split made for another file?")
        unique, counts = np.unique(idx, return_counts=True)
        if (counts > 1).any():
            raise InputError(f"split part {part!r} repeats row {int(unique[counts > 1][0])}")
        for i in unique.tolist():
            if i in seen:
                raise InputError(f"row {i} is in both {seen[i]!r} and {part!r}")
            seen[i] = part
