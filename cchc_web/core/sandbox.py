"""Run a function on untrusted input in a child process with a time and a memory limit.

Parsing a PDF someone uploaded (the public /verify page) can cost whatever its author wants:
a 2.4 MB file took pyHanko 44.6 s (issue 15). `run_limited` forks: the child lowers its own
address-space limit (RLIMIT_AS, what it has now plus `memory_mb`) and CPU limit, runs the
function and writes the pickled result to a pipe; the parent waits at most `timeout` seconds,
then kills it. The worker thread that asked is blocked no longer than that, and other requests
are not at all: the work happens in another process, on whatever core is free.

Fork, not spawn: the child starts in a few milliseconds with everything already imported (a
spawned interpreter would need a second to import pyHanko). The child touches no database
connection, lock or socket of the parent, and leaves with os._exit (no atexit handlers, no
buffered output flushed twice, no connection closed on the server's side).
"""

from __future__ import annotations

import math
import os
import pickle
import resource
import select
import signal
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class LimitExceeded(Exception):
    """The function ran out of time (`kind` "time"), of memory ("memory"), or its process died
    ("crash")."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _limit_child(timeout: float, memory_bytes: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = _address_space() + memory_bytes
    if hard == resource.RLIM_INFINITY or wanted <= hard:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    # A backstop should the parent die before it can kill us.
    cpu_soft, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    used = math.ceil(resource.getrusage(resource.RUSAGE_SELF).ru_utime)
    seconds = used + math.ceil(timeout) + 1
    if cpu_hard == resource.RLIM_INFINITY or seconds <= cpu_hard:
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, cpu_hard))


def _child(write_fd: int, func: Callable[..., Any], args: tuple, timeout: float, memory: int):
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # gunicorn's handlers are the parent's
        _limit_child(timeout, memory)
        try:
            outcome: tuple = ("ok", func(*args))
        except MemoryError:
            outcome = ("limit", "memory")
        except RecursionError:
            outcome = ("error", "ValueError", "structure nested too deeply")
        except BaseException as err:  # noqa: BLE001 - reported to the parent, never raised here
            outcome = ("error", type(err).__name__, str(err)[:2000])
        try:
            data = pickle.dumps(outcome)
        except Exception:  # noqa: BLE001 - an unpicklable result is a failure like any other
            data = pickle.dumps(("error", "RuntimeError", "result could not be returned"))
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view) :]
    finally:
        os._exit(0)


def run_limited(func: Callable[..., T], *args: Any, timeout: float, memory_mb: int) -> T:
    """`func(*args)` in a child process limited to `timeout` seconds (wall clock) and
    `memory_mb` MB more than the parent's address space.

    Raises LimitExceeded past either limit, ValueError when the function raised ValueError
    (or nested too deeply), RuntimeError for any other exception it raised.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        os.close(read_fd)
        _child(write_fd, func, args, timeout, memory_mb * 1024 * 1024)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([read_fd], [], [], remaining)[0]:
                os.kill(pid, signal.SIGKILL)
                raise LimitExceeded("time")
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        os.waitpid(pid, 0)
    if not chunks:
        raise LimitExceeded("crash")  # killed by the CPU limit or a signal, or a hard crash
    # The child is this program, forked a moment ago: its pickle is as trusted as we are.
    outcome = pickle.loads(b"".join(chunks))  # noqa: S301
    if outcome[0] == "ok":
        return outcome[1]
    if outcome[0] == "limit":
        raise LimitExceeded(outcome[1])
    _status, name, message = outcome
    if name == "ValueError":
        raise ValueError(message)
    if name == "MemoryError":
        raise LimitExceeded("memory")
    raise RuntimeError(f"{name}: {message}")
