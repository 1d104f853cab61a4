"""``molpred train``: fit a model on a dataset, score it on val/test, save it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from molpred.names import DEFAULT_MODEL, EXTRA_FEATURES
from molpred_cli import options as opt
from molpred_cli import output as ui
from molpred_cli.options import DATA, MODEL, TRAINING, option


def train(
    dataset: opt.DatasetArg,
    smiles_col: opt.SmilesCol = None,
    targets: opt.Targets = None,
    target: opt.Target = None,
    task: Annotated[opt.TaskType | None, option("classification (0/1 labels), regression, or "
                    "multiclass (one target of 3 or more classes: a softmax head, one probability "
                    "column per class). Default: from the dataset card, else guessed from the "
                    "labels (one target of 3-10 whole numbers is multiclass).", DATA)] = None,
    splits: opt.Splits = None,
    split_key: opt.SplitKey = "seed0",
    split: Annotated[opt.SplitMethod, option("Without --splits: split 80/10/10 by Bemis-Murcko "
                     "scaffold or at random.", DATA)] = opt.SplitMethod.scaffold,
    model: Annotated[str | None, option("Model family. auto = compare a D-MPNN, gradient-"
                     "boosted trees and a random forest by scaffold cross-validation on "
                     "train+val and keep the best blend per task (the default for your own "
                     "file); gbdt, rf = trees on ECFP4 counts + RDKit descriptors; dmpnn = "
                     "directed message passing over the molecular graph (Chemprop-style; the "
                     "default for a MoleculeNet name); mlp = feed-forward network on ECFP4; gcn, "
                     "gin, gat, attentivefp, transformer = graph networks; cnn = 1D convolutions "
                     "over SMILES.", MODEL, metavar=f"[{opt.MODEL_CHOICES}]",
                     show_default=False)] = None,
    time_budget: Annotated[float | None, option("auto: seconds the whole search may take "
                           "(default 3600); the D-MPNN folds stop early to fit it.", MODEL,
                           min=1.0, show_default=False)] = None,
    folds: Annotated[int, option("auto: K of the K-fold scaffold cross-validation on "
                     "train+val; each family is fitted K times (its K fold models are its "
                     "ensemble).", MODEL, min=2)] = 3,
    tree_params: Annotated[str | None, option("gbdt/rf: LightGBM settings as JSON, e.g. "
                           "'{\"learning_rate\": 0.03, \"num_leaves\": 63}' (what molpred tune "
                           "prints).", MODEL, show_default=False)] = None,
    from_pretrained: Annotated[str | None, option("Fine-tune a pretrained backbone instead of "
                               "starting the encoder from random weights: molpred-base (shipped "
                               "in the package, works offline: a D-MPNN pretrained to predict "
                               "RDKit descriptors of 200,000 ZINC molecules) or a folder written "
                               "by molpred pretrain. Trains --model dmpnn. Under --model auto, it is the "
                               "backbone of auto's pretrained D-MPNN candidate, which then competes "
                               "at any size (by default molpred-base competes on train+val sets of "
                               "at most 3,000 molecules; none: never).", MODEL,
                               metavar="NAME|DIR", show_default=False)] = None,
    encoder_lr_ratio: Annotated[float, option("With --from-pretrained: the encoder's learning "
                                "rate as a multiple of --lr (e.g. 0.1 moves the pretrained "
                                "weights less than the new output layers).", TRAINING,
                                min=0.0)] = 1.0,
    freeze_encoder: Annotated[bool, option("With --from-pretrained: train the output layers "
                              "only; the pretrained encoder stays as it is.", TRAINING)] = False,
    min_epochs: Annotated[int, option("Networks: never stop early before this many epochs.",
                          TRAINING, min=0)] = 0,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder to save the model "
                   "in. Default: runs/DATASET-MODEL.", rich_help_panel=MODEL)] = None,
    hidden_size: Annotated[int | None, option("Width of the hidden layers. Default: the "
                           "dataset's recommended value, else the encoder's own (dmpnn 300, "
                           "mlp 512).", MODEL, min=1)] = None,
    depth: Annotated[int | None, option("Layers: message-passing steps (graph models), hidden layers "
                     "(mlp), conv blocks (cnn). "
                     "Default: the dataset's recommended value, else the encoder's own "
                     "(dmpnn 3, mlp 2).", MODEL, min=1)] = None,
    dropout: Annotated[float | None, option("Dropout probability, 0 to 1. Default: the "
                       "dataset's recommended value, else the encoder's own (dmpnn 0.1, mlp "
                       "0.2).", MODEL, min=0.0, max=1.0)] = None,
    extra_features: Annotated[str | None, option("Comma-separated whole-molecule features for "
                              f"the output layers: {', '.join(EXTRA_FEATURES)} (all 217 "
                              "RDKit 2D descriptors, ~11 ms a molecule; 32 fast ones, ~0.8 ms; "
                              "ECFP4 bits), or none. Replaces the dataset's "
                              "recommended ones, which are the default (else none).",
                              MODEL)] = None,
    standardize: Annotated[bool | None, option("Standardize molecules first with RDKit: "
                           "normalize groups, keep the largest fragment (strips salts), "
                           "neutralize. Default: as the dataset recommends, else yes.", MODEL,
                           show_default=False)] = None,
    recommended: Annotated[bool, typer.Option(
        "--recommended/--plain", help="A MoleculeNet dataset whose card recommends settings "
        "(chosen on validation data, shown by `molpred datasets list`) is trained with them "
        "wherever you give none; --plain trains with the plain defaults.",
        rich_help_panel=MODEL)] = True,
    epochs: Annotated[int | None, option("Maximum passes over the training molecules. "
                      "Default: 50, or the dataset's recommended budget.", TRAINING, min=1,
                      show_default=False)] = None,
    patience: Annotated[int, option("Stop after this many epochs without a better validation "
                        "score; the best epoch is kept.", TRAINING, min=1)] = 10,
    batch_size: Annotated[int, option("Molecules per training step.", TRAINING, min=1)] = 64,
    lr: Annotated[float, option("Peak learning rate (Adam).", TRAINING, min=0.0)] = 1e-3,
    seed: Annotated[int, option("Random seed: weights, shuffling, random split. Ensemble "
                    "member k uses SEED+k.", TRAINING)] = 0,
    ensemble_size: Annotated[int | None, option("Train this many models from different seeds "
                             "and average them (a deep ensemble); predictions then carry a "
                             "TASK_std column, the members' spread. Default: 1, or as the "
                             "dataset recommends.", MODEL, min=1, show_default=False)] = None,
    class_weight: Annotated[opt.ClassWeight, option("balanced = weight each task's positives by "
                            "negatives/positives of the training labels (rare actives count "
                            "more; capped at 50). Classification only.", TRAINING)
                            ] = opt.ClassWeight["none"],
    precision: Annotated[opt.Precision, option("Arithmetic: 32-true (default), bf16-mixed "
                         "(recent GPUs, or CPUs with AVX-512 BF16/AMX) or 16-mixed (CUDA).",
                         TRAINING)] = opt.Precision["32-true"],
    devices: Annotated[int, option("Processes (GPUs, or CPU processes) per machine for "
                       "data-parallel training; use with --strategy ddp.", opt.SCALE, min=1)] = 1,
    num_nodes: Annotated[int, option("Machines for data-parallel training (Lightning "
                         "launches; see docs/guide.md).", opt.SCALE, min=1)] = 1,
    strategy: Annotated[opt.Strategy, option("auto = one process; ddp = distributed data "
                        "parallel (gloo on CPU, NCCL on GPU).", opt.SCALE)] = opt.Strategy["auto"],
    device: opt.DeviceOpt = opt.Device.auto,
    workers: opt.Workers = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print only the final scores: no line per epoch or step (the "
        "task type, each epoch's loss and validation score, the time left).")] = False,
) -> None:
    """Train a model on a dataset, score it on the validation and test molecules, save it.

    Prints the tasks and the task type it uses (and whether it inferred it), then a line per
    epoch (loss, validation score, best so far, an upper bound on the time left), or per
    step for --model auto; --quiet keeps only the final table.

    Example: molpred train tox21 --splits ../shared/benchmarks/splits/tox21.json --out runs/tox21
    """
    from molpred.training.api import default_model

    if (encoder_lr_ratio != 1.0 or freeze_encoder) and from_pretrained is None:
        raise typer.BadParameter("--encoder-lr-ratio and --freeze-encoder go with "
                                 "--from-pretrained", param_hint="--from-pretrained")
    backbone = from_pretrained is not None and from_pretrained.lower() != "none"
    model_name = (model or (DEFAULT_MODEL if backbone else default_model(dataset))).lower()
    out = out or Path("runs") / f"{Path(dataset).name.split('.')[0]}-{model_name}"
    ui.quiet_training_logs()
    with ui.counting_status(f"Reading {dataset}...", "Featurized {n:,} molecules; "
                            "training...") as featurized:
        from molpred.training.api import train as train_model
        from molpred.training.settings import (
            AutoSettings,
            DataSettings,
            ModelSettings,
            OptimSettings,
            RunSettings,
            SplitSettings,
            TrainSettings,
        )

        result = train_model(dataset, TrainSettings(
            data=DataSettings(smiles_col=smiles_col, targets=opt.target_list(targets, target),
                              task_type=task.value if task else None),
            split=SplitSettings(splits=splits, split_key=split_key, split=split.value),
            model=ModelSettings(model=model_name, hidden_size=hidden_size, depth=depth,
                                dropout=dropout, extra_features=_feature_list(extra_features),
                                standardize=standardize, ensemble_size=ensemble_size,
                                recommended=recommended, tree_params=_json_object(tree_params),
                                pretrained=from_pretrained),
            optim=OptimSettings(epochs=epochs, patience=patience, batch_size=batch_size, lr=lr,
                                seed=seed, class_weight=class_weight.value,
                                precision=precision.value, min_epochs=min_epochs,
                                encoder_lr_ratio=encoder_lr_ratio, freeze_encoder=freeze_encoder),
            auto=AutoSettings(time_budget=time_budget, folds=folds),
            run=RunSettings(out=out, device=device.value, devices=devices, num_nodes=num_nodes,
                            strategy=strategy.value, workers=workers,
                            featurize_progress=featurized,
                            progress_message=None if quiet else ui.progress_line),
        ))
    if result.model_dir is None:  # a non-zero rank of a data-parallel run: rank 0 reports
        return
    m = result.metrics
    if m.get("recommended"):
        from molpred.training.recommended import describe

        ui.console.print(f"{dataset}: trained with the settings its card recommends (chosen "
                         f"on validation data): {describe(m['recommended'])} (--plain: "
                         "without them)", highlight=False, markup=False)
    scores = {part: m[part] for part in ("val", "test") if part in m}
    if "auto" in m:  # the CV score stands where a validation score would
        scores = {"CV (train+val)": m["cv"], **({"test": m["test"]} if "test" in m else {})}
        rows = {"CV (train+val)": m["rows"]["train+val"], "test": m["rows"]["test"]}
        ui.console.print(ui.score_table(scores, rows, f"auto on {dataset}",
                                        result.model.config.units))
        ui.console.print(f"auto chose: {m['auto']['summary']}\n{m['train_seconds']:.1f} s in "
                         f"all; what won on each task: {result.model_dir / 'card.md'}\nmodel "
                         f"saved to {result.model_dir}", highlight=False, markup=False)
    else:
        ui.console.print(ui.score_table(scores, m["rows"], f"{model_name} on {dataset}",
                                        result.model.config.units))
        fitted = (f"{len(result.model.members)} members" if model_name in ("gbdt", "rf")
                  else f"best epoch {m['best_epoch'] + 1} of {m['epochs_run']}")
        ui.console.print(f"{fitted}, "
                         f"{m['train_seconds']:.1f} s training, {len(m['invalid_rows']):,} "
                         f"unreadable molecules skipped\nmodel saved to {result.model_dir}",
                         highlight=False, markup=False)
    _report_skipped(m["invalid_reasons"], result.model_dir)
    for part, score in scores.items():
        ui.plain(ui.score_line(part, score))


def _json_object(value: str | None) -> dict | None:
    """``--tree-params``: a JSON object, or ``None`` when not given.

    Raises:
        InputError: if the text is not a JSON object.
    """
    if value is None:
        return None
    import json

    from molpred.exceptions import InputError

    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise InputError(f"--tree-params is not valid JSON ({exc})") from None
    if not isinstance(parsed, dict):
        raise InputError("--tree-params must be a JSON object such as '{\"num_leaves\": 63}'")
    return parsed


def _feature_list(value: str | None) -> list[str] | None:
    """``--extra-features``: ``None`` when not given, ``[]`` for ``none`` or an empty value."""
    if value is not None and value.strip().lower() in ("", "none"):
        return []
    return opt.comma_list(value)


SHOWN_SKIPPED = 5
"""Unreadable rows listed after training; metrics.json lists them all."""


def _report_skipped(reasons: dict[str, str], model_dir: Path) -> None:
    """Name the first rows RDKit rejected (1-based, header excluded) and why, on stderr."""
    for row, reason in list(reasons.items())[:SHOWN_SKIPPED]:
        ui.err_console.print(f"skipped row {int(row) + 1}: {reason}", highlight=False,
                             markup=False)
    if len(reasons) > SHOWN_SKIPPED:
        ui.err_console.print(f"... and {len(reasons) - SHOWN_SKIPPED:,} more: see "
                             f"invalid_reasons in {model_dir / 'metrics.json'} (0-based rows)",
                             highlight=False, markup=False)
