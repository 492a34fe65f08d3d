"""Progress of a long run: the time left in a stage, and the stderr bar (drawn on a terminal only)."""

from __future__ import annotations

import io

import pytest

from tui.progress import StageClock, StderrProgress, Throttle, time_left


class Clock:
    """A clock the test moves by hand: no test races a busy machine."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_time_left_goes_by_the_stage_average_since_its_first_report() -> None:
    clock = Clock()
    stage = StageClock(clock)
    assert stage.seconds_left("scoring", 10, 100) is None  # no rate yet
    clock.now += 9.0
    assert stage.seconds_left("scoring", 40, 100) == pytest.approx(18.0)  # 30 done in 9 s: 60 more in 18 s
    clock.now += 1.0
    assert stage.seconds_left("finding", 0, 5) is None  # a new stage starts its own average
    clock.now += 2.0
    assert stage.seconds_left("finding", 1, 5) == pytest.approx(8.0)
    assert stage.seconds_left("finding", 5, 5) is None  # complete


def test_the_throttle_passes_a_stage_first_and_last_report_and_one_a_period_between() -> None:
    clock = Clock()
    throttle = Throttle(0.05, clock)
    passed = []
    for stage, done, total, step in [("finding", 1, 10, 0.0), ("finding", 2, 10, 0.01), ("finding", 3, 10, 0.05),
                                     ("finding", 10, 10, 0.01), ("scoring", 0, 4, 0.0), ("scoring", 1, 4, 0.01)]:
        clock.now += step
        if throttle.due(stage, done, total):
            passed.append((stage, done))
    assert passed == [("finding", 1), ("finding", 3), ("finding", 10), ("scoring", 0)]


@pytest.mark.parametrize("seconds, said", [(0.2, "about 1 s left"), (42.4, "about 42 s left"),
                                           (185, "about 3 min left"), (7500, "about 2 h 5 min left")])
def test_time_left_in_words(seconds: float, said: str) -> None:
    assert time_left(seconds) == said


def test_the_bars_on_a_terminal_show_each_stage_its_rate_and_the_time_left() -> None:
    clock, stream = Clock(), Terminal()
    bar = StderrProgress(stream, clock)
    bar("finding the instances of 2 candidates", 10, 10)
    bar("scoring 2 candidates on 2 models", 0, 400)
    clock.now += 10.0
    bar("scoring 2 candidates on 2 models", 100, 400)
    drawn = stream.getvalue()
    last = drawn[drawn.rindex("finding the instances"):]  # the last frame: both stages, the first one complete
    assert "10/10" in last and "scoring 2 candidates on 2 models" in last
    assert "100/400" in last and "10.0/s" in last and "about 30 s left" in last
    clock.now += 0.05
    bar("scoring 2 candidates on 2 models", 101, 400)  # within a tenth of a second: not drawn
    assert stream.getvalue() == drawn
    bar.close()
    assert stream.getvalue().endswith("\x1b[2K")  # the lines are cleared: the results come after them


def test_the_bar_writes_nothing_to_a_file_or_a_pipe() -> None:
    stream = io.StringIO()  # not a terminal
    bar = StderrProgress(stream, Clock())
    bar("scoring", 1, 2)
    bar.close()
    assert stream.getvalue() == ""
