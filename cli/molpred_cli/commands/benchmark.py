"""``molpred benchmark``: models x datasets x seeds on fixed split files, resumable."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from molpred.names import DEFAULT_MODEL
from molpred_cli import options as opt
from molpred_cli import output as ui


def benchmark(
    datasets: Annotated[list[str], typer.Argument(
        help="MoleculeNet dataset names, e.g. tox21 clintox bbbp delaney.", show_default=False)],
    models: Annotated[str, typer.Option(
        help="Comma-separated encoders to compare, e.g. dmpnn,gin,mlp.")] = f"{DEFAULT_MODEL},mlp",
    splits_dir: Annotated[Path, typer.Option(
        help="Folder with one split file per dataset (NAME.json, shared/benchmarks/splits format).",
        exists=True, file_okay=False)] = Path("../shared/benchmarks/splits"),
    seeds: Annotated[str, typer.Option(
        help="Comma-separated seeds: split seedK of each file and torch seed K.")] = "0,1,2",
    out: Annotated[Path, typer.Option(
        help="Result folder: runs/ (one JSON per run), predictions/ (score.py format), "
        "summary.json, table.md, chart.png.")] = Path("benchmarks/results"),
    anchors: Annotated[Path | None, typer.Option(
        help="anchors.md with Chemprop figures to compare against (default: beside --splits-dir).",
        dir_okay=False, show_default=False)] = None,
    configs: Annotated[Path | None, typer.Option(
        help="Folder of per-dataset settings chosen on validation data (DATASET.json with "
        "standardize, extra_features; for the default model also ensemble_size, "
        "encoder_params, head_params, epochs), used instead of those the dataset cards "
        "recommend; a dataset without a file there gets the plain defaults.",
        exists=True, file_okay=False, show_default=False)] = None,
    recommended: Annotated[bool, typer.Option(
        "--recommended/--plain",
        help="Without --configs: train each dataset with the settings its card recommends "
        "(chosen on validation data; `molpred datasets list` shows them), or with the plain "
        "defaults.")] = True,
    epochs: Annotated[int | None, typer.Option(
        help="Maximum epochs per run (early stopping on val). Default: 50, or the epoch "
        "budget a dataset's settings give the default model.", min=1,
        show_default=False)] = None,
    device: opt.DeviceOpt = opt.Device.auto,
) -> None:
    """Train and score every model on every dataset and seed; finished runs are skipped, so an
    interrupted benchmark resumes. Scores follow shared/BENCHMARKS.md (test ROC-AUC or RMSE,
    mean ± std over seeds).

    Example: molpred benchmark tox21 bbbp --models dmpnn,mlp --splits-dir ../shared/benchmarks/splits
    """
    from molpred.benchmarking import (
        load_configs,
        parse_anchors,
        run_benchmark,
        with_epochs,
        write_report,
    )
    from molpred.training.fit import FitSettings
    from molpred.training.recommended import recommended_configs

    ui.quiet_training_logs()
    chosen = load_configs(configs) if configs else recommended_configs() if recommended else {}
    records = run_benchmark(
        datasets, opt.comma_list(models) or [DEFAULT_MODEL],
        opt.seed_list(seeds), splits_dir, out,
        FitSettings(epochs=epochs or FitSettings.epochs, device=device.value),
        log=lambda msg: ui.err_console.print(msg, highlight=False, markup=False),
        configs=with_epochs(chosen, epochs))
    anchors_md = anchors or splits_dir.parent / "anchors.md"
    peers = parse_anchors(anchors_md) if anchors_md.is_file() else None
    write_report(records, out, peers)
    ui.plain((out / "table.md").read_text())
    ui.plain(f"results in {out}: table.md, summary.json, chart.png")
