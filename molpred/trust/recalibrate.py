"""Recalibrate a trained model on new labelled molecules, without retraining.

Calibration (Platt scaling) and the conformal predictors are refitted on the new data's
predictions and labels (:meth:`molpred.trust.model.TrustModel.recalibrated`); weights and the
applicability domain stay as trained. Morger et al. (2021, "Studying and mitigating the
effects of data drifts on ML model performance at the example of chemical toxicity data",
J. Cheminform. 13, 35) showed on Tox21 that this repairs the calibration and the conformal
coverage a model loses when new compounds drift from its training data.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from molpred.exceptions import InputError


@dataclass
class Recalibration:
    """What a recalibration did.

    Attributes:
        output: The new model folder.
        molecules: Labelled molecules used (rows RDKit could read).
        labels: Labelled (molecule, task) pairs used.
        before: On the new data, before (the model's own calibration): ``ece`` (expected
            calibration error, classification) or ``coverage`` at 90 % (both).
        after: The same, after refitting on these data (in-sample: it is the fit itself).
    """

    output: Path
    molecules: int
    labels: int
    before: dict
    after: dict


def recalibrate(model: str | Path, data: str | Path, output: str | Path,
                smiles_col: str | None = None, workers: int | None = 1) -> Recalibration:
    """Copy ``model`` to ``output`` with calibration and conformal predictors refitted on
    ``data``.

    Args:
        model: A model folder or shipped model name.
        data: A file with SMILES and one column per task of the model, named as the model's
            tasks (missing values allowed).
        output: The new model folder (must not exist).
        smiles_col: SMILES column (default: the usual guess).
        workers: Featurization processes.

    Returns:
        A :class:`Recalibration`.

    Raises:
        InputError: ``output`` exists, the model is multiclass, the file lacks a task column,
            labels do not fit the task type, or fewer than 20 labelled molecules per task on
            average.
        ModelFileError: ``model`` does not load, or has no trust files to recalibrate.
    """
    from molpred.data import MoleculeTable, read_table
    from molpred.exceptions import ModelFileError
    from molpred.featurizers.featurize import featurize_smiles
    from molpred.inference import predict_members
    from molpred.predictor import load
    from molpred.trust.calibration import expected_calibration_error

    output = Path(output)
    if output.exists():
        raise InputError(f"{output} exists; recalibration writes a new model folder")
    predictor = load(model)
    if predictor.trust is None or predictor.path is None:
        raise ModelFileError(f"{model} has no trust files to recalibrate")
    head = predictor.trust.head
    if not head.outputs_independent:
        raise InputError(f"{model} is a multiclass model; recalibration takes binary and "
                         "regression models (retrain with your data added instead)")
    table = read_table(data, smiles_col=smiles_col)  # read once; the tasks picked below
    missing = [t for t in predictor.tasks if t not in table.frame.columns]
    if missing:
        raise InputError(f"{data}: no column for task(s) {missing}; the file needs one column "
                         f"per task of the model, named {predictor.tasks}")
    table = MoleculeTable(frame=table.frame, smiles_col=table.smiles_col,
                          targets=list(predictor.tasks))
    labels = table.y.astype(np.float64)
    head.check_labels(labels, table.frame, list(predictor.tasks), str(data))
    config = predictor.model.config.featurizer_config
    featurized, _ = featurize_smiles(table.smiles, config, workers=workers, arrays=True)
    members = predict_members(predictor.model, featurized)
    ok = np.array([d is not None for d in featurized])
    members, labels = members[:, ok], labels[ok]
    known = np.isfinite(labels)
    if known.sum() < 20 * labels.shape[1]:
        raise InputError(f"{data}: {int(known.sum())} labelled (molecule, task) pairs for "
                         f"{labels.shape[1]} task(s); recalibration needs at least 20 per task")
    from molpred.trust.domain import ecfp4_bits

    smiles = [s for s, good in zip(table.smiles, ok, strict=True) if good]
    similarity = predictor.trust.fingerprints.max_similarity(
        ecfp4_bits(smiles, predictor.trust.standardize))
    old, new = predictor.trust, predictor.trust.recalibrated(members, labels, similarity)

    def measure(trust) -> dict:
        values = trust.calibrated(members.mean(axis=0))
        out: dict = {}
        if head.conformal_sets:
            out["ece"] = float(expected_calibration_error(values, labels))
            sets = trust.set_membership(values, 0.9, similarity)
            label = np.where(known, labels, 0).astype(int)
            hit = np.take_along_axis(sets, label[..., None], axis=2)[..., 0]
            out["coverage_90"] = float(hit[known].mean())
        else:
            bounds = trust.intervals(values, members.std(axis=0), 0.9, similarity)
            inside = (labels >= bounds[..., 0]) & (labels <= bounds[..., 1])
            out["coverage_90"] = float(inside[known].mean())
        return out

    shutil.copytree(predictor.path, output)
    new.save(output)
    report = Recalibration(output, int(ok.sum()), int(known.sum()), measure(old), measure(new))
    (output / "recalibration.json").write_text(json.dumps({
        "source_model": str(model), "data": str(data), "molecules": report.molecules,
        "labels": report.labels, "before": report.before, "after_in_sample": report.after,
    }, indent=2))
    return report
