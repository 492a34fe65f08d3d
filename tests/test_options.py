"""The options objects check their own values, so that every face (the commands, the screens) gets the same
one-line error, naming the command's option."""

from __future__ import annotations

import math

import pytest

from engine.errors import LmgameError
from games.scanning import ScanOptions
from games.scoring import ScoreOptions


@pytest.mark.parametrize(("values", "expected"), [
    ({"limit": 0}, "--limit must be at least 1"),
    ({"max_context": 1}, "--max-context must be at least 2 tokens"),
    ({"regex_timeout": 0.0}, "--regex-timeout must be more than 0 and at most 600 seconds"),
    ({"regex_timeout": math.nan}, "--regex-timeout must be more than 0"),
    ({"regex_timeout": math.inf}, "--regex-timeout must be more than 0"),
])
def test_score_options_refuse_what_no_run_can_use(values: dict, expected: str) -> None:
    with pytest.raises(LmgameError, match=expected):
        ScoreOptions(**values)


@pytest.mark.parametrize(("values", "expected"), [
    ({"threshold": 0.0}, "--threshold must be more than 0 and at most 1"),
    ({"threshold": 1.5}, "--threshold must be more than 0 and at most 1"),
    ({"threshold": math.nan}, "--threshold must be more than 0 and at most 1"),
    ({"max_tokens": 0}, "--max-tokens must be at least 1"),
    ({"max_context": 1}, "--max-context must be at least 2 tokens"),
])
def test_scan_options_refuse_what_no_scan_can_use(values: dict, expected: str) -> None:
    with pytest.raises(LmgameError, match=expected):
        ScanOptions(**values)


def test_the_smallest_usable_values_pass() -> None:
    assert ScoreOptions(limit=1, max_context=2, regex_timeout=600).key()["limit"] == 1
    assert ScanOptions(threshold=1, max_tokens=1, max_context=2).threshold == 1
