"""The scoring rules as pure functions: worked examples and properties."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duban.assessment.scoring import RULES, Facts, Weights, rank, score

W = RULES["2026.1"]


def test_a_worked_example_shows_every_line():
    facts = Facts(
        due=20,
        closed_on_time=18,
        owed=50,
        on_time=45,
        reviewed=40,
        first_time=36,
        red=1,
        yellow=2,
        notices=1,
        deadline_changes=2,
    )
    result = score(facts, W)
    lines = {line.code: line for line in result.lines}
    assert lines["closed_on_time"].points == Decimal("36.0")  # 18/20 × 40
    assert lines["reports_on_time"].points == Decimal("27.0")  # 45/50 × 30
    assert lines["first_time"].points == Decimal("27.0")  # 36/40 × 30
    assert lines["red"].points == -2 and lines["yellow"].points == -2
    assert lines["notice"].points == -3 and lines["deadline_change"].points == -2
    assert result.total == Decimal("81.0")  # 90 − 9


def test_nothing_asked_is_full_marks_and_deductions_are_capped():
    assert score(Facts(), W).total == 100
    flooded = score(Facts(red=40), W)
    assert flooded.total == 70  # at most 30 taken
    assert any(line.code == "cap" for line in flooded.lines)


def test_adjustments_are_bounded():
    assert score(Facts(due=2, closed_on_time=1), W, Decimal("5")).total == Decimal("85.0")
    with pytest.raises(ValueError):
        score(Facts(), W, Decimal("5.1"))


def test_weights_must_add_up_and_be_known():
    with pytest.raises(ValueError, match="add up to 100"):
        Weights(closed_on_time=50)
    with pytest.raises(ValueError, match="unknown"):
        Weights.from_dict({"speed": 3})
    assert Weights.from_dict({"closed_on_time": 50, "reports_on_time": 25, "first_time": 25})


def test_ranks_share_places_on_equal_totals():
    assert rank(
        [("a", Decimal(90)), ("b", Decimal(95)), ("c", Decimal(90)), ("d", Decimal(80))]
    ) == {
        "b": 1,
        "a": 2,
        "c": 2,
        "d": 4,
    }


counts = st.integers(min_value=0, max_value=200)


@st.composite
def facts(draw):
    due = draw(counts)
    owed = draw(counts)
    reviewed = draw(counts)
    return Facts(
        due=due,
        closed_on_time=draw(st.integers(0, due)),
        owed=owed,
        on_time=draw(st.integers(0, owed)),
        reviewed=reviewed,
        first_time=draw(st.integers(0, reviewed)),
        red=draw(st.integers(0, 30)),
        yellow=draw(st.integers(0, 30)),
        notices=draw(st.integers(0, 10)),
        deadline_changes=draw(st.integers(0, 10)),
    )


adjustments = st.decimals(min_value=-5, max_value=5, places=1, allow_nan=False)


@given(facts(), adjustments)
def test_scores_stay_within_bounds(f, adjustment):
    total = score(f, W, adjustment).total
    assert Decimal(0) <= total <= Decimal(100)


@given(facts(), adjustments)
def test_an_on_time_closure_never_lowers_a_score(f, adjustment):
    better = replace(f, due=f.due + 1, closed_on_time=f.closed_on_time + 1)
    assert score(better, W, adjustment).total >= score(f, W, adjustment).total


@given(facts())
def test_a_deduction_never_raises_a_score(f):
    worse = replace(f, red=f.red + 1)
    assert score(worse, W).total <= score(f, W).total


def test_a_scores_lines_as_data_say_every_field_of_a_line():
    from duban.assessment.scoring import Line

    found = score(Facts(due=3, closed_on_time=2, red=40), W, Decimal("-2.5")).lines_as_data()
    assert [line["code"] for line in found] == [
        "closed_on_time",
        "reports_on_time",
        "first_time",
        "red",
        "cap",
        "adjustment",
    ]
    assert all(set(line) == set(Line._fields) for line in found)
    assert found[0] == {
        "code": "closed_on_time",
        "count": 2,
        "out_of": 3,
        "weight": 40,
        "points": "26.7",
    }
    assert (found[3]["out_of"], found[3]["points"], found[-1]["points"]) == (None, "-80", "-2.5")
