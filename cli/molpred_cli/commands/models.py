"""``molpred models list|card|add|remove``: the panel, the pretrained models shipped with
molpred and the ones you added."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markdown import Markdown
from rich.table import Table

from molpred_cli import output as ui

app = typer.Typer(no_args_is_help=True,
                  help="The panel: the pretrained models shipped with molpred and your own "
                       "(models add). List it, read a model card, add or remove a model.")

_METRIC = {"roc_auc": "ROC-AUC", "rmse": "RMSE"}


@app.command("list")
def list_models() -> None:
    """Show every shipped model: what it predicts, its outputs, ensemble size, test score on
    its scaffold split, conformal coverage at 0.9 on test, and size on disk. Use a name with
    `-m` anywhere a model folder is taken (`molpred predict -m esol SMILES`)."""
    from molpred.panel import panel_summary

    table = Table(title="Panel models", title_justify="left",
                  caption="test: scaffold split seed 0 (yours: your test part); cover: "
                          "conformal coverage at 0.9 on test; details: molpred models card "
                          "NAME; add yours: molpred models add NAME DIR")
    for column, justify in (("name", "left"), ("area", "left"), ("predicts", "left"),
                            ("outputs", "right"), ("members", "right"), ("test", "right"),
                            ("cover", "right"), ("MB", "right")):
        table.add_column(column, justify=justify)
    rows = panel_summary()
    for row in rows:
        coverage = "" if row["coverage"] is None else f"{row['coverage']:.3f}"
        test = ("" if row["test"] is None
                else f"{_METRIC.get(row['metric'], row['metric'])} {row['test']:.3f}")
        name = row["name"] + (" (yours)" if row["yours"] else "")
        table.add_row(name, row["area"], row["short"], str(len(row["tasks"])),
                      str(row["members"]), test, coverage, f"{row['size_mb']:.1f}")
    ui.console.print(table)
    if not rows:
        ui.plain("no shipped models in this installation")


@app.command("card")
def card(name: Annotated[str, typer.Argument(help="A panel model's name, e.g. tox21.",
                                             show_default=False)]) -> None:
    """Print a shipped model's card: data, split, model, test figures, calibration,
    coverage, applicability domain, intended use and limits."""
    from molpred.panel import model_card

    ui.console.print(Markdown(model_card(name)))


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Panel name: lower-case letters, digits, _ or -; "
                                             "the NAME. prefix of panel columns.",
                                        show_default=False)],
    folder: Annotated[Path, typer.Argument(help="A model folder from molpred train.",
                                           show_default=False)],
    title: Annotated[str | None, typer.Option(help="What it predicts, in your words "
                                                   "(default: its task names).")] = None,
    area: Annotated[str, typer.Option(help="Grouping shown by models list.")] = "in-house",
    replace: Annotated[bool, typer.Option("--replace", help="Replace your model of that "
                                                            "name.")] = False,
) -> None:
    """Add a model you trained (e.g. on in-house hERG data) to your panel: it is checked,
    copied to your panel folder ($MOLPRED_PANEL_DIR, else ~/.local/share/molpred/panel),
    and from then on `molpred predict` without -m, `molpred serve` and `-m NAME` include it."""
    from molpred.panel import PANEL
    from molpred.panel.user import add_model

    target = add_model(name, folder, title=title, area=area, replace=replace,
                       reserved=tuple(PANEL))
    ui.plain(f"added {name} to your panel: {target}")


@app.command("remove")
def remove(name: Annotated[str, typer.Argument(help="One of your panel models.",
                                               show_default=False)]) -> None:
    """Remove a model you added (the folder it was copied from is left alone). Shipped
    models cannot be removed."""
    from molpred.panel.user import remove_model

    folder = remove_model(name)
    ui.plain(f"removed {name} from your panel ({folder})")
