"""Running a candidate's own Python code: what it prints goes to stderr, never into a command's output on
stdout, and each predictor call is bounded in time, so that a predictor that loops forever costs one
instance (recorded as its error), not the run."""

from __future__ import annotations

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


_redirect_lock = threading.Lock()
_redirect_depth = 0
_saved_stdout: Any = None


@contextmanager
def output_to_stderr() -> Iterator[None]:
    """sys.stdout is sys.stderr while any thread runs candidate code (counted, so that overlapping calls in
    worker threads restore the real stdout only when the last one ends)."""
    global _redirect_depth, _saved_stdout
    with _redirect_lock:
        if _redirect_depth == 0:
            _saved_stdout, sys.stdout = sys.stdout, sys.stderr
        _redirect_depth += 1
    try:
        yield
    finally:
        with _redirect_lock:
            _redirect_depth -= 1
            if _redirect_depth == 0:
                sys.stdout, _saved_stdout = _saved_stdout, None


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

    with output_to_stderr():
        previous = sys.gettrace()
        sys.settrace(trace)
        try:
            return function(*args)
        finally:
            sys.settrace(previous)
