"""Progress for long runs: the time left in a stage, and a bar on stderr for the command line (plain text:
the command line does not need Textual). The workbench shows the same stages and the same time left."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 24
LINE_WIDTH = 119


class StageClock:
    """The time left in the current stage, from its average rate since its first report: a stage counts the
    whole of its work (every instance of every candidate on every model), so its average is the honest rate."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.stage = ""
        self.started = 0.0
        self.done_at_start = 0

    def seconds_left(self, stage: str, done: int, total: int) -> float | None:
        """None until the stage has a rate to go by, and once it is complete."""
        now = self.clock()
        if stage != self.stage:
            self.stage, self.started, self.done_at_start = stage, now, done
            return None
        progressed, elapsed = done - self.done_at_start, now - self.started
        if progressed <= 0 or elapsed <= 0 or done >= total:
            return None
        return (total - done) * elapsed / progressed


class Throttle:
    """Whether a progress report is worth passing on: at most one every `every` seconds within a stage, but
    always a stage's first report and its end."""

    def __init__(self, every: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.clock = clock
        self.stage: str | None = None
        self.passed = 0.0

    def due(self, stage: str, done: int, total: int) -> bool:
        now = self.clock()
        if stage == self.stage and done < total and now - self.passed < self.every:
            return False
        self.stage, self.passed = stage, now
        return True


def time_left(seconds: float) -> str:
    """"about 40 s left", "about 3 min left", "about 2 h 5 min left"."""
    if seconds < 60:
        return f"about {max(1, round(seconds))} s left"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min left"
    return f"about {minutes // 60} h {minutes % 60} min left"


class StderrProgress:
    """Call with (stage, done, total). Draws on a terminal at most ten times a second; silent when stderr
    is a file or a pipe, so that logs stay clean."""

    def __init__(self, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.clock = clock
        self.stage_clock = StageClock(clock)
        self.drawn = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = self.clock()
        new_stage = stage != self.stage_clock.stage
        left = self.stage_clock.seconds_left(stage, done, total)
        if not new_stage and done < total and now - self.drawn < 0.1:
            return
        self.drawn = now
        share = done / total if total else 1.0
        filled = round(share * BAR_WIDTH)
        eta = f" {time_left(left)}" if left is not None else ""
        line = f"{stage} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}{eta}"
        self.stream.write("\r" + line[:LINE_WIDTH].ljust(LINE_WIDTH))
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.drawn:
            self.stream.write("\r" + " " * LINE_WIDTH + "\r")
            self.stream.flush()
