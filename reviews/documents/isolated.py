"""Run typst in a forked child process, one per build.

typst keeps a process-wide cache of everything it ever laid out; a long-running worker would
grow by hundreds of megabytes per build (three gigabytes after two builds of a 700-project
review, measured by bench/build_review.py) and get slower. A child process returns all of it
to the system when it exits, and a crash in the renderer cannot take the worker down with it.
All typst work happens in children, so the parent never starts typst's thread pool (a fork
copies no threads).

`Forked` lets the parent work while the child does: the child's function is a generator, each
value it yields is sent back as soon as it is ready (`receive()`), so the parent can use the
first (the charts) while the child renders the next (the PDF).
"""

import ctypes
import ctypes.util
import os
import pickle
import signal
import struct
import traceback
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

_LENGTH = struct.Struct("!Q")  # each message: its length, then (ok, value) pickled


class RenderError(Exception):
    """The renderer failed in the child; the message says why."""


def _die_with_parent() -> None:
    """Ask Linux to kill this child if its parent dies (prctl PR_SET_PDEATHSIG)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the child still ends when it finds the pipe closed


def _send(pipe: BinaryIO, ok: bool, value: Any) -> None:
    payload = pickle.dumps((ok, value))
    pipe.write(_LENGTH.pack(len(payload)) + payload)
    pipe.flush()


def _child(write_end: int, read_end: int, function: Callable[..., Iterator], args) -> None:
    """Compute, send each result, leave without any cleanup of the parent's: never return into
    the parent's code, whatever happens (its parent may be gone)."""
    try:
        _die_with_parent()
        os.close(read_end)
        with os.fdopen(write_end, "wb") as pipe:
            try:
                for value in function(*args):
                    _send(pipe, True, value)
            except BaseException as error:  # noqa: BLE001 - everything goes back to the parent
                _send(pipe, False, f"{error}" or traceback.format_exc(limit=1))
    finally:
        os._exit(0)


class Forked:
    """A child process running `function(*args)`, a generator; the parent receives its values
    in order. Use as a context manager: leaving it ends the child (killed if still running)."""

    def __init__(self, function: Callable[..., Iterator], *args) -> None:
        read_end, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            _child(write_end, read_end, function, args)
        os.close(write_end)
        self._pipe = os.fdopen(read_end, "rb")
        self.status: int | None = None
        self.peak_rss_mb = 0.0  # the child's largest resident memory, once it ended

    def _read(self, size: int) -> bytes:
        data = self._pipe.read(size)
        if len(data) < size:  # the child ended without sending it
            self.close()
            raise RenderError(f"the renderer stopped unexpectedly (exit status {self.status})")
        return data

    def receive(self) -> Any:
        """The child's next value; raises RenderError if it failed or stopped."""
        try:
            (length,) = _LENGTH.unpack(self._read(_LENGTH.size))
            ok, value = pickle.loads(self._read(length))  # noqa: S301 - our own child's pickle
        except BaseException:  # a time limit or a stop while waiting: the child goes too
            self.close(kill=True)
            raise
        if not ok:
            self.close()
            raise RenderError(value)
        return value

    def close(self, *, kill: bool = False) -> None:
        """Wait for the child (kill it first if asked); once."""
        if self.status is not None:
            return
        self._pipe.close()
        if kill:
            os.kill(self.pid, signal.SIGKILL)
        _, self.status, usage = os.wait4(self.pid, 0)
        self.peak_rss_mb = usage.ru_maxrss / 1024  # Linux gives kilobytes

    def __enter__(self) -> "Forked":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close(kill=exc_info[0] is not None)


def _once[T](function: Callable[..., T], *args) -> Iterator[T]:
    yield function(*args)


def run_forked[T](function: Callable[..., T], *args) -> T:
    """`function(*args)` computed in a child process, its result returned here."""
    with Forked(_once, function, *args) as child:
        return child.receive()
