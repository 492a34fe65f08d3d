"""Running a candidate's own Python code: what it prints goes to stderr, never into a command's output on
stdout, it reads nothing from stdin, and each predictor call is bounded in time, so that a predictor that loops
forever costs one instance (recorded as its error), not the run."""

from __future__ import annotations

import io
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

PREDICTOR_TIMEOUT = 2.0  # seconds per predictor call where the caller gives no finder time limit


class PredictorTimeout(BaseException):
    """A predictor ran past its deadline. A BaseException, so that `except Exception` in the predictor's
    own code cannot swallow it."""


_running = threading.local()  # .depth: how many candidate-code calls this thread is inside
_install_lock = threading.Lock()


def _in_candidate_code() -> bool:
    return getattr(_running, "depth", 0) > 0


class ThreadRouted:
    """Stands in for sys.stdout or sys.stdin: a thread running candidate code gets `instead()`, every other
    thread the stream it replaced. It is never taken out again, so that no thread ever puts back a stream that
    someone else (a TUI's output capture) has replaced since."""

    def __init__(self, usual: Any, instead: Callable[[], Any]) -> None:
        self.usual = usual
        self.instead = instead

    def _stream(self) -> Any:
        return self.instead() if _in_candidate_code() else self.usual

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream(), name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._stream())


def _route(name: str, instead: Callable[[], Any]) -> None:
    """Put a ThreadRouted in front of sys.<name>, unless one is there already (or the stream is missing)."""
    current = getattr(sys, name)
    if current is not None and not isinstance(current, ThreadRouted):
        setattr(sys, name, ThreadRouted(current, instead))


@contextmanager
def running_candidate_code() -> Iterator[None]:
    """While this thread runs candidate code, what it prints goes to stderr and stdin reads as empty (input()
    raises EOFError); other threads' stdout and stdin are theirs as before."""
    with _install_lock:
        _route("stdout", lambda: sys.stderr)
        _route("stdin", io.StringIO)
    _running.depth = getattr(_running, "depth", 0) + 1
    try:
        yield
    finally:
        _running.depth -= 1


def call_with_deadline(function: Callable[..., Any], args: tuple[Any, ...], seconds: float) -> Any:
    """function(*args), raising PredictorTimeout in this thread once it runs past `seconds`.

    A trace function checks the clock at every bytecode of the Python code the call runs (line events alone
    miss a loop written on one line). It cannot interrupt one long call into C (a regex without a time limit,
    a sleep), nor a loop that catches BaseException and goes on."""
    deadline = time.monotonic() + seconds

    def trace(frame: Any, event: str, arg: Any) -> Any:
        if event == "call":
            frame.f_trace_opcodes = True
        if time.monotonic() > deadline:
            raise PredictorTimeout(f"the predictor ran past {seconds:g} s")
        return trace

    with running_candidate_code():
        previous = sys.gettrace()
        sys.settrace(trace)
        try:
            return function(*args)
        finally:
            sys.settrace(previous)
