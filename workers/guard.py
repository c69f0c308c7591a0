"""Run one function in a child process under a wall-clock limit and a memory ceiling.

A hostile or pathological PDF can make a parser loop or allocate without bound. Running the parse in
a forked child keeps the worker itself safe: the child gets an address-space limit (RLIMIT_AS) on top
of what it inherits, the parent watches its resident memory and the clock, and kills it when either
is exceeded. The child also dies with its parent, so killing a worker never leaves a parse running.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import resource
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

import psutil


def _context(name: str):
    context = multiprocessing.get_context(name)
    if name == "forkserver":  # the server imports the parser once; each probe then forks cheaply
        context.set_forkserver_preload(["workers.probe"])
    return context


class LimitExceeded(Exception):
    """The child ran out of time or memory. `kind` is "timeout" or "memory"; `message` is for people."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class ChildFailed(Exception):
    """The child raised (reported as `kind`, `message`) or died without answering."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class Abandoned(Exception):
    """`keep_going` returned False: someone else owns the work now; the child was stopped."""


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def _child(conn, fn: Callable[..., Any], args: tuple, memory_bytes: int, describe_error) -> None:
    _die_with_parent()
    try:
        # The ceiling is on top of the address space the child inherits from the worker.
        base = psutil.Process().memory_info().vms
        resource.setrlimit(resource.RLIMIT_AS, (base + memory_bytes, base + memory_bytes))
    except (ValueError, OSError):
        pass  # a platform without RLIMIT_AS still has the parent's RSS watchdog
    try:
        conn.send(("ok", fn(*args)))
    except MemoryError:
        conn.send(("memory", None))
    except BaseException as exc:  # everything is reported to the parent; nothing escapes as a traceback
        conn.send(("error", describe_error(exc)))
    finally:
        conn.close()


def _default_describe(exc: BaseException) -> tuple[str, str]:
    return "internal", f"{type(exc).__name__}: {exc}"


def run_limited(
    fn: Callable[..., Any],
    args: tuple = (),
    *,
    timeout_s: float,
    memory_mb: int,
    keep_going: Callable[[], bool] | None = None,
    tick_s: float = 0.5,
    describe_error: Callable[[BaseException], tuple[str, str]] = _default_describe,
    context: str = "fork",
) -> Any:
    """Return fn(*args) computed in a child process.

    Raises LimitExceeded on timeout or memory, ChildFailed when fn raised (with describe_error's
    (kind, message)) or the child crashed, Abandoned when keep_going() (called every tick) says stop.
    fn's return value must be picklable. `context` "fork" (workers: the child starts at once) or
    "forkserver" (a threaded server process: fn and args must be importable/picklable).
    """
    ctx = _context(context)
    memory_bytes = memory_mb * 1024 * 1024
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, fn, args, memory_bytes, describe_error), daemon=True)
    proc.start()
    sender.close()
    started = time.monotonic()
    base_rss = psutil.Process().memory_info().rss  # the child starts as a copy of us
    try:
        while True:
            if receiver.poll(tick_s):
                try:
                    status, payload = receiver.recv()
                except EOFError:
                    proc.join(5)
                    raise ChildFailed("crashed", _crash_message(proc.exitcode)) from None
                break
            if time.monotonic() - started > timeout_s:
                raise LimitExceeded("timeout", f"Parsing took longer than the {timeout_s:g} s limit; "
                                               "the file may be malformed or far larger than a budget disclosure.")
            if _rss(proc.pid) > base_rss + memory_bytes:
                raise LimitExceeded("memory", _memory_message(memory_mb))
            if keep_going is not None and not keep_going():
                raise Abandoned()
            if not proc.is_alive() and not receiver.poll(0):
                raise ChildFailed("crashed", _crash_message(proc.exitcode))
    finally:
        receiver.close()
        if proc.is_alive():
            proc.kill()
        proc.join(5)
    if status == "ok":
        return payload
    if status == "memory":
        raise LimitExceeded("memory", _memory_message(memory_mb))
    kind, message = payload
    raise ChildFailed(kind, message)


def _rss(pid: int) -> int:
    try:
        return psutil.Process(pid).memory_info().rss
    except psutil.Error:
        return 0


def _memory_message(memory_mb: int) -> str:
    return (f"Parsing needed more than the {memory_mb} MB memory limit; the file may be malformed "
            "or far larger than a budget disclosure.")


def _crash_message(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"The parser process was killed ({name}) before it finished."
    return f"The parser process stopped unexpectedly (exit code {exitcode})."


__all__ = ["Abandoned", "ChildFailed", "LimitExceeded", "run_limited"]
