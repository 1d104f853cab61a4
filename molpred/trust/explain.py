"""Atom attributions: which atoms push a prediction up or down, drawn on the 2D structure.

Integrated Gradients (Sundararajan et al. 2017, "Axiomatic attribution for deep networks")
through Captum, on the atom features ``x`` of a graph model's input, from an all-zero
baseline, for one task's raw output (the logit for classification, the standardized value for
regression); an atom's attribution is the sum over its features, averaged over ensemble
members. By IG's completeness axiom the attributions add up to the output minus the
baseline's output (the ``delta`` says how closely the integral was approximated). Drawn with
RDKit's similarity maps (Riniker & Landrum 2013, J. Cheminf. 5, 43). From an all-zero
baseline nearly every atom raises the output, so the picture shows each atom relative to the
molecule's mean attribution: green atoms push the prediction up more than the average atom,
pink ones less (or down).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from rdkit import Chem

from molpred.chem.parse import parse_smiles
from molpred.chem.standardize import Standardizer
from molpred.exceptions import InputError
from molpred.featurizers.collate import collate
from molpred.featurizers.featurize import mol_arrays
from molpred.models.ensemble import Ensemble, members_of
from molpred.models.model import MoleculeModel

IG_STEPS = 64


@dataclass
class Explanation:
    """Atom attributions of one molecule for one task.

    Attributes:
        smiles: The input SMILES.
        mol: The molecule the model saw (standardized if the model standardizes); atom ``i``
            of ``mol`` has attribution ``atom_weights[i]``.
        task: The task explained.
        atom_weights: ``float64 [num_atoms]`` Integrated-Gradients attribution per atom, in
            units of the raw output (logit or standardized value), averaged over members.
        prediction: The prediction for the task (probability of class 1, or value in the
            dataset's units; members' mean; :meth:`molpred.predictor.Predictor.explain`
            calibrates it as ``predict`` does).
        delta: Completeness gap: ``|sum(atom_weights) - (output - baseline output)|``.
    """

    smiles: str
    mol: Chem.Mol
    task: str
    atom_weights: np.ndarray
    prediction: float
    delta: float

    def draw(self, path: str | Path | None = None, size: int = 500,
             svg: bool | None = None) -> bytes | str:
        """Draw the attributions, relative to their mean, on the 2D structure (RDKit
        similarity map; green above the molecule's mean attribution, pink below).

        Args:
            path: Write the picture here; ``.svg`` gives SVG, anything else PNG.
            size: Width and height in pixels.
            svg: SVG instead of PNG (default: when ``path`` ends in ``.svg``).

        Returns:
            PNG bytes, or SVG text.
        """
        from rdkit.Chem.Draw import SimilarityMaps, rdMolDraw2D

        if svg is None:
            svg = path is not None and str(path).lower().endswith(".svg")
        canvas = (rdMolDraw2D.MolDraw2DSVG(size, size) if svg
                  else rdMolDraw2D.MolDraw2DCairo(size, size))
        weights = [float(w) for w in self.atom_weights - self.atom_weights.mean()]
        scale = max(abs(w) for w in weights) or 1.0
        SimilarityMaps.GetSimilarityMapFromWeights(self.mol, [w / scale for w in weights],
                                                   draw2d=canvas)
        canvas.FinishDrawing()
        picture = canvas.GetDrawingText()
        if path is not None:
            Path(path).write_text(picture) if svg else Path(path).write_bytes(picture)
        return picture


def explain_smiles(model: MoleculeModel | Ensemble, smiles: str, task: str | int | None = None,
                   steps: int = IG_STEPS) -> Explanation:
    """Integrated-Gradients atom attributions of one molecule for one task.

    Args:
        model: A trained graph model or ensemble (D-MPNN, GCN, GIN, GAT, AttentiveFP or the
            graph transformer: encoders that read atom features ``x``).
        smiles: The molecule.
        task: Task name or index (default: the first task).
        steps: Integration steps.

    Returns:
        An :class:`Explanation`.

    Raises:
        InputError: if the model does not read a molecular graph (``mlp``, ``cnn``), the task
            is unknown, or RDKit cannot parse the SMILES.
    """
    from captum.attr import IntegratedGradients

    config = model.config
    featurizer = config.featurizer_config
    if not featurizer.graph:
        raise InputError(f"explain needs a graph model; {config.encoder} reads "
                         f"{'fingerprints' if featurizer.ecfp else 'SMILES tokens'}")
    if task is None:
        index = 0
    elif isinstance(task, int) and 0 <= task < len(config.tasks):
        index = task
    elif task in config.tasks:
        index = config.tasks.index(task)
    else:
        raise InputError(f"unknown task {task!r}; this model predicts {', '.join(config.tasks)}")
    mol, error = parse_smiles(smiles, Standardizer() if featurizer.standardize else None)
    if mol is None:
        raise InputError(f"cannot explain {smiles!r}: {error}")
    if mol.GetNumAtoms() < 2:  # RDKit's similarity maps need two atoms to draw
        raise InputError(f"cannot explain {smiles!r}: attributions need at least two heavy "
                         "atoms (after standardization)")
    arrays = mol_arrays(mol, featurizer)
    x = torch.from_numpy(arrays["x"]).float()
    weights, deltas, predictions = [], [], []
    for member in members_of(model):
        member.eval()

        def forward(inputs: torch.Tensor, member: MoleculeModel = member) -> torch.Tensor:
            batch = collate([arrays] * inputs.shape[0])  # one graph copy per integration step
            batch.x = inputs.reshape(-1, inputs.shape[-1])
            return member(batch)[:, index]

        attributions, delta = IntegratedGradients(forward).attribute(
            x[None], baselines=torch.zeros_like(x[None]), n_steps=steps,
            return_convergence_delta=True)
        weights.append(attributions[0].sum(dim=1).detach().double().numpy())
        deltas.append(float(delta.abs().item()))
        with torch.no_grad():
            raw = member(collate([arrays]))
            predictions.append(float(member.transform_output(raw)[0, index]))
    return Explanation(smiles, mol, config.tasks[index], np.mean(weights, axis=0),
                       float(np.mean(predictions)), float(np.mean(deltas)))
