"""Run typst in a forked child process, one per build.

typst keeps a process-wide cache of everything it ever laid out; a long-running worker would
grow by hundreds of megabytes per build (three gigabytes after two builds of a 700-project
review, measured by bench/build_review.py) and get slower. A child process returns all of it
to the system when it exits, and a crash in the renderer cannot take the worker down with it.
All typst work happens in children, so the parent never starts typst's thread pool (a fork
copies no threads).
"""

import ctypes
import ctypes.util
import os
import pickle
import signal
import traceback
from collections.abc import Callable


class RenderError(Exception):
    """The renderer failed in the child; the message says why."""


def _die_with_parent() -> None:
    """Ask Linux to kill this child if its parent dies (prctl PR_SET_PDEATHSIG)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the child still ends when it finds the pipe closed


def run_forked[T](function: Callable[..., T], *args) -> T:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send the result, leave without any cleanup of the parent's
        try:  # never return into the parent's code, whatever happens (its parent may be gone)
            _die_with_parent()
            os.close(read_end)
            try:
                payload = pickle.dumps((True, function(*args)))
            except BaseException as error:  # noqa: BLE001 - everything goes back to the parent
                message = f"{error}" or traceback.format_exc(limit=1)
                payload = pickle.dumps((False, message))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as pipe:
            payload = pipe.read()
    except BaseException:  # a time limit or a stop while waiting: the child goes too
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    _, status = os.waitpid(pid, 0)
    if not payload:
        raise RenderError(f"the renderer stopped unexpectedly (exit status {status})")
    ok, value = pickle.loads(payload)  # noqa: S301 - our own child's pickle, through a pipe
    if not ok:
        raise RenderError(value)
    return value
