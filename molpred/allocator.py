"""Keep freed memory in the process for reuse (glibc ``mallopt``), for inference on the CPU.

Every D-MPNN forward pass allocates and frees bond-state tensors of a few MB (for 32 library
molecules, ``float32 [~2,400 bonds, 300]`` is 2.9 MB). With glibc's default settings such
blocks come from fresh ``mmap`` pages or are trimmed from the heap when freed, so the next
batch pays page faults and the kernel's zeroing of every page again. Raising the mmap and
trim thresholds keeps the freed blocks in the heap and reuses them. The arithmetic is
unchanged; only where the buffers live changes.

Measured on this project's 2-core AMD EPYC, one thread, 2,048 library molecules in
batches of 32, six runs alternating: forward 0.79-0.85 -> 0.65-0.73 ms per molecule
(medians per run). Training steps showed no clear change, so only inference workers use
it. The cost is that up to ``trim_threshold`` bytes of freed memory stay resident in each
process.

See ``man 3 mallopt`` (``M_MMAP_THRESHOLD``, ``M_TRIM_THRESHOLD``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 32 << 20
"""Blocks up to 32 MiB come from the heap (glibc's largest allowed value on 64-bit)."""
TRIM_THRESHOLD = 128 << 20
"""Up to 128 MiB of free heap stays with the process instead of going back to the kernel."""


@functools.cache
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "mallopt") else None
    except OSError:
        return None


def reuse_freed_memory(mmap_threshold: int = MMAP_THRESHOLD,
                       trim_threshold: int = TRIM_THRESHOLD) -> bool:
    """Ask glibc's allocator to keep freed blocks for reuse in this process.

    Args:
        mmap_threshold: Allocations up to this many bytes come from the heap, not ``mmap``.
        trim_threshold: Free heap up to this many bytes is kept instead of returned.

    Returns:
        ``True`` if both settings took effect; ``False`` where there is no glibc (macOS,
        Windows, musl without ``mallopt``) or it refused, in which case nothing changed
        but speed. Never raises.
    """
    libc = _libc()
    if libc is None:
        return False
    try:
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold))) and bool(
            libc.mallopt(_M_TRIM_THRESHOLD, int(trim_threshold)))
    except (AttributeError, OSError, ctypes.ArgumentError):
        return False
