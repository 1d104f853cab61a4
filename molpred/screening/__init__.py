"""Screening: stream a compound library through a model in chunks.

* :func:`molpred.screening.engine.screen` — the streaming engine (resumable, with
  optional filter, top-K ranking and drug-likeness columns) and its :class:`ScreenReport`;
* :mod:`molpred.screening.executors` — where its chunks run: in process, a local pool, Ray;
* :mod:`molpred.screening.selection` — :class:`RowFilter` and :class:`TopK`;
* :mod:`molpred.screening.resume` — the checkpoint folder that makes a screen resumable;
* :mod:`molpred.screening.ray_engine` — ``screen_ray``, the same screen on a Ray cluster.

Importing this package imports none of them (they pull in torch and RDKit).
"""
