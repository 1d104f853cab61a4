"""Dataset -> featurized molecules with labels, ready for any split and any run.

Featurization is the slow part of a small training run; :func:`prepare_dataset` does it once
so that benchmarks can train many models and seeds on the same :class:`PreparedDataset`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data

from molpred.data import DatasetCard, MoleculeTable, load_dataset
from molpred.exceptions import InputError
from molpred.featurizers.featurize import FeaturizerConfig, featurize_smiles
from molpred.models.task_types import (
    CLASSIFICATION,
    INFERRED_MAX_CLASSES,
    MULTICLASS,
    REGRESSION,
    output_names,
)
from molpred.tasks import task_head
from molpred.tasks.multiclass import class_indices  # noqa: F401 - re-exported


@dataclass
class PreparedDataset:
    """A dataset with one featurized molecule (or an error) per row.

    Attributes:
        table: The rows as read (all input columns, input order).
        card: The registry card when the source was a dataset name, else ``None``.
        tasks: Target names, length T.
        task_type: ``"classification"``, ``"regression"`` or ``"multiclass"``.
        y: ``float32 [N, T]`` labels, NaN = missing (multiclass: ``[N, 1]`` class indices
            into ``classes``).
        data: ``Data | None`` per row; each ``Data`` carries ``y`` as ``float32 [1, T]``.
        errors: ``""`` or the reason each row could not be featurized.
        featurizer: The settings used.
        source: The dataset name or file path it came from.
        classes: Class names of a multiclass target (the values as the file writes them,
            ``"0"``, ``"1"``, ``"2"``), index order; ``None`` otherwise.
    """

    table: MoleculeTable
    card: DatasetCard | None
    tasks: list[str]
    task_type: str
    y: np.ndarray
    data: list[Data | None]
    errors: list[str]
    featurizer: FeaturizerConfig
    source: str
    classes: list[str] | None = None

    @property
    def outputs(self) -> list[str]:
        """The model's output columns (:func:`~molpred.models.task_types.output_names`)."""
        return output_names(self.tasks, self.task_type, self.classes)

    @property
    def name(self) -> str:
        """The registry name (``tox21``), or the file name without its suffixes."""
        return self.card.name if self.card else Path(self.source).name.split(".")[0]

    @property
    def units(self) -> str | None:
        """Unit of the regression targets from the dataset card (e.g. ``"log(mol/L)"`` for
        ESOL); ``None`` for classification and for files, which carry no unit."""
        return self.card.units if self.card else None

    @property
    def valid(self) -> np.ndarray:
        """``bool [N]``: rows that featurized."""
        return np.array([d is not None for d in self.data], dtype=bool)


def infer_task_type(y: np.ndarray) -> str:
    """``"classification"`` when every label is 0 or 1; ``"multiclass"`` for one target
    holding 3 to :data:`~molpred.models.task_types.INFERRED_MAX_CLASSES` distinct whole
    numbers; else ``"regression"``."""
    known = y[~np.isnan(y)]
    if known.size and np.isin(known, (0.0, 1.0)).all():
        return CLASSIFICATION
    if y.ndim == 2 and y.shape[1] == 1 and known.size and np.all(known == np.round(known)) \
            and 3 <= len(np.unique(known)) <= INFERRED_MAX_CLASSES:
        return MULTICLASS
    return REGRESSION


IDENTIFIER_NAME = re.compile(
    r"^(id|ids|idx|index|name|title|compound|cid|sid|cas|cas[ _-]?(no|number|rn)|row|no|"
    r"number|unnamed: ?\d+|.*[ _-](id|idx|no|number|name))$", re.IGNORECASE)
"""Column names taken for identifiers, never targets, unless named (``id``, ``mol_id``,
``Compound ID``, ``CAS No``, ``Unnamed: 0`` as pandas writes an index, ...)."""
MIN_ROWS_FOR_ID = 20


def _numeric(values) -> np.ndarray | None:
    """The column as float64 if every non-empty cell is a number (and there is one)."""
    import pandas as pd

    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().sum() and numbers.notna().sum() == values.notna().sum():
        return numbers.to_numpy(dtype=np.float64)
    return None


def identifier_columns(table: MoleculeTable) -> dict[str, str]:
    """Numeric columns that look like identifiers, not measurements: column -> why.

    Either the name says so (:data:`IDENTIFIER_NAME`), or every value is a distinct whole
    number (at least :data:`MIN_ROWS_FOR_ID` rows; registry numbers, row numbers)."""
    found = {}
    for column in table.frame.columns:
        if column == table.smiles_col:
            continue
        values = _numeric(table.frame[column])
        if values is None:
            continue
        if IDENTIFIER_NAME.match(str(column).strip()):
            found[str(column)] = "its name"
            continue
        present = values[~np.isnan(values)]
        if (len(present) >= MIN_ROWS_FOR_ID and len(present) == len(values)
                and np.all(present == np.round(present)) and len(np.unique(present)) == len(present)):
            found[str(column)] = "distinct whole numbers"
    return found


def label_columns(table: MoleculeTable) -> list[str]:
    """The columns of a file that can be targets when none are named (as Chemprop takes every
    column but the SMILES): every column other than the SMILES column whose non-empty cells
    are all numbers, with at least one number, except identifiers
    (:func:`identifier_columns`). Text columns (ids, names) are left out too."""
    skip = identifier_columns(table)
    return [str(c) for c in table.frame.columns
            if c != table.smiles_col and str(c) not in skip
            and _numeric(table.frame[c]) is not None]


def _text_columns_note(table: MoleculeTable, shown: int = 3) -> str:
    """For the "no target columns" error: the columns left out because a cell is not a
    number, each with its first such cell and what to do about it."""
    from molpred.data.table import not_a_number_hint, read_numbers

    notes = []  # (specific hint?, share of numbers, text)
    for column in table.frame.columns:
        if column == table.smiles_col:
            continue
        _, share, first_bad = read_numbers(table.frame[column])
        if first_bad is not None:
            row, cell = first_bad
            hint = not_a_number_hint(cell)
            notes.append((hint != not_a_number_hint(""), share,
                          f"{str(column)!r}, data row {row + 1}: {cell!r} ({hint})"))
    if not notes:
        return ""
    # the likeliest labels first: a cell with a specific fix, then mostly numbers (a name
    # or comment column says only "not a number")
    notes.sort(key=lambda n: (not n[0], -n[1]))
    more = f"; {len(notes) - shown} more" if len(notes) > shown else ""
    return (" (left out because a cell is not a number: "
            + "; ".join(n[2] for n in notes[:shown]) + more + ")")


def load_labelled(
    source: str | Path,
    smiles_col: str | None = None,
    targets: Sequence[str] | None = None,
    task_type: str | None = None,
    learnable: bool = True,
) -> tuple[MoleculeTable, DatasetCard | None, str]:
    """Read a dataset with targets and settle its task type.

    Args:
        source: Dataset name (``tox21``) or path to a CSV/TSV/SMI/SDF/Parquet file.
        smiles_col: SMILES column of a file (default: :func:`~molpred.data.formats.default_smiles_column`).
        targets: Target columns of a file (a registry dataset uses all of its tasks); default
            for a file: every numeric column but the SMILES (:func:`label_columns`).
        task_type: ``classification``, ``regression`` or ``multiclass``; default from the
            dataset card, else inferred (:func:`infer_task_type`).
        learnable: A file's target columns must be learnable (:func:`check_learnable`):
            for training; ``False`` for scoring a trained model on labels.

    Returns:
        ``(table, card, task_type)``; ``card`` is ``None`` for a file.

    Raises:
        DatasetError: for an unknown dataset name, a missing file, or a dataset that can be
            neither found locally nor downloaded.
        InputError: if a file cannot be read (corrupt, unknown format),
            has no numeric column to use as target, a named column is missing,
            classification labels are not 0/1, or (``learnable``) a target column holds
            nothing to learn from.
    """
    table, card = load_dataset(source, smiles_col=smiles_col, targets=targets)
    if smiles_col is None and card is None:
        from molpred.chem.sniff import check_guessed_smiles_column

        check_guessed_smiles_column(table.frame, table.smiles_col, source)
    if not table.targets and targets is None and card is None:
        table = MoleculeTable(frame=table.frame, smiles_col=table.smiles_col,
                              targets=label_columns(table))
    if not table.targets:
        raise InputError(f"{source}: no target columns{_text_columns_note(table)}; name them "
                         "with --targets a,b,...")
    y = table.y
    kind = task_type or (card.task_type if card else infer_task_type(y))
    task_head(kind).check_labels(y, table.frame, table.targets, source)
    if card is None and learnable:
        check_learnable(kind, y, table.targets, source)
    return table, card, kind


SHOWN_COLUMNS = 10
"""Columns an error message describes one by one."""


def check_learnable(task_type: str, y: np.ndarray, targets: Sequence[str], source: str) -> None:
    """Refuse target columns nothing can be learnt from (the task head's
    :meth:`~molpred.tasks.base.TaskHead.unlearnable`): a binary column with fewer than 2
    molecules of either class (e.g. every label 0), a regression or multiclass column with
    fewer than 3 labels or one value only. Trained anyway, such a task gave a confident
    constant for every molecule and a NaN score.

    Args:
        task_type: ``classification``, ``regression`` or ``multiclass``.
        y: ``float [N, T]`` labels as read (NaN: missing).
        targets: The T column names.
        source: The file, for the message.

    Raises:
        InputError: naming each such column, what it holds, and the ``--targets`` that leaves
            them out (or that none is left).
    """
    head = task_head(task_type)
    reasons = {}
    for t, name in enumerate(targets):
        why = head.unlearnable(y[np.isfinite(y[:, t]), t])
        if why is not None:
            reasons[name] = why
    if not reasons:
        return
    rest = [t for t in targets if t not in reasons]
    need = head.learnable_needs
    shown = list(reasons.items())[:SHOWN_COLUMNS]
    more = len(reasons) - len(shown)
    if not rest:
        advice = "No other target column is left."
    elif len(rest) <= SHOWN_COLUMNS:
        advice = f"Leave {'them' if len(reasons) > 1 else 'it'} out with --targets {','.join(rest)}"
    else:  # too many to print: name the ones to leave out
        advice = (f"Leave {'them' if len(reasons) > 1 else 'it'} out: pass --targets with the "
                  f"other {len(rest)} columns, or fix the labels")
    raise InputError(
        f"{source}: nothing to learn from target column{'s' if len(reasons) > 1 else ''} "
        + "; ".join(f"{name!r} ({why})" for name, why in shown)
        + (f"; and {more} more ({', '.join(list(reasons)[SHOWN_COLUMNS:2 * SHOWN_COLUMNS])}"
           f"{', ...' if more > SHOWN_COLUMNS else ''})" if more else "")
        + f": a {task_type} task needs at least {need}. " + advice)


def prepare_dataset(
    source: str | Path,
    featurizer: FeaturizerConfig,
    smiles_col: str | None = None,
    targets: Sequence[str] | None = None,
    task_type: str | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    classes: Sequence[str] | None = None,
    learnable: bool = True,
) -> PreparedDataset:
    """Read ``source`` (a registry name or a file) and featurize every row.

    Args:
        source: Dataset name (``tox21``) or path to a CSV/TSV/SMI/SDF/Parquet file.
        featurizer: What to compute per molecule.
        smiles_col, targets: Columns, for files (defaults: a column named ``smiles`` or
            ``canonical_smiles``/``isomeric_smiles``, else the first; no default targets).
        task_type: Override; default from the dataset card or inferred from the labels.
        workers: Featurization processes (default: all cores).
        progress: Called with rows done.
        classes: Multiclass: the class names labels map onto (a trained model's, when
            scoring it); default: the target's distinct values.
        learnable: Refuse target columns nothing can be learnt from
            (:func:`check_learnable`); ``False`` when scoring a trained model on labels.

    Returns:
        A :class:`PreparedDataset` with one ``Data`` (or ``None`` and an error) per input row.

    Raises:
        DatasetError, InputError: as :func:`load_labelled`; a SMILES RDKit cannot read is not
            an error (its row gets ``None`` and a reason in ``errors``).
    """
    table, card, kind = load_labelled(source, smiles_col, targets, task_type, learnable)
    y = table.y
    y, names = task_head(kind).encode_labels(y, str(source), table.targets[0], classes)
    data, errors = featurize_smiles(table.smiles, featurizer, workers=workers, progress=progress)
    for i, d in enumerate(data):
        if d is not None:
            d.y = torch.from_numpy(y[i : i + 1].copy())
    return PreparedDataset(
        table, card, list(table.targets), kind, y, data, errors, featurizer, str(source), names
    )


def describe_tasks(prepared: PreparedDataset, given: str | None = None,
                   named: bool = True) -> str:
    """One line for people: the tasks, the task type and where it came from, e.g.
    ``1 task (p_np): classification, inferred from the labels (every value 0 or 1)``; when
    the targets were not ``named`` (a file's default), also the numeric columns left out as
    identifiers."""
    tasks = prepared.tasks
    head = task_head(prepared.task_type)
    names = ", ".join(tasks[:5]) + (f", ... ({len(tasks) - 5} more)" if len(tasks) > 5 else "")
    if given:
        source = "as given"
    elif prepared.card is not None:
        source = "from the dataset card"
    else:
        source = head.inferred_from(prepared.classes)
    line = f"{len(tasks)} task{'s' if len(tasks) != 1 else ''} ({names}): {prepared.task_type}, {source}"
    line += head.label_note(prepared.y, tasks, prepared.classes, carded=prepared.card is not None)
    skipped = identifier_columns(prepared.table) if not named and prepared.card is None else {}
    if skipped:
        line += ("; not targets, taken for identifiers: "
                 + ", ".join(f"{c} ({why})" for c, why in skipped.items())
                 + " (name a column with --target to use it)")
    return line + _duplicates_note(prepared)


def _duplicates_note(prepared: PreparedDataset) -> str:
    """``"; N SMILES appear more than once (M of them with different labels) ..."``, or ``""``:
    repeated measurements are trained on as given (a scaffold split keeps copies together),
    but labels that disagree are worth a look."""
    import pandas as pd

    smiles = pd.Series([s.strip() if isinstance(s, str) else "" for s in prepared.table.smiles])
    valid = pd.Series([d is not None for d in prepared.data]) & (smiles != "")
    repeated = smiles[valid & smiles.duplicated(keep=False)]
    if repeated.empty:
        return ""
    labels = pd.DataFrame(prepared.y[repeated.index.to_numpy()]).round(6)
    spread = labels.groupby(repeated.to_numpy()).nunique(dropna=True).max(axis=1)
    clashing = int((spread > 1).sum())
    return (f"; {repeated.nunique()} SMILES appear more than once"
            + (f", {clashing} of them with different labels (trained on as given)"
               if clashing else ""))
