"""``molpred explain``: which atoms drive a prediction, drawn on the structure."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from molpred_cli import options as opt
from molpred_cli import output as ui


def explain(
    smiles: Annotated[str, typer.Argument(help="The molecule, e.g. 'CC(=O)Oc1ccccc1C(=O)O'.",
                                          metavar="SMILES", show_default=False)],
    model: opt.ModelDir,
    task: Annotated[str | None, typer.Option(
        help="Task (endpoint) to explain, e.g. SR-MMP. Default: the model's first task.",
        show_default=False)] = None,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Picture to write: .png or .svg.", dir_okay=False)]
        = Path("atoms.png"),
    size: Annotated[int, typer.Option(help="Picture width and height in pixels.", min=100)] = 500,
) -> None:
    """Draw atom attributions (Integrated Gradients, Captum) for one prediction on the 2D
    structure, RDKit similarity-map style: green atoms push the prediction up more than the
    molecule's average atom, pink ones less. Prints the prediction and each atom's
    attribution. Works with graph models (the shipped panel, dmpnn, gcn, gin, gat,
    attentivefp, transformer).

    Example: molpred explain -m tox21 'O=C1C=CC(=O)C=C1' --task SR-MMP -o atoms.png
    """
    from molpred.predictor import load

    with ui.err_console.status("Integrating gradients..."):
        explanation = load(model).explain(smiles, task)
        explanation.draw(output, size)
    ui.plain(f"{explanation.task}: prediction {explanation.prediction:.3f}; attributions "
             f"(sum over atom features, raw output units; completeness gap "
             f"{explanation.delta:.3g}):")
    for atom, weight in zip(explanation.mol.GetAtoms(), explanation.atom_weights, strict=True):
        ui.plain(f"  {atom.GetIdx():>3} {atom.GetSymbol():<2} {weight:+.3f}")
    ui.plain(f"wrote {output}")
