"""glibc allocator tuning for inference workers (molpred.allocator)."""

import subprocess
import sys

import pytest

from molpred import allocator


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt is Linux-only")
def test_thresholds_take_effect_in_a_fresh_process():
    # a child process, so this test run's own allocator is left as it was
    code = ("from molpred.allocator import reuse_freed_memory as r; "
            "import sys; sys.exit(0 if r() else 1)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_without_glibc_nothing_changes(monkeypatch):
    monkeypatch.setattr(allocator, "_libc", lambda: None)
    assert allocator.reuse_freed_memory() is False


def test_a_refused_setting_is_reported(monkeypatch):
    class RefusingLibc:
        @staticmethod
        def mallopt(param, value):
            return 0

    monkeypatch.setattr(allocator, "_libc", lambda: RefusingLibc())
    assert allocator.reuse_freed_memory() is False
