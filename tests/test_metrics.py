"""Intervals and the paired test, against figures worked out by hand."""

from __future__ import annotations

import pytest

from engine.metrics import Bootstrap, sign_flip_p, wilson


def test_a_bootstrap_brackets_the_mean_and_is_seeded() -> None:
    values = [float(i % 7) for i in range(200)]
    low, high = Bootstrap(range(200), seed=3).mean_ci(values)
    assert low < sum(values) / len(values) < high < low + 1.0
    assert Bootstrap(range(200), seed=3).mean_ci(values) == (low, high)
    assert Bootstrap([]).mean_ci([]) is None


def test_a_bootstrap_by_document_moves_a_documents_instances_together() -> None:
    # one document: every resample is that document, so the interval is its mean exactly
    assert Bootstrap(["d"] * 5).mean_ci([1.0, 2.0, 3.0, 4.0, 5.0]) == pytest.approx((3.0, 3.0))
    # two documents of five: a resample holds 0, 5 or 10 of the high ones, so its mean is 0, 0.5 or 1
    values = [0.0] * 5 + [1.0] * 5
    low, high = Bootstrap(["a"] * 5 + ["b"] * 5).mean_ci(values)
    assert (low, high) == pytest.approx((0.0, 1.0))
    low, high = Bootstrap(range(10)).mean_ci(values)  # each instance its own document: narrower
    assert 0.0 < low < high < 1.0


def test_wilson_intervals_by_hand() -> None:
    # 10 of 10: [z^2 / (n + z^2), 1] with z = 1.96
    assert wilson(10, 10) == pytest.approx((10 / (10 + 1.959964**2), 1.0), abs=1e-6)
    low, high = wilson(5, 10)
    assert (low, high) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(0, 10)[0] == 0.0 and wilson(0, 0) is None


def test_the_sign_flip_test_by_hand() -> None:
    # three documents with differences 1, 2, 3: of the 8 sign flips only all-plus and all-minus reach |6|
    assert sign_flip_p([1.0, 2.0, 3.0], ["a", "b", "c"]) == pytest.approx(2 / 8)
    # 1 and 2 in one document flip together: sums 3 and 3 -> flips reach |6| twice of 4
    assert sign_flip_p([1.0, 2.0, 3.0], ["a", "a", "c"]) == pytest.approx(2 / 4)
    assert sign_flip_p([0.0] * 30, range(30)) == 1.0  # no difference: every flip is as far from 0
    many = sign_flip_p([0.5] * 40, range(40), samples=2000)  # 2^40 flips: sampled, never 0
    assert many is not None and 0 < many <= 1 / 2000 * 2
    assert sign_flip_p([], []) is None
