"""Worker processes that end with their parent.

A pool worker blocked on its task queue outlives a parent killed by ``SIGKILL`` (nothing
tells it to stop) and holds its memory until someone notices. On Linux each worker asks the
kernel for ``SIGTERM`` when its parent dies (``prctl(PR_SET_PDEATHSIG)``), and checks once
that the parent is not already gone (the race between fork and the request). Elsewhere this
is a no-op.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """Make this process receive ``SIGTERM`` when its parent exits (Linux; else nothing).

    Args:
        parent: The expected parent pid; if the process already has another parent (the
            original one died before the request), it exits at once.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl: best effort
        return
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def orphan_safe_pool(workers: int, initializer=None, initargs: tuple = ()):
    """A ``ProcessPoolExecutor`` whose workers die with this process (and then run
    ``initializer(*initargs)``)."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(workers, initializer=_init, initargs=(os.getpid(), initializer,
                                                                    initargs))


def _init(parent: int, initializer, initargs: tuple) -> None:
    die_with_parent(parent)
    if initializer is not None:
        initializer(*initargs)
