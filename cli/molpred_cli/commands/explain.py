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
    method: Annotated[str | None, typer.Option(
        help="ig (Integrated Gradients), shap (Kernel SHAP; TreeSHAP for gbdt/rf) or lime. "
        "Default: shap for tree models (which take shap only), ig for the others.",
        show_default=False)] = None,
) -> None:
    """Draw atom attributions for one prediction on the 2D structure, RDKit similarity-map
    style with a colour bar: green atoms push the prediction up more than the molecule's
    average atom, pink ones less. Prints the prediction and each atom's attribution in the
    prediction's units (probability, or the target's units). Works with graph models (the
    shipped panel, dmpnn, gcn, gin, gat, attentivefp, transformer), fingerprint models (mlp:
    ECFP4 bits put on their atoms) and tree models (gbdt, rf: TreeSHAP).

    Example: molpred explain -m tox21 'O=C1C=CC(=O)C=C1' --task SR-MMP --method shap -o atoms.png
    """
    from molpred.predictor import load

    with ui.err_console.status("Attributing..."):
        explanation = load(model).explain(smiles, task,
                                          method=None if method is None else method.lower())
        explanation.draw(output, size)
    ui.plain(f"{explanation.task}: prediction {explanation.prediction:.3f}; {explanation.method} "
             f"attributions in {explanation.units} units from the baseline "
             f"{explanation.baseline:.3f} (completeness gap {explanation.delta:.3g}):")
    for atom, weight in zip(explanation.mol.GetAtoms(), explanation.atom_weights, strict=True):
        ui.plain(f"  {atom.GetIdx():>3} {atom.GetSymbol():<2} {weight:+.4f}")
    if explanation.molecule_level:
        ui.plain(f"  on no atom (RDKit descriptors, substructures it lacks): "
                 f"{explanation.molecule_level:+.4f}")
    ui.plain(f"wrote {output}")
