"""The parse guard: a child process with a wall-clock limit and a memory ceiling (real processes)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from workers.guard import Abandoned, ChildFailed, LimitExceeded, run_limited
from workers.jobs import _describe
from workers.parser.errors import NoTextLayer


def _answer(x: int) -> int:
    return x * 2


def _sleep_forever() -> None:
    time.sleep(600)


def _allocate(mb: int) -> int:
    block = bytearray(mb * 1024 * 1024)
    for i in range(0, len(block), 4096):  # touch every page so it is really resident
        block[i] = 1
    return len(block)


def _raise_parse_error() -> None:
    raise NoTextLayer("The PDF has no text layer; upload the original.")


def _raise_bug() -> None:
    raise KeyError("oops")


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_returns_the_childs_answer():
    assert run_limited(_answer, (21,), timeout_s=30, memory_mb=256) == 42


def test_stops_a_parse_that_takes_too_long():
    with pytest.raises(LimitExceeded) as caught:
        run_limited(_sleep_forever, timeout_s=1, memory_mb=256)
    assert caught.value.kind == "timeout"
    assert "1 s limit" in caught.value.message


def test_stops_a_parse_that_needs_too_much_memory():
    with pytest.raises(LimitExceeded) as caught:
        run_limited(_allocate, (600,), timeout_s=60, memory_mb=64)
    assert caught.value.kind == "memory"
    assert "64 MB" in caught.value.message


def test_a_parse_error_keeps_the_parsers_kind_and_message():
    with pytest.raises(ChildFailed) as caught:
        run_limited(_raise_parse_error, timeout_s=30, memory_mb=256, describe_error=_describe)
    assert caught.value.kind == "no_text_layer"
    assert caught.value.message == "The PDF has no text layer; upload the original."


def test_a_parser_bug_becomes_an_internal_error_without_traceback():
    with pytest.raises(ChildFailed) as caught:
        run_limited(_raise_bug, timeout_s=30, memory_mb=256, describe_error=_describe)
    assert caught.value.kind == "internal"
    assert "KeyError" in caught.value.message and "Traceback" not in caught.value.message


def test_a_crashing_child_is_reported():
    with pytest.raises(ChildFailed) as caught:
        run_limited(_die, timeout_s=30, memory_mb=256)
    assert caught.value.kind == "crashed"
    assert "SIGKILL" in caught.value.message


def test_stops_when_the_work_is_no_longer_ours():
    with pytest.raises(Abandoned):
        run_limited(_sleep_forever, timeout_s=60, memory_mb=256, keep_going=lambda: False)
