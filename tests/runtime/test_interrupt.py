"""Ctrl-C ends a run with exit code 130 at any moment — also when a library swallows the
`KeyboardInterrupt` (llvmlite's ctypes callbacks during numba's first compilation) — and
leaves the cache usable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rdl.db.write import to_url
from rdl.runtime import interrupt
from tests.fixtures import toy_signal
from tests.fixtures.toy_signal import toy_db


def _swallowing_library():
    try:
        signal.raise_signal(signal.SIGINT)
    except KeyboardInterrupt:
        pass  # what a C callback does with it


def test_an_interrupt_a_library_swallows_is_still_seen():
    previous = signal.getsignal(signal.SIGINT)
    try:
        interrupt.install()
        interrupt.reset()
        _swallowing_library()
        assert interrupt.interrupted()
        with pytest.raises(KeyboardInterrupt):
            interrupt.check()
        interrupt.reset()
        interrupt.check()  # control: nothing pending, nothing raised
        assert not interrupt.interrupted()
    finally:
        signal.signal(signal.SIGINT, previous)
        interrupt.reset()


@pytest.mark.slow
def test_sigint_at_any_moment_of_a_cold_run_exits_130(tmp_path):
    db = f"duckdb:///{tmp_path / 'toy.duckdb'}"
    to_url(toy_db(num_users=60), db)
    task = f"{Path(toy_signal.__file__)}:SignalTask"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}  # a cold compilation
    cmd = [
        sys.executable,
        "-m",
        "rdl.cli",
        "train",
        "--db",
        db,
        "--task",
        task,
        "--epochs",
        "1",
        "--max-steps-per-epoch",
        "2",
        "--no-text",
        "--cache-dir",
        str(tmp_path / "c"),
    ]
    for delay in (3.0, 6.0, 8.0, 9.5):  # imports, graph, the first numba compilation
        p = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
        )
        time.sleep(delay)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=120)
        if p.returncode == 0:  # the run finished before the signal: nothing to check
            continue
        assert p.returncode == 130, err
        assert "Traceback" not in err and "bug in rdl" not in err, err
        # before rdl's handler is installed (during the imports) Python ends quietly
        assert "interrupted" in err or not err.strip() or "Aborted" in err, err
    left = [f.name for f in (tmp_path / "c").rglob("*.tmp")] if (tmp_path / "c").exists() else []
    assert left == []  # no half-written cache entry
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr  # control: the cache left behind works
