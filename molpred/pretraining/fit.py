"""``molpred pretrain``: a D-MPNN trained to predict scaled RDKit 2D descriptors from the
molecular graph, on a label-free corpus, resumable.

A run folder holds everything, so a run cut off at any point goes on where it stopped:

* ``corpus.json`` — the selection (file, size, digest, rows held out as test molecules);
* ``features.npz`` / ``targets.json`` — the featurized corpus and the descriptor scaler;
* ``checkpoints/last.ckpt`` — Lightning's checkpoint, written at the end of every epoch
  (resumed with ``ckpt_path``): a run cut off mid-epoch starts that epoch again, with the
  same molecule order, so a resumed run trains exactly what an uninterrupted one does;
* ``history.csv`` — one line per epoch (written again, not twice, if an epoch is redone):
  train and validation loss (MSE of the scaled descriptors), wall-clock seconds so far;
* after the last epoch, the exported backbone (:mod:`molpred.pretraining.backbone`).

The learning rate follows the fine-tuning schedule (:mod:`molpred.training.module`): linear
warm-up over the first epoch, then exponential decay to a tenth at the last step.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import lightning as L
import numpy as np
import torch
from torch import nn

from molpred.exceptions import InputError
from molpred.models.encoders import ENCODERS
from molpred.pretraining.corpus import benchmark_test_keys, select_corpus
from molpred.pretraining.packed import PackedGraphs
from molpred.pretraining.targets import DescriptorScaler
from molpred.training.module import warmup_decay

ENCODER = "dmpnn"


@dataclass
class PretrainSettings:
    """One pretraining run.

    Attributes:
        corpus: CSV of SMILES (first column), e.g. ``shared/corpora/moses_train.csv.gz``.
        size: Molecules taken from it (the first that are no benchmark test molecule).
        datasets_dir, splits_dir: Benchmark datasets and split files whose test molecules
            are held out (:func:`~molpred.pretraining.corpus.benchmark_test_keys`); empty:
            nothing is held out.
        epochs: Passes over the training molecules.
        batch_size: Molecules per optimizer step.
        lr: Peak learning rate (Adam).
        val_fraction: Share of the corpus kept for the validation loss.
        hidden_size, depth: D-MPNN width and message-passing steps (the fine-tuned model's
            encoder has the same).
        seed: Seeds the validation draw, weights and shuffling.
    """

    corpus: str
    size: int = 100_000
    datasets_dir: str = ""
    splits_dir: str = ""
    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    val_fraction: float = 0.05
    hidden_size: int = 300
    depth: int = 3
    seed: int = 0

    @property
    def encoder_params(self) -> dict:
        """The encoder's settings (no dropout while pretraining; pooled as the default D-MPNN)."""
        return {**ENCODERS.get(ENCODER).defaults, "hidden_size": self.hidden_size,
                "depth": self.depth}


class DescriptorPretrainer(L.LightningModule):
    """Encoder + two-layer head regressing D scaled descriptors; loss = mean squared error.

    Args:
        encoder_params: Keyword arguments of the D-MPNN encoder.
        num_targets: D.
        lr, epochs, steps_per_epoch: Schedule (see the module docstring).
    """

    def __init__(self, encoder_params: dict, num_targets: int, lr: float, epochs: int,
                 steps_per_epoch: int) -> None:
        super().__init__()
        self.encoder = ENCODERS.get(ENCODER)(**{**encoder_params, "dropout": 0.0})
        width = self.encoder.out_dim
        self.head = nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, num_targets))
        self.lr, self.epochs, self.steps_per_epoch = lr, epochs, max(1, steps_per_epoch)
        self.seconds = 0.0  # wall-clock training time over all sessions (saved in checkpoints)
        self._start = time.perf_counter()
        self._val: list[tuple[float, int]] = []

    def forward(self, batch) -> torch.Tensor:
        """Predicted scaled descriptors ``float32 [B, D]``."""
        return self.head(self.encoder(batch))

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        loss = nn.functional.mse_loss(self(batch), batch.y)
        self.log("train_loss", loss, batch_size=batch.num_graphs, on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx: int) -> None:
        loss = nn.functional.mse_loss(self(batch), batch.y, reduction="sum") / batch.y.shape[1]
        self._val.append((float(loss), batch.num_graphs))

    def on_validation_epoch_end(self) -> None:
        total = sum(n for _, n in self._val)
        self.log("val_loss", sum(v for v, _ in self._val) / max(1, total))
        self._val.clear()

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["molpred_seconds"] = self.seconds + time.perf_counter() - self._start

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.seconds = float(checkpoint.get("molpred_seconds", 0.0))
        self._start = time.perf_counter()

    def elapsed(self) -> float:
        """Training seconds over all sessions of this run."""
        return self.seconds + time.perf_counter() - self._start

    def configure_optimizers(self):
        return warmup_decay(torch.optim.Adam(self.parameters(), lr=self.lr),
                            self.steps_per_epoch, self.epochs * self.steps_per_epoch)


class _Batches(torch.utils.data.Dataset):
    """Batches of a packed corpus: item ``i`` is batch ``i`` of this epoch's order."""

    def __init__(self, packed: PackedGraphs, targets: np.ndarray, rows: np.ndarray,
                 batch_size: int, shuffle: bool, seed: int) -> None:
        self.packed, self.targets, self.rows = packed, targets, rows
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        order = (np.random.default_rng([self.seed, epoch]).permutation(self.rows)
                 if self.shuffle else self.rows)
        self.order = order

    def __len__(self) -> int:
        return math.ceil(len(self.rows) / self.batch_size)

    def __getitem__(self, i: int):
        return self.packed.batch(self.order[i * self.batch_size:(i + 1) * self.batch_size],
                                 self.targets)


class _EpochSampler(torch.utils.data.Sampler):
    """Indices of the batches; passes Lightning's ``set_epoch`` to the dataset's shuffle."""

    def __init__(self, batches: _Batches) -> None:
        self.batches = batches

    def set_epoch(self, epoch: int) -> None:
        self.batches.set_epoch(epoch)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.batches)))

    def __len__(self) -> int:
        return len(self.batches)


class _History(L.Callback):
    """Appends ``epoch,train_loss,val_loss,seconds`` to ``history.csv`` after each epoch."""

    def __init__(self, path: Path, report: Callable[[str], None] | None) -> None:
        self.path, self.report = path, report

    def on_train_epoch_end(self, trainer: L.Trainer, module: DescriptorPretrainer) -> None:
        metrics = trainer.callback_metrics
        row = {"epoch": trainer.current_epoch + 1,
               "train_loss": round(float(metrics.get("train_loss", float("nan"))), 5),
               "val_loss": round(float(metrics.get("val_loss", float("nan"))), 5),
               "seconds": round(module.elapsed(), 1)}
        rows = []
        if self.path.exists():  # an epoch redone after a cut-off replaces its line
            with self.path.open(newline="") as handle:
                rows = [r for r in csv.DictReader(handle) if int(r["epoch"]) < row["epoch"]]
        with self.path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(row))
            writer.writeheader()
            writer.writerows([*rows, row])
        if self.report is not None:
            self.report(f"epoch {row['epoch']}: train loss {row['train_loss']:.4f}, "
                        f"val loss {row['val_loss']:.4f}, {row['seconds'] / 60:.1f} min")


class _EpochCheckpoint(L.Callback):
    """Writes Lightning's checkpoint to ``path`` at the end of every training epoch (after
    the history line), through a temporary file, so a cut-off leaves the previous one whole."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".tmp")
        trainer.save_checkpoint(partial)
        partial.replace(self.path)


class _OutOfTime(Exception):
    """This session's time is up (the last finished epoch's checkpoint stands)."""


class _SessionTimer(L.Callback):
    """Ends the session once it has trained ``seconds`` (counted from this session's start,
    not the run's), after the batch in progress."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.start = seconds, time.perf_counter()

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        if time.perf_counter() - self.start > self.seconds:
            raise _OutOfTime


LEGACY_SETTINGS = ("checkpoint_steps",)
"""Settings of earlier runs that no longer mean anything (step checkpoints)."""


def read_settings(run: Path) -> dict:
    """A run's ``settings.json`` without :data:`LEGACY_SETTINGS`."""
    saved = json.loads((run / "settings.json").read_text())
    return {k: v for k, v in saved.items() if k not in LEGACY_SETTINGS}


def prepare_corpus(
    settings: PretrainSettings, run: Path, report: Callable[[str], None] | None = None,
) -> tuple[PackedGraphs, DescriptorScaler, np.ndarray]:
    """The run's featurized corpus, scaler and validation rows (computed once, then read).

    Raises:
        InputError: if the corpus, datasets or split folders are missing or too small.
    """
    say = report or (lambda _: None)
    features, corpus_file = run / "features.npz", run / "corpus.json"
    if not features.exists():
        held: set[str] = set()
        if settings.splits_dir:
            say("holding out the benchmark test molecules...")
            held = benchmark_test_keys(settings.datasets_dir, settings.splits_dir)
        say(f"{len(held):,} test-part structures held out; choosing {settings.size:,} molecules...")
        chosen = select_corpus(settings.corpus, settings.size, held)
        say(f"featurizing {settings.size:,} molecules (graphs and RDKit 2D descriptors)...")
        packed, failed = PackedGraphs.featurize(chosen.smiles)
        packed.save(run / "features.tmp.npz")
        corpus_file.write_text(json.dumps({
            "file": Path(settings.corpus).name, "size": settings.size,
            "rows_read": chosen.rows_read, "held_out_test_molecules": chosen.held_out,
            "unreadable": chosen.unreadable, "featurization_failed": failed,
            "digest": chosen.digest, "held_out_structures": len(held)}, indent=1))
        (run / "features.tmp.npz").replace(features)
    packed = PackedGraphs.load(features)
    rng = np.random.default_rng(settings.seed)
    order = rng.permutation(len(packed))
    n_val = max(1, int(round(settings.val_fraction * len(packed))))
    val, train = np.sort(order[:n_val]), np.sort(order[n_val:])
    scaler = DescriptorScaler.fit(packed.descriptors[train])
    return packed, scaler, val


def export_from_checkpoint(run: str | Path, out: str | Path | None = None) -> Path:
    """Export the backbone of a finished run from its last checkpoint (e.g. into the package,
    ``out=molpred/pretraining/backbones/NAME``); reads the checkpoint's tensors only
    (``weights_only``). ``out`` defaults to ``run/backbone``.

    Raises:
        InputError: if the run has no checkpoint or settings, or has not finished.
    """
    run = Path(run)
    last = run / "checkpoints" / "last.ckpt"
    if not last.exists() or not (run / "settings.json").exists():
        raise InputError(f"{run} holds no finished pretraining run")
    settings = PretrainSettings(**read_settings(run))
    with (run / "history.csv").open(newline="") as handle:
        finished = len(list(csv.DictReader(handle)))
    if finished < settings.epochs:
        raise InputError(f"{run} has finished {finished} of its {settings.epochs} epochs; "
                         "resume it before exporting")
    names = json.loads((run / "targets.json").read_text())["names"]
    state = torch.load(last, map_location="cpu", weights_only=True)["state_dict"]
    encoder = ENCODERS.get(ENCODER)(**{**settings.encoder_params, "dropout": 0.0})
    encoder.load_state_dict({k.removeprefix("encoder."): v for k, v in state.items()
                             if k.startswith("encoder.")})
    from molpred.pretraining.backbone import export_backbone

    return export_backbone(run, encoder, settings.encoder_params, asdict(settings), names,
                           None if out is None else Path(out))


def pretrain(settings: PretrainSettings, run: str | Path,
             report: Callable[[str], None] | None = None, max_seconds: float | None = None) -> Path:
    """Run (or resume) pretraining in folder ``run``; export the backbone when it finishes.

    Args:
        settings: The run's settings (saved as ``settings.json``; a resumed run must match).
        run: The run folder (created if needed).
        report: Called with one progress line at a time.
        max_seconds: End this session after this long; the last finished epoch's checkpoint
            stands, and the same command resumes from it.

    Returns:
        The run folder.

    Raises:
        InputError: if ``run`` holds a run with other settings, or the inputs are missing.
    """
    run = Path(run)
    run.mkdir(parents=True, exist_ok=True)
    saved = run / "settings.json"
    if saved.exists():
        before = read_settings(run)
        if before != asdict(settings):
            changed = sorted(k for k in before if before[k] != asdict(settings).get(k))
            raise InputError(f"{run} holds a run with other settings ({', '.join(changed)}); "
                             "resume it with the same ones or choose another folder")
    else:
        saved.write_text(json.dumps(asdict(settings), indent=1))
    packed, scaler, val = prepare_corpus(settings, run, report)
    (run / "targets.json").write_text(json.dumps(scaler.to_dict()))
    targets = scaler.transform(packed.descriptors)
    train = np.setdiff1d(np.arange(len(packed)), val)
    train_batches = _Batches(packed, targets, train, settings.batch_size, True, settings.seed)
    val_batches = _Batches(packed, targets, val, 512, False, settings.seed)
    loader = torch.utils.data.DataLoader(train_batches, batch_size=None,
                                         sampler=_EpochSampler(train_batches))
    val_loader = torch.utils.data.DataLoader(val_batches, batch_size=None)
    L.seed_everything(settings.seed, verbose=False)
    module = DescriptorPretrainer(settings.encoder_params, len(scaler.names), settings.lr,
                                  settings.epochs, len(train_batches))
    checkpoints = run / "checkpoints"
    last = checkpoints / "last.ckpt"
    for name in ("lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.WARNING)
    trainer = L.Trainer(
        accelerator="auto", devices=1, max_epochs=settings.epochs, logger=False,
        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
        callbacks=[_History(run / "history.csv", report), _EpochCheckpoint(last),
                   *([_SessionTimer(max_seconds)] if max_seconds is not None else [])],
    )
    if report is not None:
        report(f"{len(train):,} training and {len(val):,} validation molecules, "
               f"{len(scaler.names)} descriptors" + (", resuming" if last.exists() else ""))
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", ".*does not have many workers.*")
            trainer.fit(module, loader, val_loader, ckpt_path=str(last) if last.exists() else None)
    except _OutOfTime:
        if report is not None:
            report("out of time for this session: run the same command again to resume from "
                   "the last finished epoch")
        return run
    if trainer.current_epoch >= settings.epochs:
        from molpred.pretraining.backbone import export_backbone

        export_backbone(run, module.encoder, settings.encoder_params, asdict(settings),
                        scaler.names)
    return run
