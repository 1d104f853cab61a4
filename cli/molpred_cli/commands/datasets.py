"""``molpred datasets list|fetch``: the public benchmark datasets molpred knows."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table

from molpred.data import DATA_DIR_ENV, fetch_dataset, list_cards, local_copy
from molpred.data.fetch import cache_dir
from molpred.training.recommended import describe
from molpred_cli import output as ui

app = typer.Typer(no_args_is_help=True,
                  help="List the public benchmark datasets or download one of them.")


def _where(name: str, filename: str) -> str:
    """Where `molpred train NAME` finds the file: $MOLPRED_DATA_DIR, the cache, or nowhere."""
    if local_copy(name) is not None:
        return "data dir"
    return "cache" if (cache_dir() / filename).is_file() else "[dim]no[/]"


_KIND = {"classification": "classif.", "regression": "regr."}


@app.command("list")
def list_datasets() -> None:
    """Show every known dataset: number and type of tasks, metric, units, local copy, and
    the settings `molpred train NAME` takes from its card (chosen on validation data); the
    titles too in a terminal at least 110 columns wide."""
    data_dir = os.environ.get(DATA_DIR_ENV) or "not set"
    table = Table(title="MoleculeNet datasets", title_justify="left",
                  caption=escape(f"data dir = ${DATA_DIR_ENV} ({data_dir}); "
                                 f"cache = {cache_dir()}"))
    wide = ui.console.width >= 110  # an 80-column terminal has no room for the titles
    table.add_column("name", no_wrap=True)
    if wide:
        table.add_column("title")
    table.add_column("tasks", no_wrap=True)
    table.add_column("metric (units)")
    table.add_column("local copy", no_wrap=True)
    table.add_column("recommended (chosen on val)")
    for card in list_cards():
        metric = ui.METRIC_NAMES.get(card.metric, card.metric)
        table.add_row(card.name, *([card.title] if wide else []),
                      f"{len(card.tasks)} {_KIND[card.task_type]}",
                      f"{metric} ({escape(card.units)})" if card.units else metric,
                      _where(card.name, card.filename),
                      escape(describe(card.recommended)) or "[dim]defaults[/]")
    ui.console.print(table)


@app.command(no_args_is_help=True)
def fetch(
    name: Annotated[str, typer.Argument(help="Dataset name, e.g. tox21 (see `datasets list`).",
                                        metavar="NAME", show_default=False)],
    force: Annotated[bool, typer.Option(
        "--force", help="Download again even if the cache holds the file.")] = False,
) -> None:
    """Download a dataset into the cache (or report the local copy that will be used)."""
    with ui.progress_bar(*Progress.get_default_columns(), DownloadColumn(),
                         TransferSpeedColumn()) as bar:
        task = bar.add_task(f"Downloading {name}", total=None)
        path = fetch_dataset(name, force=force, progress=lambda done, total: bar.update(
            task, completed=done, total=total or None))
        downloaded = bar.tasks[0].completed > 0
    if downloaded:
        how = "downloaded to"
    elif path == local_copy(name):
        how = f"local copy (${DATA_DIR_ENV}) at"
    else:
        how = "already in the cache (--force downloads it again) at"
    ui.console.print(f"{name}: {how} {path}", highlight=False, markup=False, soft_wrap=True)
