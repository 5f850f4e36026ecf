"""Ctrl-C ends a run, whenever it comes.

Python turns SIGINT into a `KeyboardInterrupt` wherever the main thread is, and some
libraries swallow it: during numba's first compilation llvmlite runs Python callbacks
through ctypes, which print the interrupt as "Exception ignored ..." and carry on (the run
then went on training and exited 0, or failed with a misleading "no compiled object"
error). `install` records every SIGINT before raising, so the command can still end as
interrupted (`interrupted`) and the loops stop at their next batch (`check`).

Nothing is left half written: rdl's caches are written to a temporary file and renamed
(`rdl.cachefile`), so an interrupted write leaves the previous entry or none.
"""

from __future__ import annotations

import signal
import sys
import threading

_count = [0]


def _on_sigint(signum, frame):
    _count[0] += 1
    raise KeyboardInterrupt


def _unraisable(hook):
    def quiet(info):  # "Exception ignored in ctypes callback: ... KeyboardInterrupt"
        if issubclass(info.exc_type, KeyboardInterrupt):
            _count[0] += 1
            return
        hook(info)

    quiet.rdl_interrupt = True
    return quiet


def install() -> None:
    """Record SIGINT (then raise `KeyboardInterrupt` as Python does), and keep an
    interrupt a library swallowed from printing its traceback. Only in the main thread,
    where signal handlers can be set; a no-op elsewhere."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)
    if not getattr(sys.unraisablehook, "rdl_interrupt", False):
        sys.unraisablehook = _unraisable(sys.unraisablehook)


def interrupted() -> bool:
    """Whether a SIGINT arrived since `install` (or the last `reset`)."""
    return _count[0] > 0


def reset() -> None:
    _count[0] = 0


def check() -> None:
    """Raise `KeyboardInterrupt` if a SIGINT arrived that a library swallowed (called
    between batches by the fit and prediction loops)."""
    if _count[0]:
        raise KeyboardInterrupt


__all__ = ["check", "install", "interrupted", "reset"]
