"""Long loops written as generators that yield their progress, as toolong writes its file scans: the caller
decides, between two steps, whether to report, and whether to go on (a Textual worker checks `is_cancelled`
there and closes the generator). A generator returns its result (`result = yield from steps`); `drive` runs one
to the end for a caller that wants a callback instead."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TypeVar

Step = TypeVar("Step")
Result = TypeVar("Result")
Other = TypeVar("Other")


def drive(steps: Generator[Step, None, Result], report: Callable[[Step], None] | None = None) -> Result:
    """Run `steps` to the end, handing each step to `report` (which may raise to stop it); its return value."""
    try:
        while True:
            try:
                step = next(steps)
            except StopIteration as end:
                return end.value  # type: ignore[no-any-return]
            if report is not None:
                report(step)
    finally:
        steps.close()  # where `report` raised: the generator's own `finally` blocks run now, not at collection


def mapped(steps: Generator[Step, None, Result], to: Callable[[Step], Other]) -> Generator[Other, None, Result]:
    """`steps` with each step turned into another (a part's progress in the terms of the whole); its result."""
    try:
        while True:
            try:
                step = next(steps)
            except StopIteration as end:
                return end.value  # type: ignore[no-any-return]
            yield to(step)
    finally:
        steps.close()  # closing the whole closes the part
