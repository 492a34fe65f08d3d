"""A progress bar on stderr for long commands (plain text: the command line does not need Textual)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 24


class StderrProgress:
    """Call with (stage, done, total). Draws on a terminal at most ten times a second; silent when stderr
    is a file or a pipe, so that logs stay clean."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.stage = ""
        self.started = time.monotonic()
        self.drawn = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if stage != self.stage:
            self.stage, self.started = stage, now
        elif done < total and now - self.drawn < 0.1:
            return
        self.drawn = now
        share = done / total if total else 1.0
        filled = round(share * BAR_WIDTH)
        rate = done / (now - self.started) if now > self.started else 0.0
        eta = f" {((total - done) / rate):.0f}s left" if rate > 0 and done < total else ""
        line = f"{stage} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}{eta}"
        self.stream.write("\r" + line[:119].ljust(119))
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.drawn:
            self.stream.write("\r" + " " * 119 + "\r")
            self.stream.flush()
