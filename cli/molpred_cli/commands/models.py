"""``molpred models list|card``: the pretrained models shipped with molpred."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markdown import Markdown
from rich.table import Table

from molpred_cli import output as ui

app = typer.Typer(no_args_is_help=True,
                  help="The pretrained panel shipped with molpred: list it, read a model card.")

_METRIC = {"roc_auc": "ROC-AUC", "rmse": "RMSE"}


@app.command("list")
def list_models() -> None:
    """Show every shipped model: what it predicts, its outputs, ensemble size, test score on
    its scaffold split, conformal coverage at 0.9 on test, and size on disk. Use a name with
    `-m` anywhere a model folder is taken (`molpred predict -m esol SMILES`)."""
    from molpred.panel import panel_summary

    table = Table(title="Shipped models", title_justify="left",
                  caption="test: scaffold split seed 0; cover: conformal coverage at 0.9 on "
                          "test; details: molpred models card NAME")
    for column, justify in (("name", "left"), ("area", "left"), ("predicts", "left"),
                            ("outputs", "right"), ("members", "right"), ("test", "right"),
                            ("cover", "right"), ("MB", "right")):
        table.add_column(column, justify=justify)
    rows = panel_summary()
    for row in rows:
        coverage = "" if row["coverage"] is None else f"{row['coverage']:.3f}"
        table.add_row(row["name"], row["area"], row["short"], str(len(row["tasks"])),
                      str(row["members"]), f"{_METRIC.get(row['metric'], row['metric'])} "
                      f"{row['test']:.3f}", coverage, f"{row['size_mb']:.1f}")
    ui.console.print(table)
    if not rows:
        ui.plain("no shipped models in this installation")


@app.command("card")
def card(name: Annotated[str, typer.Argument(help="A shipped model's name, e.g. tox21.",
                                             show_default=False)]) -> None:
    """Print a shipped model's card: data, split, model, test figures, calibration,
    coverage, applicability domain, intended use and limits."""
    from molpred.panel import model_card

    ui.console.print(Markdown(model_card(name)))
