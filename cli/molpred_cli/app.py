"""The ``molpred`` command: a thin Typer shell over the molpred library.

Each command lives in ``commands/<name>.py``; errors molpred raises on purpose
(:class:`molpred.exceptions.MolpredError`, missing files) become one red ``error: ...`` line
on stderr with exit code 1, in :class:`MolpredGroup` (so ``CliRunner`` sees it too) and again
in :func:`main` for anything raised before a command runs.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from typer.core import TyperGroup

from molpred import __version__
from molpred_cli.commands import (
    benchmark,
    calibrate,
    datasets,
    embed,
    evaluate,
    explain,
    models,
    predict,
    pretrain,
    screen,
    serve,
    train,
    tune,
)
from molpred_cli.output import HANDLED_ERRORS, print_error


class MolpredGroup(TyperGroup):
    """A Typer group that renders handled molpred errors as one line instead of a traceback."""

    def invoke(self, ctx: typer.Context) -> object:
        try:
            return super().invoke(ctx)
        except HANDLED_ERRORS as exc:
            print_error(exc)
            raise typer.Exit(1) from None


app = typer.Typer(
    name="molpred",
    cls=MolpredGroup,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    pretty_exceptions_show_locals=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"molpred {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the molpred version and exit.")] = False,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Show RDKit's own messages (valence notes, hydrogens it "
        "keeps, descriptors it cannot compute: one or more per odd molecule) and molpred's "
        "log, on stderr. Quiet by default: what matters per row is in the error column.")]
        = False,
) -> None:
    """Predict molecular properties (toxicity, solubility, permeability, ...) from SMILES.

    Train a model on a MoleculeNet dataset or your own table, predict or screen compound
    libraries with it, and score it on held-out molecules. Run `molpred COMMAND --help` for
    the options of each command.
    """
    if verbose:
        from molpred.chem.logs import show_rdkit_log

        show_rdkit_log()


app.command(no_args_is_help=True)(train.train)
app.command(no_args_is_help=True)(predict.predict)
app.command(no_args_is_help=True)(screen.screen)
app.command(no_args_is_help=True)(evaluate.evaluate)
app.command(no_args_is_help=True)(explain.explain)
app.command(no_args_is_help=True)(benchmark.benchmark)
app.command(no_args_is_help=True)(tune.tune)
app.command(no_args_is_help=True)(calibrate.calibrate)
app.command(no_args_is_help=True)(embed.embed)
app.command(no_args_is_help=True)(pretrain.pretrain)
app.command()(serve.serve)
app.add_typer(datasets.app, name="datasets")
app.add_typer(models.app, name="models")


def main() -> None:
    """Console-script entry point (``molpred``)."""
    try:
        app()
    except HANDLED_ERRORS as exc:
        print_error(exc)
        sys.exit(1)
