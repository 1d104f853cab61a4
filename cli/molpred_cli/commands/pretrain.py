"""``molpred pretrain``: pretrain a D-MPNN backbone on label-free molecules, resumably."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from molpred_cli import output as ui
from molpred_cli.options import DATA, MODEL, TRAINING, option


def pretrain(
    corpus: Annotated[Path, typer.Option(
        "--corpus", help="CSV of SMILES (first column, a header line; .csv or .csv.gz), e.g. "
        "the MOSES training set, shared/corpora/moses_train.csv.gz.", rich_help_panel=DATA,
        exists=True, dir_okay=False, show_default=False)] = ...,
    datasets_dir: Annotated[Path | None, typer.Option(
        "--datasets", help="Folder of the benchmark datasets whose test molecules are held "
        "out of the corpus (with --splits).", rich_help_panel=DATA, exists=True,
        file_okay=False, show_default=False)] = None,
    splits_dir: Annotated[Path | None, typer.Option(
        "--splits", help="Folder of their split files (NAME.json); every test part of every "
        "seed is held out, stereoisomers and salts included. Without it nothing is held out: "
        "give it whenever you will benchmark fine-tuned models.", rich_help_panel=DATA,
        exists=True, file_okay=False, show_default=False)] = None,
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Run folder: features, checkpoints, history.csv, and at the end "
        "the backbone (OUT/backbone). Run the same command again to resume.",
        rich_help_panel=DATA, file_okay=False, show_default=False)] = ...,
    size: Annotated[int, option("Molecules taken from the corpus (the first that are no test "
                    "molecule).", DATA, min=100)] = 100_000,
    epochs: Annotated[int, option("Passes over the training molecules.", TRAINING, min=1)] = 10,
    batch_size: Annotated[int, option("Molecules per step.", TRAINING, min=1)] = 64,
    lr: Annotated[float, option("Peak learning rate (Adam).", TRAINING, min=0.0)] = 1e-3,
    hidden_size: Annotated[int, option("D-MPNN width.", MODEL, min=1)] = 300,
    depth: Annotated[int, option("Message-passing steps.", MODEL, min=1)] = 3,
    seed: Annotated[int, option("Seeds the validation draw, weights and shuffling.",
                                TRAINING)] = 0,
    max_minutes: Annotated[float | None, option("Stop this session after so many minutes "
                           "(the last finished epoch's checkpoint stands); the same command "
                           "resumes.", TRAINING, min=0.1, show_default=False)] = None,
) -> None:
    """Pretrain a D-MPNN to predict RDKit 2D descriptors from the molecular graph (no labels
    needed, after CheMeleon), then export it as a backbone that molpred train
    --from-pretrained OUT/backbone fine-tunes. Molecules of every benchmark test part are
    held out when --datasets and --splits are given. Resumable: a checkpoint after every
    epoch (a cut-off epoch is redone), one history line per epoch.

    Example: molpred pretrain --corpus moses_train.csv.gz --datasets shared/datasets
    --splits shared/benchmarks/splits --size 200000 --epochs 12 -o runs/pretrain
    """
    if (datasets_dir is None) != (splits_dir is None):
        raise typer.BadParameter("give --datasets and --splits together (or neither)",
                                 param_hint="--splits")
    from molpred.pretraining.fit import PretrainSettings
    from molpred.pretraining.fit import pretrain as run_pretraining

    settings = PretrainSettings(
        corpus=str(corpus.resolve()), size=size,
        datasets_dir=str(datasets_dir.resolve()) if datasets_dir else "",
        splits_dir=str(splits_dir.resolve()) if splits_dir else "", epochs=epochs,
        batch_size=batch_size, lr=lr, hidden_size=hidden_size, depth=depth, seed=seed)
    ui.quiet_training_logs()
    run = run_pretraining(settings, out, report=ui.progress_line,
                          max_seconds=None if max_minutes is None else max_minutes * 60)
    backbone = run / "backbone"
    if backbone.is_dir():
        ui.plain(f"backbone written to {backbone}; fine-tune it with molpred train DATA "
                 f"--from-pretrained {backbone}")
    else:
        ui.plain(f"stopped; checkpoint of the last finished epoch in {run / 'checkpoints'}: run "
                 "the same command again to go on")
