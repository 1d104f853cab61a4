"""Rendering shared by the commands: consoles, one-line errors, score and prediction tables.

Results go to stdout (``console``); progress, status and errors go to stderr
(``err_console``) so that ``molpred predict ... > preds.txt`` stays clean.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from molpred.exceptions import MolpredError

console = Console()
err_console = Console(stderr=True)

HANDLED_ERRORS = (MolpredError, OSError, EOFError)
"""Errors shown as one red ``error: ...`` line (exit code 1) instead of a traceback; OSError
covers missing files, permissions, folders, bad gzip data and a full disk."""

METRIC_NAMES = {"roc_auc": "ROC-AUC", "prc_auc": "PRC-AUC", "rmse": "RMSE"}
MAX_TABLE_ROWS = 50
FEW_ROWS = 6


def error_message(exc: BaseException) -> str:
    """The one-line text of a handled error."""
    if isinstance(exc, OSError) and exc.filename is not None:
        message = f"{exc.strerror or type(exc).__name__}: {exc.filename}"
    else:
        message = str(exc) or type(exc).__name__
    return " ".join(message.splitlines())


def print_error(exc: BaseException) -> None:
    """Print ``error: <message>`` in red on stderr, on one line (never wrapped)."""
    err_console.print(Text(f"error: {error_message(exc)}", style="bold red"), soft_wrap=True)


def plain(line: str) -> None:
    """Print a line exactly as given (no markup, highlighting or wrapping) for scripts to grep."""
    console.print(line, markup=False, highlight=False, soft_wrap=True)


def _fmt(value: object, digits: int = 4) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.{digits}f}"
    return "" if value is None else str(value)


def score_line(part: str, score: dict) -> str:
    """``test roc_auc: 0.8123``, the line scripts and the README grep for."""
    return f"{part} {score['metric']}: {score['score']:.4f}"


def score_table(scores: dict[str, dict], rows: dict[str, int], title: str,
                units: str | None = None) -> Table:
    """One line per part: the dataset metric (mean over tasks), PRC-AUC for classification,
    and the number of molecules scored."""
    first = next(iter(scores.values()))
    metric = METRIC_NAMES.get(first["metric"], first["metric"])
    table = Table(title=escape(title), title_justify="left")
    table.add_column("part")
    table.add_column(f"{metric} ({units})" if units else metric, justify="right")
    if "prc_auc" in first:
        table.add_column("PRC-AUC", justify="right")
    table.add_column("tasks scored", justify="right")
    table.add_column("molecules", justify="right")
    for part, score in scores.items():
        extra = [_fmt(score["prc_auc"])] if "prc_auc" in first else []
        table.add_row(part, _fmt(score["score"]), *extra, str(score["tasks_scored"]),
                      f"{rows.get(part, 0):,}")
    return table


def task_table(score: dict) -> Table:
    """The score of each task (tasks with a single class in the part are not scored)."""
    table = Table(title="per task", title_justify="left")
    table.add_column("task")
    table.add_column(METRIC_NAMES.get(score["metric"], score["metric"]), justify="right")
    for task, value in score["tasks"].items():
        table.add_row(task, _fmt(value))
    return table


def frame_table(frame: pd.DataFrame, limit: int = MAX_TABLE_ROWS) -> Table:
    """The first ``limit`` rows of a prediction table; the caption says how many are left.

    A few molecules with many tasks (Tox21 has 12) that would not fit the terminal are shown
    turned around: one line per column, one column per molecule.
    """
    more = len(frame) - limit
    table = Table(caption=f"... and {more:,} more rows (use -o FILE to save all)"
                  if more > 0 else None)
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        table.add_column(str(column), justify="right" if numeric else "left",
                         overflow="fold")
    for row in frame.head(limit).itertuples(index=False, name=None):
        table.add_row(*(_fmt(v, 3) for v in row))
    natural = Measurement.get(console, console.options.update_width(10_000), table).maximum
    if len(frame) > FEW_ROWS or natural <= console.width:
        return table
    turned = Table("column", *(f"#{i + 1}" for i in range(len(frame))))
    for column in frame.columns:
        turned.add_row(str(column), *(_fmt(v, 3) for v in frame[column]))
    return turned


@contextmanager
def counting_status(first: str, template: str) -> Iterator[Callable[[int], None]]:
    """A spinner on stderr showing ``first``, then ``template.format(n=rows done so far)``;
    yields ``advance(rows)`` for a library ``progress`` callback."""
    done = 0
    with err_console.status(first) as status:
        def advance(rows: int) -> None:
            nonlocal done
            done += rows
            status.update(template.format(n=done))

        yield advance


def progress_line(message: str) -> None:
    """One line of training progress on stderr, with the time it was printed (``auto`` and
    long runs report each finished step this way, above the spinner)."""
    import time

    err_console.print(f"[{time.strftime('%H:%M:%S')}] {message}", highlight=False, markup=False,
                      soft_wrap=True)  # one line per step, whatever the terminal's width


def quiet_training_logs() -> None:
    """Hide Lightning's start-up banners and deprecation chatter: the CLI prints its own
    summary. (Applications, not the library, decide how chatty logging is.)"""
    logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
    logging.getLogger("lightning.fabric").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=FutureWarning, module="lightning")


def progress_bar(*columns: ProgressColumn | str) -> Progress:
    """A Rich progress display on stderr that vanishes when done; off when stderr is not a
    terminal (log files get the summary line only)."""
    return Progress(*columns, console=err_console, transient=True,
                    disable=not err_console.is_terminal)


@contextmanager
def rows_progress(description: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on stderr counting molecules; yields ``advance(rows_done)``."""
    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.completed:,} rows")]
    if total is not None:
        columns += [TaskProgressColumn(), TimeRemainingColumn()]
    with progress_bar(*columns, TimeElapsedColumn()) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)
        bar.update(task, total=bar.tasks[0].completed)


def print_panel(frame: pd.DataFrame, smiles_col: str, confidence: float,
                limit: int = FEW_ROWS) -> None:
    """The panel's predictions, one table per molecule: a line per endpoint with its value,
    spread, conformal set or interval and applicability domain; then alerts or the error.
    Larger inputs print the first ``limit`` molecules and say to use ``-o``."""
    info = frame.attrs.get("panel", {})
    models = info.get("models") or [c[: -len(".in_domain")] for c in frame.columns
                                    if str(c).endswith(".in_domain")]
    error = frame.columns[-1]
    for i, row in enumerate(frame.head(limit).itertuples(index=False)):
        values = dict(zip(frame.columns, row, strict=True))
        title = f"#{i + 1}  {values[smiles_col]}"
        if values[error]:
            console.print(Text(f"{title}: {values[error]}", style="red"), soft_wrap=True)
            continue
        table = Table(title=escape(title), title_justify="left")
        for name, justify in (("model", "left"), ("endpoint", "left"), ("prediction", "right"),
                              ("± std", "right"), (f"{confidence:.0%} conformal", "left"),
                              ("in domain", "left")):
            table.add_column(name, justify=justify)
        for model in models:
            tasks = _panel_tasks(frame.columns, model)
            for k, task in enumerate(tasks):
                key = f"{model}.{task}"
                if f"{key}_set" in values:
                    found = values[f"{key}_set"]
                    conformal = "{}" if found == "empty" else "{" + found + "}"
                elif f"{key}_lower" in values:
                    conformal = f"[{_fmt(values[f'{key}_lower'], 2)}, {_fmt(values[f'{key}_upper'], 2)}]"
                else:
                    conformal = ""
                inside = values.get(f"{model}.in_domain")
                expected = values.get(f"{model}.expected_error")
                domain = "" if k or inside is None else ("yes" if inside else "no") + (
                    (f", error x{expected:.1f}" if _finite(expected) else "")
                    + f" (sim {values[f'{model}.max_similarity']:.2f})")
                table.add_row(model if not k else "", task, _fmt(values[key], 3),
                              _fmt(values.get(f"{key}_std"), 3), conformal, domain)
        console.print(table)
        alerts = values.get(info.get("alerts", "alerts"), "")
        console.print(f"structural alerts: {alerts or 'none'}", highlight=False, markup=False)
        fragment_note(values[smiles_col])
    if len(frame) > limit:
        console.print(f"... and {len(frame) - limit:,} more molecules (use -o FILE to save all)")


def _finite(value: object) -> bool:
    """A number that is not NaN (an expected error of a model without an error model is)."""
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def fragment_note(smiles: object) -> None:
    """Say so when standardization predicts a multi-fragment input (a salt, a mixture, a metal
    complex such as cisplatin) for its largest organic fragment only."""
    from molpred.chem.standardize import dropped_fragments

    parts = dropped_fragments(smiles) if isinstance(smiles, str) else None
    if parts is not None:
        console.print(f"note: {smiles} was predicted for its parent {parts[0]} (largest organic "
                      f"fragment, neutralized); left out: {', '.join(parts[1])}. A salt's "
                      "counter-ion rarely matters; a metal complex or a mixture as a whole is "
                      "outside what the models were trained on.", highlight=False,
                      markup=False, style="yellow")


def _panel_tasks(columns: pd.Index, model: str) -> list[str]:
    """A panel model's task names, from its ``MODEL.TASK`` columns."""
    skip = ("_std", "_set", "_lower", "_upper")
    from molpred.pipeline.columns import DOMAIN_COLUMNS

    domain = set(DOMAIN_COLUMNS)
    tasks = []
    for column in map(str, columns):
        if column.startswith(model + "."):
            task = column[len(model) + 1:]
            if task not in domain and not task.endswith(skip):
                tasks.append(task)
    return tasks
