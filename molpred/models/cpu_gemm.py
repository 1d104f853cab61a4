"""Matrix products for inference on the CPU, through the faster of two BLAS libraries.

PyTorch's x86 wheels multiply float32 matrices with Intel MKL. On AMD processors MKL does
not pick its fastest kernels: on this project's AMD EPYC (AVX2) a D-MPNN-shaped product,
``[2400, 300] @ [300, 300]`` on one thread, took 7.96-8.23 ms in ``torch.mm`` and 4.94-5.48 ms
through NumPy's OpenBLAS (the product is three quarters of a D-MPNN forward pass). So
inference without autograd on a non-Intel CPU multiplies through NumPy, zero-copy on both
sides; training, GPUs and Intel CPUs keep ``torch``. Both are float32 BLAS products: they
differ only in summation order (relative differences around 1e-7, as between thread counts).

``MOLPRED_CPU_GEMM=torch`` or ``=numpy`` overrides the choice made from the CPU vendor.
"""

from __future__ import annotations

import functools
import os

import numpy as np
import torch
from torch import Tensor

from molpred.exceptions import InputError

_CHOICES = ("torch", "numpy")


@functools.cache
def numpy_gemm_preferred() -> bool:
    """``True`` where inference products go through NumPy: ``MOLPRED_CPU_GEMM=numpy``, or no
    override and a CPU that is not Intel's (``/proc/cpuinfo``; elsewhere ``False``).

    Raises:
        InputError: for a ``MOLPRED_CPU_GEMM`` other than ``torch`` or ``numpy``.
    """
    choice = os.environ.get("MOLPRED_CPU_GEMM", "").strip().lower()
    if choice:
        if choice not in _CHOICES:
            raise InputError(f"MOLPRED_CPU_GEMM must be torch or numpy, got {choice!r}")
        return choice == "numpy"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            vendor = next((line.split(":", 1)[1].strip() for line in fh
                           if line.startswith("vendor_id")), "")
    except OSError:
        return False
    return vendor not in ("", "GenuineIntel")


def _use_numpy(*tensors: Tensor) -> bool:
    return (not torch.is_grad_enabled() and all(
        t.device.type == "cpu" and t.dtype == torch.float32 for t in tensors)
        and numpy_gemm_preferred() and not torch.is_autocast_enabled("cpu"))


def addmm(bias: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """``bias + a @ b``: ``float32 [n, k] @ [k, m] + [n, m]`` (or a broadcastable bias),
    like ``torch.addmm``; through NumPy's BLAS when :func:`numpy_gemm_preferred` and no
    gradient is needed."""
    if not _use_numpy(bias, a, b):
        return torch.addmm(bias, a, b)
    out = torch.from_numpy(np.matmul(a.numpy(), b.numpy()))
    return out.add_(bias)


def mm(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` for ``float32 [n, k]`` and ``[k, m]`` (see :func:`addmm`)."""
    if not _use_numpy(a, b):
        return torch.mm(a, b)
    return torch.from_numpy(np.matmul(a.numpy(), b.numpy()))


def linear(x: Tensor, layer: torch.nn.Linear) -> Tensor:
    """``layer(x)`` for a 2-D ``x`` (see :func:`addmm`)."""
    if layer.bias is None:
        return mm(x, layer.weight.t())
    return addmm(layer.bias, x, layer.weight.t())
