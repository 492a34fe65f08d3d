"""Progress for long runs: the time left in a stage, a throttle, and bars on stderr for the command line (drawn
by rich.progress: the command line does not need Textual). The workbench shows the same stages and the same
time left."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

BAR_WIDTH = 24


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

    def rate(self, done: int) -> float | None:
        """Work done a second in the current stage, on average since its first report (None until it has one)."""
        progressed, elapsed = done - self.done_at_start, self.clock() - self.started
        return progressed / elapsed if progressed > 0 and elapsed > 0 else None


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


def per_second(rate: float) -> str:
    """"4.7/s", "759/s", "445,199/s"."""
    return f"{rate:.1f}/s" if rate < 100 else f"{rate:,.0f}/s"


class StderrProgress:
    """Call with (stage, done, total). On a terminal, rich.progress draws a line per stage: its bar, done/total,
    its rate and the time left (the stage's own average, in the workbench's words), at most ten times a second,
    and clears them at `close`; silent when stderr is a file or a pipe, so that logs stay clean."""

    def __init__(self, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.clock = clock
        self.stage_clock = StageClock(clock)
        self.throttle = Throttle(0.1, clock)
        self.bars: Progress | None = None
        self.stages: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        left = self.stage_clock.seconds_left(stage, done, total)
        rate = self.stage_clock.rate(done)
        rate_said = per_second(rate) if rate else ""
        left_said = time_left(left) if left is not None else ""
        bars = self._bars()
        if stage in self.stages:
            bars.update(self.stages[stage], total=total, completed=done, rate=rate_said, left=left_said)
        else:
            for task in bars.tasks:  # a stage ends where the next begins
                bars.update(task.id, completed=task.total, left="")
            self.stages[stage] = bars.add_task(stage, total=total, completed=done, rate=rate_said, left=left_said)
        if self.throttle.due(stage, done, total):
            bars.refresh()

    def _bars(self) -> Progress:
        if self.bars is None:
            self.bars = Progress(TextColumn("{task.description}"), BarColumn(bar_width=BAR_WIDTH),
                                 MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                                 TextColumn("{task.fields[left]}"),
                                 console=Console(file=self.stream, force_terminal=True), get_time=self.clock,
                                 auto_refresh=False, transient=True, redirect_stdout=False, redirect_stderr=False)
            self.bars.start()
        return self.bars

    def close(self) -> None:
        if self.bars is not None:
            self.bars.stop()
            self.bars = None
