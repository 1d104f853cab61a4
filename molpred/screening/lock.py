"""An exclusive lock on a screen's output for the whole run, so that two runs writing the same
file (or its work folder) never interleave: the second is refused at once, naming the first.

The lock is ``fcntl.flock`` on ``OUTPUT.lock`` (released by the kernel when the holder dies,
even by ``kill -9``, so a crashed run never blocks the next). The file holds the holder's pid
and start time. After locking, the path is checked to still name the locked file (another run
may have removed it in between), the usual guard for lock files that are deleted on release.
On systems without ``fcntl`` (Windows) no lock is taken.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from molpred.exceptions import InputError

LOCK_SUFFIX = ".lock"


def lock_path(output: str | Path) -> Path:
    """``OUTPUT.lock``, beside the output."""
    output = Path(output)
    return output.with_name(output.name + LOCK_SUFFIX)


class OutputLock:
    """Hold the exclusive lock of ``output`` from construction until :meth:`release`.

    Args:
        output: The output file a run will write.

    Raises:
        InputError: if another process holds the lock (the message names its pid and when it
            started), or the lock file cannot be created.
    """

    def __init__(self, output: str | Path) -> None:
        self.path = lock_path(output)
        self._fd: int | None = None
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return
        for _ in range(5):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise InputError(f"cannot create the lock file {self.path}: {exc}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = _read(fd)
                os.close(fd)
                raise InputError(
                    f"another molpred run ({holder or 'pid unknown'}) is writing "
                    f"{Path(output).name}; wait for it to finish, or choose another output "
                    f"(lock: {self.path})") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}"
                         .encode())
                self._fd = fd
                return
            os.close(fd)  # the file was removed by its previous holder: lock the new one
        raise InputError(f"could not take the lock {self.path}: it keeps being replaced")

    def release(self) -> None:
        """Remove the lock file and release the lock (idempotent)."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)  # closing releases the flock
            self._fd = None

    def __enter__(self) -> OutputLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode(errors="replace").strip()
    except OSError:
        return ""
