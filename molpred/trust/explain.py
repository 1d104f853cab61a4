"""Atom attributions: which atoms push a prediction up or down, drawn on the 2D structure.

Three methods for every model family (:mod:`molpred.trust.attribution`): Integrated
Gradients (``ig``, Sundararajan et al. 2017), Kernel SHAP (``shap``, Lundberg & Lee 2017;
TreeSHAP for tree models) and LIME (``lime``, Ribeiro et al. 2016), through Captum and
LightGBM. Graph models are explained on their atoms, fingerprint and tree models on their
ECFP4 bits put back on the atoms that set them. Attributions are in the units of the
prediction (probability of class 1, or the target's units), averaged over ensemble members;
they add up to the prediction minus the all-zero baseline's (exactly for SHAP, up to the
integral's accuracy for IG: ``delta``). Drawn with RDKit's similarity maps (Riniker & Landrum
2013, J. Cheminf. 5, 43) and a colour bar. From an all-zero baseline nearly every atom raises
the output, so the picture shows each atom relative to the molecule's mean attribution:
green atoms push the prediction up more than the average atom, pink ones less (or down).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rdkit import Chem

from molpred.chem.parse import parse_smiles
from molpred.chem.standardize import Standardizer
from molpred.exceptions import InputError
from molpred.featurizers.featurize import mol_arrays
from molpred.models.ensemble import Ensemble, members_of
from molpred.models.model import MoleculeModel
from molpred.trust.attribution import IG_STEPS, METHODS, SAMPLES

METHOD_NAMES = {"ig": "Integrated Gradients", "shap": "SHAP", "lime": "LIME"}


@dataclass
class Explanation:
    """Atom attributions of one molecule for one task.

    Attributes:
        smiles: The input SMILES.
        mol: The molecule the model saw (standardized if the model standardizes); atom ``i``
            of ``mol`` has attribution ``atom_weights[i]``.
        task: The task explained.
        atom_weights: ``float64 [num_atoms]`` attribution per atom (``method``), in the
            prediction's units (``units``), averaged over members.
        prediction: The prediction for the task (probability of class 1, or value in the
            dataset's units; members' mean; :meth:`molpred.predictor.Predictor.explain`
            calibrates it as ``predict`` does).
        delta: Completeness gap: ``|sum(atom_weights) + molecule_level - (output -
            baseline)|`` (0 up to rounding for SHAP; the integral's error for IG).
        method: ``ig``, ``shap`` or ``lime``.
        units: ``probability`` (classification) or the target's units.
        baseline: The output the attributions start from: the all-zero input's (networks)
            or the mean over the training molecules (TreeSHAP).
        molecule_level: Tree models: the part on no atom (RDKit descriptors, and ECFP4
            substructures the molecule lacks).
    """

    smiles: str
    mol: Chem.Mol
    task: str
    atom_weights: np.ndarray
    prediction: float
    delta: float
    method: str = "ig"
    units: str = "probability"
    baseline: float = float("nan")
    molecule_level: float = 0.0

    def draw(self, path: str | Path | None = None, size: int = 500,
             svg: bool | None = None) -> bytes | str:
        """Draw the attributions, relative to their mean, on the 2D structure (RDKit
        similarity map; green above the molecule's mean attribution, pink below) with a
        colour bar in the prediction's units and a title naming the task, prediction and
        method (matplotlib).

        Args:
            path: Write the picture here; ``.svg`` gives SVG, anything else PNG.
            size: Width of the structure in pixels (the colour bar is added beside it).
            svg: SVG instead of PNG (default: when ``path`` ends in ``.svg``).

        Returns:
            PNG bytes, or SVG text.
        """
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.colors import Normalize
        from rdkit.Chem.Draw import SimilarityMaps, rdMolDraw2D

        if svg is None:
            svg = path is not None and str(path).lower().endswith(".svg")
        canvas = rdMolDraw2D.MolDraw2DCairo(size, size)
        weights = [float(w) for w in self.atom_weights - self.atom_weights.mean()]
        scale = max(abs(w) for w in weights) or 1.0
        SimilarityMaps.GetSimilarityMapFromWeights(self.mol, [w / scale for w in weights],
                                                   draw2d=canvas, colorMap="PiYG")
        canvas.FinishDrawing()
        image = plt.imread(io.BytesIO(canvas.GetDrawingText()), format="png")
        dpi = 100
        figure, axis = plt.subplots(figsize=(size / dpi * 1.3, size / dpi * 1.12), dpi=dpi)
        axis.imshow(image)
        axis.axis("off")
        what = "probability" if self.units == "probability" else self.units
        axis.set_title(f"{self.task}: {what} {self.prediction:.3g} ({METHOD_NAMES[self.method]})",
                       fontsize=10)
        bar = figure.colorbar(plt.cm.ScalarMappable(Normalize(-scale, scale), cmap="PiYG"),
                              ax=axis, fraction=0.046, pad=0.02)
        bar.set_label(f"attribution ({what} units), minus the atom mean", fontsize=8)
        bar.ax.tick_params(labelsize=7)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg" if svg else "png", bbox_inches="tight")
        plt.close(figure)
        picture: bytes | str = buffer.getvalue().decode() if svg else buffer.getvalue()
        if path is not None:
            Path(path).write_text(picture) if svg else Path(path).write_bytes(picture)
        return picture


def explain_smiles(model: MoleculeModel | Ensemble | object, smiles: str,
                   task: str | int | None = None, method: str | None = None,
                   steps: int = IG_STEPS,
                   samples: int = SAMPLES) -> Explanation:
    """Atom attributions of one molecule for one task (see the module docstring).

    Args:
        model: A trained network or ensemble reading a graph (D-MPNN, GCN, GIN, GAT,
            AttentiveFP, transformer) or ECFP4 (``mlp``), a tree model (``gbdt``/``rf``) or a
            blend of a network and trees (attributions mixed with the task's blend weight).
        smiles: The molecule.
        task: Task name or index (default: the first task).
        method: ``ig``, ``shap`` or ``lime`` (tree models: ``shap`` = TreeSHAP only);
            default (``None``): ``shap`` for a tree model (or a blend that kept its trees
            only), ``ig`` otherwise.
        steps: Integration steps of ``ig``.
        samples: Perturbed inputs per member for ``shap`` and ``lime``.

    Returns:
        An :class:`Explanation`.

    Raises:
        InputError: an unknown method or task, a model reading SMILES tokens (``cnn``),
            ``ig``/``lime`` on a tree model, or a SMILES RDKit cannot parse or with fewer
            than two heavy atoms.
    """
    from molpred.trust.attribution import network_attributions, tree_attributions

    family = getattr(model, "family", "network")
    if family == "blend" and model.network is None:  # every task's network share was 0
        model, family = model.trees, "trees"
    if method is None:
        method = "shap" if family == "trees" else "ig"
    if method not in METHODS:
        raise InputError(f"unknown explanation method {method!r}; choose {', '.join(METHODS)}")
    config = model.config
    outputs = config.outputs  # the tasks, or a multiclass target's TARGET_pCLASS columns
    if task is None:
        index = 0
    elif isinstance(task, int) and 0 <= task < len(outputs):
        index = task
    elif task in outputs:
        index = outputs.index(task)
    else:
        raise InputError(f"unknown task {task!r}; this model predicts {', '.join(outputs)}")
    if family == "trees" and method != "shap":
        raise InputError("tree models are explained with TreeSHAP: use method 'shap'")
    featurizer = config.featurizer_config
    mol, error = parse_smiles(smiles, Standardizer() if featurizer.standardize else None)
    if mol is None:
        raise InputError(f"cannot explain {smiles!r}: {error}")
    if mol.GetNumAtoms() < 2:  # RDKit's similarity maps need two atoms to draw
        raise InputError(f"cannot explain {smiles!r}: attributions need at least two heavy "
                         "atoms (after standardization)")
    arrays = mol_arrays(mol, featurizer)
    rest = 0.0
    if family == "trees":
        weights, output, base, rest = tree_attributions(model, arrays, mol, index)
    elif family == "blend":
        w = float(model.weights[index])
        parts = []
        if model.network is not None and w > 0:
            parts.append((w, *network_attributions(members_of(model.network), arrays, mol,
                                                   index, method, steps, samples), 0.0))
        if model.trees is not None and w < 1:
            parts.append((1 - w, *tree_attributions(model.trees, arrays, mol, index)))
        weights = sum(share * a for share, a, _, _, _ in parts)
        output = sum(share * o for share, _, o, _, _ in parts)
        base = sum(share * b for share, _, _, b, _ in parts)
        rest = sum(share * r for share, _, _, _, r in parts)
    else:
        weights, output, base = network_attributions(members_of(model), arrays, mol, index,
                                                     method, steps, samples)
    delta = abs(float(np.sum(weights)) + rest - (output - base))
    from molpred.tasks import task_head

    units = ("probability" if task_head(config.task_type).probabilities
             else (config.units or "target"))  # read as "... units"
    return Explanation(smiles, mol, outputs[index], np.asarray(weights, dtype=np.float64),
                       output, delta, method, units, base, rest)
