"""A watchdog that ends the processes of a local Ray when the screen that started it dies.

``ray.init()`` starts a local cluster whose processes share the driver's fate only in
part: after ``kill -9`` of the driver, Ray 2.60's raylet and workers end, but its
``DashboardAgent`` and ``RuntimeEnvAgent`` stay alive, orphaned, holding memory (measured
on this machine: both alive 80 s after the kill). Nothing in the driver can run after a
``SIGKILL``, so cleanup needs a second process.

The reaper is that process, the pattern of Ray's own ``ray_process_reaper`` (a child that
notices its parent's death by end-of-file on an inherited pipe): the screen starts it,
writes it the processes of its Ray (pid and start time, so a recycled pid is never hit)
after ``ray.init`` and again every second (Ray starts agents and actors later), and keeps
the pipe open. When the pipe closes without the word ``done``
(the screen died: any signal, crash or ``os._exit``), the reaper terminates those processes
and their descendants (``SIGTERM``, then ``SIGKILL`` after 5 s); after ``done`` (a normal
``ray.shutdown``) it simply exits. It runs in its own session, so a Ctrl-C sent to the
terminal's process group reaches the screen (which shuts Ray down itself), not the reaper.

Uses psutil, a dependency of Ray.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from typing import IO, Any

DONE = "done"
GRACE_SECONDS = 5.0
WATCH_SECONDS = 1.0
"""How often the driver resends its process list (:meth:`Reaper.keep_watching`)."""


class Reaper:
    """The driver's side: start the watchdog, tell it which processes to watch, release it.

    Example::

        reaper = Reaper.start()
        ray.init(...)
        reaper.watch_children()   # the processes ray.init started
        ...
        ray.shutdown()
        reaper.release()          # normal end: the watchdog exits without killing anything
    """

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.pipe: IO[str] = process.stdin  # type: ignore[assignment]
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @classmethod
    def start(cls) -> Reaper:
        """Start the watchdog process (``python -m molpred.screening.reaper``)."""
        process = subprocess.Popen(
            [sys.executable, "-m", "molpred.screening.reaper"], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
            start_new_session=True, close_fds=True)
        return cls(process)

    def watch_children(self) -> int:
        """Send the watchdog every current descendant of this process (pid, start time);
        return how many. Call after ``ray.init`` and again after new processes appear."""
        import psutil

        listed = []
        for child in psutil.Process().children(recursive=True):
            if child.pid == self.process.pid:
                continue
            try:
                listed.append([child.pid, child.create_time()])
            except psutil.Error:
                continue
        self._send(json.dumps(listed))
        return len(listed)

    def keep_watching(self, every: float = WATCH_SECONDS) -> None:
        """Resend the process list every ``every`` seconds from a daemon thread, until
        :meth:`release`: Ray starts its agents and actors after ``ray.init`` returns (later
        still on a loaded machine), and they must be on the list before the driver dies."""
        def loop() -> None:
            while not self._stop.wait(every):
                self.watch_children()

        self._watcher = threading.Thread(target=loop, name="molpred-reaper-watch", daemon=True)
        self._watcher.start()

    def release(self) -> None:
        """Tell the watchdog the run ended normally, and wait for it to exit."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=WATCH_SECONDS * 2)
        self._send(DONE)
        try:
            self.pipe.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - the watchdog reads one line
            self.process.kill()

    def _send(self, line: str) -> None:
        with self._lock:
            try:
                self.pipe.write(line + "\n")
                self.pipe.flush()
            except (BrokenPipeError, ValueError, OSError):  # the watchdog is gone
                pass


def _reap(watched: dict[int, float]) -> None:
    """Terminate the watched processes still alive (same pid *and* start time) and their
    descendants: ``SIGTERM``, then ``SIGKILL`` after :data:`GRACE_SECONDS`."""
    import psutil

    victims: dict[int, Any] = {}
    for pid, started in watched.items():
        try:
            process = psutil.Process(pid)
            if abs(process.create_time() - started) > 0.01:
                continue  # the pid was recycled: not ours
            for p in [process, *process.children(recursive=True)]:
                victims[p.pid] = p
        except psutil.Error:
            continue
    for p in victims.values():
        try:
            p.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(list(victims.values()), timeout=GRACE_SECONDS)
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass


def main(stream: IO[str] = sys.stdin) -> None:
    """The watchdog: read process lists until ``done`` (exit) or end-of-file (reap)."""
    watched: dict[int, float] = {}
    for line in stream:
        line = line.strip()
        if line == DONE:
            return
        try:
            watched.update({int(pid): float(started) for pid, started in json.loads(line)})
        except (ValueError, TypeError):
            continue
    _reap(watched)


if __name__ == "__main__":
    os.environ.pop("RAY_ADDRESS", None)
    main()
