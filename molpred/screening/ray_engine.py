"""``screen_ray``: the screen of :func:`molpred.screening.engine.screen` with its chunks run
by actors of a Ray cluster (:class:`molpred.screening.executors.RayActors`).

There is one engine: reading (molpred's own reader, every row kept, text columns as
strings), the pipeline's columns, ``--filter``, ``--top``, ``--druglike``, checkpoints and
``--resume`` (fingerprint marked ``engine: ray``, so a local run never resumes a Ray run's
chunks) and the output are the local screen's; only where the pipeline runs differs. Each
actor holds the model (or the panel) once, taken from Ray's object store, and runs the
pipeline on the slices of rows a local pool's worker gets, in forward passes of the local
batch size, with one thread as a local worker has: molecules are grouped into forward passes
as on the local engine, so the output has the same rows, columns and values (float32 sums
over other groupings would differ by up to 1e-5 in the embedding distance). At most two
chunks are in flight, so the file streams through and is never staged whole.

A local Ray started here is watched by :mod:`molpred.screening.reaper`, so ``kill -9`` of the
driver leaves no Ray process behind.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from molpred.predictor import Predictor
from molpred.screening.engine import DEFAULT_CONFIDENCE, ScreenReport, screen


def screen_ray(
    model: str | Path | Predictor | None,
    input: str | Path,
    output: str | Path,
    *,
    smiles_col: str | None = None,
    chunk_size: int = 10_000,
    batch_size: int | None = None,
    device: str = "auto",
    precision: str = "fp32",
    address: str | None = None,
    num_actors: int | None = None,
    progress: Callable[[int], None] | None = None,
    encoding: str | None = None,
    resume: bool = False,
    confidence: float | None = DEFAULT_CONFIDENCE,
    columns: str = "full",
    **selection,
) -> ScreenReport:
    """:func:`~molpred.screening.engine.screen` with ``engine="ray"``.

    Args:
        model, input, output, smiles_col, chunk_size, precision, progress, encoding, resume,
            confidence, columns: As for :func:`~molpred.screening.engine.screen`;
            ``selection`` takes its ``druglike``, ``filter``, ``top``, ``sort_by`` and
            ``ascending``.
        batch_size: Molecules per forward pass in an actor: default the local engine's (32
            on the CPU), 256 on actors with a GPU.
        device: ``auto`` (one GPU per actor if the cluster has GPUs, else CPU), ``cpu`` or
            ``cuda``.
        address: Ray cluster to use (``ray://host:10001``, ``host:6379`` or ``auto``);
            default ``RAY_ADDRESS`` if set, else a local Ray with ``MOLPRED_NUM_WORKERS`` (or
            all) cores, no dashboard, shut down at the end. An already initialized Ray
            (``ray.init`` by the caller) is used as is.
        num_actors: Actors (model copies): default one per GPU when using GPUs, else one per
            CPU of the cluster.

    Returns:
        A :class:`~molpred.screening.engine.ScreenReport`.

    Raises:
        InputError: Ray is not installed (``pip install 'molpred[distributed]'``),
            ``device="cuda"`` on a cluster without GPUs, ``num_actors < 1``, and everything
            :func:`~molpred.screening.engine.screen` refuses.
        ModelFileError: if ``model`` is not a readable molpred model.
    """
    return screen(model, input, output, smiles_col=smiles_col, chunk_size=chunk_size,
                  batch_size=batch_size, device=device, precision=precision, progress=progress,
                  resume=resume, encoding=encoding, confidence=confidence, columns=columns,
                  engine="ray", address=address, num_actors=num_actors, **selection)
