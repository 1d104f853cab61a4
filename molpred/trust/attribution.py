"""Atom attributions of one molecule, per model family, in output units.

Every function returns ``float64 [num_atoms]`` attributions in the units of the reported
output (the probability of class 1 for classification, the target's units for regression),
the model's output for the molecule, the output of the baseline, and the part that cannot be
put on atoms (tree models' molecule-level descriptors); averaged over ensemble members.

Methods, all through well-kept libraries:

* ``ig``: Integrated Gradients (Sundararajan et al. 2017) with Captum, from an all-zero input.
* ``shap``: Kernel SHAP (Lundberg & Lee 2017) with Captum's ``KernelShap``: each atom (graph
  models) or each set ECFP4 bit (fingerprint models) is one player, absent = zero features.
  For tree models: TreeSHAP, as LightGBM computes it (``pred_contrib=True``; Lundberg et al.
  2020), over ECFP4 counts and RDKit 2D descriptors.
* ``lime``: LIME (Ribeiro et al. 2016) with Captum's ``Lime`` and a linear surrogate, over the
  same players as Kernel SHAP.

Fingerprint attributions are put on atoms through RDKit's Morgan bit-info map: a bit's
attribution is shared equally by the atoms of every environment that sets it (radius-2
environments: the centre and its neighbours up to two bonds away).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from rdkit import Chem

from molpred.exceptions import InputError
from molpred.featurizers.collate import collate

METHODS = ("ig", "shap", "lime")
IG_STEPS = 64
SAMPLES = 200
"""Perturbed inputs per member for Kernel SHAP and LIME."""


def _captum(method: str, forward, inputs: torch.Tensor, mask: torch.Tensor | None,
            steps: int, samples: int) -> torch.Tensor:
    """Attributions of ``forward`` at ``inputs`` ``[1, ...]`` from a zero baseline."""
    from captum.attr import IntegratedGradients, KernelShap, Lime

    baseline = torch.zeros_like(inputs)
    if method == "ig":
        return IntegratedGradients(forward).attribute(inputs, baselines=baseline, n_steps=steps)
    if method == "shap":
        return KernelShap(forward).attribute(inputs, baselines=baseline, feature_mask=mask,
                                             n_samples=samples, perturbations_per_eval=25)
    from captum._utils.models.linear_model import SkLearnLinearRegression

    return Lime(forward, interpretable_model=SkLearnLinearRegression()).attribute(
        inputs, baselines=baseline, feature_mask=mask, n_samples=samples,
        perturbations_per_eval=25)


def network_attributions(members: list[Any], arrays: dict, mol: Chem.Mol, index: int,
                         method: str, steps: int = IG_STEPS, samples: int = SAMPLES
                         ) -> tuple[np.ndarray, float, float]:
    """A graph (atom features ``x``) or fingerprint (``fp``) network's attributions.

    Returns:
        ``(atom attributions float64 [num_atoms], output, baseline output)``.

    Raises:
        InputError: for a model that reads neither (SMILES tokens: ``cnn``).
    """
    graph = "x" in arrays and "edge_index" in arrays
    if not graph and "fp" not in arrays:
        raise InputError("explanations need a graph or fingerprint model; this one reads "
                         "SMILES tokens")
    key = "x" if graph else "fp"
    x = torch.from_numpy(np.asarray(arrays[key], dtype=np.float32))
    if graph:
        n = x.shape[0]
        mask = torch.arange(n).reshape(1, n, 1).expand(1, n, x.shape[1])  # one player per atom
    else:
        x = x.reshape(-1)  # [2048]
        on = torch.nonzero(x).flatten()
        mask = torch.zeros((1, x.shape[0]), dtype=torch.long)  # unset bits: one idle player
        mask[0, on] = torch.arange(1, len(on) + 1)
    weights, outputs, bases = [], [], []
    for member in members:
        member.eval()

        def forward(inputs: torch.Tensor, member: Any = member) -> torch.Tensor:
            batch = collate([arrays] * inputs.shape[0])
            if graph:
                batch.x = inputs.reshape(-1, inputs.shape[-1])
            else:
                batch.fp = inputs
            return member.transform_output(member(batch))[:, index]

        found = _captum(method, forward, x[None], mask, steps, samples)[0].detach().double()
        if graph:
            # IG spreads an atom's share over its features; SHAP and LIME give each feature
            # of a player the player's whole value
            per_atom = found.sum(dim=1) if method == "ig" else found[:, 0]
        else:
            per_bit = found if method == "ig" else torch.where(mask[0] > 0, found, 0.0)
            per_atom = torch.from_numpy(bits_to_atoms(mol, per_bit.numpy(), counts=False))
        weights.append(per_atom.numpy())
        with torch.no_grad():
            outputs.append(float(forward(x[None])[0]))
            bases.append(float(forward(torch.zeros_like(x)[None])[0]))
    return np.mean(weights, axis=0), float(np.mean(outputs)), float(np.mean(bases))


def tree_attributions(model: Any, arrays: dict, mol: Chem.Mol, index: int
                      ) -> tuple[np.ndarray, float, float, float]:
    """TreeSHAP of a tree model (LightGBM ``pred_contrib``), in output units.

    Returns:
        ``(atom attributions float64 [num_atoms], output, baseline output, molecule-level
        part)``: the contributions of the ECFP4 counts the molecule has put on atoms; those
        of the RDKit descriptors and of the bits it lacks (TreeSHAP credits absent features
        too) summed in the molecule-level part. The baseline is TreeSHAP's expected value,
        the mean output over the training molecules. For boosted classification
        LightGBM's contributions are in log-odds; they are rescaled linearly so that they
        add up to the probability minus the baseline probability (the link's secant). A
        random forest (``rf``) predicts the mean of its trees' outputs: its contributions,
        summed over trees, are divided by their number.

    Raises:
        ModelFileError: a tree file without node counts (compacted before 2026-12-06).
        InputError: when LightGBM's TreeSHAP does not add up to the trees' output (it is
            not exact on very deep trees), rather than show a wrong attribution.
    """
    from molpred.exceptions import ModelFileError
    from molpred.featurizers.vector import ECFP_BITS
    from molpred.models.trees.storage import has_node_counts

    X = np.asarray(arrays["vector"], dtype=np.float64).reshape(1, -1)
    atoms, outputs, bases, rest = [], [], [], []
    from molpred.tasks import task_head

    # boosted trees on binary tasks predict through the logistic link (log-odds contributions)
    binary = task_head(model.config.task_type).tree_objective(model.config.encoder) == "binary"
    rf = model.config.encoder == "rf"
    for member in model.members:
        booster = member[index]
        if isinstance(booster, float):  # a constant task: nothing to attribute
            atoms.append(np.zeros(mol.GetNumAtoms()))
            outputs.append(booster)
            bases.append(booster)
            rest.append(0.0)
            continue
        contrib = booster.predict(X, pred_contrib=True)[0]
        if not np.isfinite(contrib).all() and not has_node_counts(booster.model_to_string()):
            raise ModelFileError(
                "this tree file has no node counts, which TreeSHAP weighs paths by (files "
                "compacted before 2026-12-06 dropped them): train the model again to explain "
                "it; its predictions are unaffected")
        raw = float(booster.predict(X, raw_score=True)[0])
        if not abs(contrib.sum() - raw) <= 1e-6 * max(1.0, abs(raw)):  # NaN too
            raise InputError(
                f"LightGBM's TreeSHAP does not add up on this model's trees (its attributions "
                f"sum to {contrib.sum():.4g}, the trees' output is {raw:.4g}): it loses "
                "exactness on very deep trees, such as a random forest grows on a large set; "
                "no attribution is shown rather than a wrong one")
        parts, expected = contrib[:-1], contrib[-1]
        if rf:  # LightGBM's random forest predicts the mean of its trees' outputs, no link
            trees = booster.num_trees()
            parts, expected = parts / trees, expected / trees
            out, base = expected + parts.sum(), expected
        elif binary:
            margin = expected + parts.sum()
            p, p0 = 1 / (1 + np.exp(-margin)), 1 / (1 + np.exp(-expected))
            scale = (p - p0) / (margin - expected) if abs(margin - expected) > 1e-12 else p * (1 - p)
            parts, out, base = parts * scale, p, p0
        else:
            out, base = expected + parts.sum(), expected
        present = X[0, :ECFP_BITS] > 0
        atoms.append(bits_to_atoms(mol, np.where(present, parts[:ECFP_BITS], 0.0), counts=True))
        # descriptors, and substructures the molecule lacks (TreeSHAP credits absent
        # features too): on no atom
        rest.append(float(parts[ECFP_BITS:].sum() + parts[:ECFP_BITS][~present].sum()))
        outputs.append(float(out))
        bases.append(float(base))
    return (np.mean(atoms, axis=0), float(np.mean(outputs)), float(np.mean(bases)),
            float(np.mean(rest)))


def bits_to_atoms(mol: Chem.Mol, per_bit: np.ndarray, counts: bool) -> np.ndarray:
    """Put ECFP4 bit (or count) attributions ``[2048]`` on atoms ``float64 [num_atoms]``:
    each bit's value shared equally by the atoms of the environments that set it (an atom in
    two of them gets two shares). Bits no environment of ``mol`` sets are dropped (their
    attribution is zero for a zero baseline)."""
    from rdkit.Chem import rdFingerprintGenerator

    from molpred.featurizers.vector import ECFP_BITS, ECFP_RADIUS

    generator = rdFingerprintGenerator.GetMorganGenerator(radius=ECFP_RADIUS, fpSize=ECFP_BITS)
    info = rdFingerprintGenerator.AdditionalOutput()
    info.AllocateBitInfoMap()
    if counts:
        generator.GetCountFingerprint(mol, additionalOutput=info)
    else:
        generator.GetFingerprint(mol, additionalOutput=info)
    out = np.zeros(mol.GetNumAtoms())
    for bit, environments in info.GetBitInfoMap().items():
        members: list[int] = []
        for centre, radius in environments:
            if radius == 0:
                members.append(centre)
                continue
            bonds = Chem.FindAtomEnvironmentOfRadiusN(mol, radius, centre)
            atoms = {centre}
            for b in bonds:
                bond = mol.GetBondWithIdx(b)
                atoms.update((bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()))
            members.extend(sorted(atoms))
        for atom in members:
            out[atom] += float(per_bit[bit]) / len(members)
    return out
