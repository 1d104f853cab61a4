"""Executors: where a screen's chunks run through the pipeline. One engine
(:func:`molpred.screening.engine.screen`: reading, filters, top-K, drug-likeness, checkpoints,
``--resume``, the output) hands each chunk's SMILES to an executor and gets back the
pipeline's numbers (:class:`~molpred.pipeline.run.Predicted`, or a panel's
:class:`~molpred.panel.runner.PanelPredicted`):

- :class:`InProcess`: this process, one slice after another (small inputs, ``workers=1``);
- :class:`LocalPool`: a process pool on this machine whose workers each run the whole
  pipeline on their slice (CPU), or only stages 1-2 while this process predicts (GPU);
- :class:`RayActors`: actors of a Ray cluster, each holding the model once, fed the chunk
  in the slices of rows a :class:`LocalPool` worker gets; at most two chunks are in flight,
  so the input streams from the file and is never staged whole in Ray's object store.

Every executor has ``start(smiles) -> handle`` (submit a chunk now) and ``collect(handle)``
(its result, in row order), so the engine submits chunk k+1 before it collects chunk k.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from typing import Any, Protocol

from molpred.exceptions import InputError
from molpred.featurizers.featurize import default_workers, slices
from molpred.pipeline.features import concat_features, featurize
from molpred.pipeline.run import RunOptions, predict_features

RAY_MISSING = ("the Ray engine needs Ray: pip install 'molpred[distributed]' "
               "(or pip install 'ray[data]')")


class Executor(Protocol):
    """Runs chunks of a screen through the pipeline."""

    def start(self, smiles: Sequence[object]) -> Any:
        """Submit one chunk's SMILES now; returns a handle for :meth:`collect`."""

    def collect(self, handle: Any) -> Any:
        """The chunk's pipeline result (``runner.run_rows`` of all its rows, in order)."""

    def close(self) -> None:
        """Release processes, actors and a Ray started here."""


class InProcess:
    """Run each chunk here (no pool)."""

    def __init__(self, runner: Any, options: RunOptions) -> None:
        self.runner, self.options = runner, options

    def start(self, smiles: Sequence[object]) -> Sequence[object]:
        return smiles

    def collect(self, handle: Sequence[object]) -> Any:
        return self.runner.run_rows(handle, self.options, workers=1)

    def close(self) -> None:
        """Nothing to release."""


class LocalPool:
    """A process pool of ``workers`` on this machine (workers die with their parent).

    On the CPU each worker runs stages 1-3 on its slice and sends back numbers; with a GPU
    the workers run stages 1-2 and this process predicts (one CUDA context).
    """

    def __init__(self, runner: Any, options: RunOptions, workers: int, on_cpu: bool) -> None:
        from molpred.screening.orphans import orphan_safe_pool
        from molpred.screening.workers import predicting_pool

        self.runner, self.options, self.on_cpu = runner, options, on_cpu
        self.pool = predicting_pool(runner, workers) if on_cpu else orphan_safe_pool(workers)

    def start(self, smiles: Sequence[object]) -> Any:
        from molpred.screening.workers import start_prediction

        if self.on_cpu:
            return start_prediction(smiles, dataclasses.replace(self.options, device="cpu"),
                                    self.pool)
        parts = slices(smiles)
        return self.pool.map(featurize, parts, [self.options.request(self.runner)] * len(parts))

    def collect(self, handle: Any) -> Any:
        if self.on_cpu:
            return self.runner.concat(list(handle))
        return predict_features(self.runner, concat_features(list(handle)), self.options)

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


class _Actor:
    """A Ray actor: one copy of the model (or panel), stages 1-3 on each slice it is sent."""

    def __init__(self, runner: Any, options: RunOptions) -> None:
        import ray

        self.runner = ray.get(runner) if isinstance(runner, ray.ObjectRef) else runner
        self.options = options
        if options.device == "cpu":  # one thread, as a local pool worker (same sums)
            from molpred.screening.workers import init_worker

            init_worker(self.runner)

    def run(self, smiles: list) -> Any:
        return self.runner.run_rows(smiles, self.options, workers=1)


class RayActors:
    """A fixed pool of Ray actors (one per CPU of the cluster, or per GPU), fed each chunk in
    slices of :data:`~molpred.featurizers.featurize.SLICE_ROWS` rows (as :class:`LocalPool`'s
    workers are), round robin; results come back in row order. CPU actors run with one
    thread, as local workers do, so both engines give the same values.

    Connects to ``address`` / ``RAY_ADDRESS``, or starts a quiet local Ray watched by
    :class:`~molpred.screening.reaper.Reaper` (so ``kill -9`` of the driver leaves no Ray
    process behind) and shuts it down on :meth:`close`; an already initialized Ray is used as
    is and left running.

    Raises:
        InputError: Ray is not installed, ``device="cuda"`` on a cluster without GPUs, or
            ``num_actors < 1``.
    """

    def __init__(self, runner: Any, options: RunOptions, device: str,
                 address: str | None = None, num_actors: int | None = None) -> None:
        if num_actors is not None and num_actors < 1:
            raise InputError(f"num_actors must be at least 1, not {num_actors}")
        self.ray = import_ray()
        self.runner, self.turn = runner, 0
        self.started, self.reaper = start_ray(self.ray, address)
        try:
            resources = self.ray.cluster_resources()
            gpus = (int(resources.get("GPU", 0))
                    if device == "auto" or device.startswith("cuda") else 0)
            if device.startswith("cuda") and gpus == 0:
                raise InputError("--device cuda was requested but the Ray cluster has no GPU; "
                                 "use auto or cpu")
            count = num_actors or max(1, gpus or int(resources.get("CPU", 1)))
            actor = self.ray.remote(num_cpus=1, num_gpus=1 if gpus else 0)(_Actor)
            shared = self.ray.put(runner)  # once in the object store, not once per actor
            on = dataclasses.replace(options, device="cuda" if gpus else "cpu")
            self.actors = [actor.remote(shared, on) for _ in range(count)]
        except BaseException:
            self.close()
            raise

    def start(self, smiles: Sequence[object]) -> list:
        refs = []
        for part in slices(list(smiles)):
            refs.append(self.actors[self.turn % len(self.actors)].run.remote(part))
            self.turn += 1
        return refs

    def collect(self, refs: list) -> Any:
        return self.runner.concat(self.ray.get(refs))

    def close(self) -> None:
        if self.started:
            self.ray.shutdown()
            self.started = False
        if self.reaper is not None:
            self.reaper.release()
            self.reaper = None


def import_ray() -> Any:
    """Ray, or an :class:`InputError` saying how to install it."""
    try:
        import ray
    except ImportError:
        raise InputError(RAY_MISSING) from None
    return ray


def start_ray(ray: Any, address: str | None) -> tuple[bool, Any]:
    """Connect to ``address`` / ``RAY_ADDRESS``, or start a quiet local Ray watched by a
    :class:`~molpred.screening.reaper.Reaper`. Returns ``(connected here, reaper)``: an
    already initialized Ray gives ``(False, None)``, a cluster address ``(True, None)``."""
    from molpred.screening.reaper import Reaper

    if ray.is_initialized():
        return False, None
    address = address or os.environ.get("RAY_ADDRESS") or None
    quiet = {"include_dashboard": False, "logging_level": logging.WARNING, "log_to_driver": False}
    if address:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
        return True, None
    reaper = Reaper.start()  # first, so a kill during ray.init leaves nothing behind
    try:
        ray.init(num_cpus=default_workers(), **quiet)
    finally:
        reaper.watch_children()
        reaper.keep_watching()
    return True, reaper
