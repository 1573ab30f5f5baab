"""duban.lib.cohorts: the "three batches" followed as cohorts, on frozen dates."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duban.lib import cohorts, stages
from duban.lib.cohorts import PRODUCE, SIGN, START, CohortError, Member, by, follow

D = dt.date
EVENT = D(2026, 3, 27)  # the spring event
AS_OF = D(2026, 9, 30)


def W(text: str) -> Decimal:
    """万元 as yuan."""
    return Decimal(text) * 10_000


def member(
    project_id,
    batch,
    stage_now="signed",
    signed=EVENT,
    started=None,
    produced=None,
    park="North Park",
    district="Xincheng",
    industry="hydrogen",
    planned="1000",
    completed="0",
):
    return Member(
        project_id=project_id,
        batch=batch,
        stage_now=stage_now,
        signed_on=signed,
        started_on=started,
        produced_on=produced,
        park=park,
        district=district,
        industry=industry,
        planned_investment=W(planned),
        completed_investment=W(completed),
    )


# The signing batch: 8 projects signed on 27 March. By 30 September five have
# started (one of them in production since August), one was cancelled, one is
# paused before starting, one is still waiting.
SIGNED_BATCH = [
    member(1, SIGN, "started", started=D(2026, 4, 20), completed="300"),
    member(2, SIGN, "started", started=D(2026, 5, 6), completed="250", park="South Park"),
    member(3, SIGN, "started", started=D(2026, 6, 18), completed="100", industry="robots"),
    member(4, SIGN, "started", started=D(2026, 9, 30), completed="20", district="Laocheng"),
    member(
        5,
        SIGN,
        "producing",
        started=D(2026, 4, 1),
        produced=D(2026, 8, 15),
        completed="900",
        industry="robots",
    ),
    member(6, SIGN, "cancelled", planned="500", park="South Park"),
    member(7, SIGN, "paused", planned="500", district="Laocheng"),
    member(8, SIGN, "signed", planned="1000", industry="robots"),
]
# The start batch: 4 projects listed to start at the event; one had only a ceremony.
START_BATCH = [
    member(11, START, "started", signed=D(2025, 11, 3), started=EVENT, completed="400"),
    member(12, START, "started", signed=D(2025, 12, 1), started=EVENT, completed="200"),
    member(
        13,
        START,
        "producing",
        signed=D(2025, 6, 1),
        started=D(2025, 12, 20),  # started before the event, listed at it
        produced=D(2026, 9, 1),
        completed="1000",
    ),
    member(14, START, "signed", signed=D(2026, 1, 15), completed="0"),
]
# The production batch: 2 projects to go into production; one slipped to October.
PRODUCE_BATCH = [
    member(
        21,
        PRODUCE,
        "producing",
        signed=D(2024, 5, 1),
        started=D(2024, 10, 1),
        produced=EVENT,
        planned="2000",
        completed="2000",
    ),
    member(
        22,
        PRODUCE,
        "producing",
        signed=D(2024, 7, 1),
        started=D(2025, 1, 10),
        produced=D(2026, 10, 8),
        planned="3000",
        completed="2400",
    ),
]
EVENT_MEMBERS = SIGNED_BATCH + START_BATCH + PRODUCE_BATCH


def test_the_signing_batch_by_the_end_of_september():
    sign = follow(EVENT_MEMBERS, event_on=EVENT, as_of=AS_OF).sign
    # 5 of the 8 have started (no. 4 on the day itself): fulfilment 5 / 8 = 62.5%;
    # 1 of 8 in production: 12.5%.
    assert (sign.members, sign.signed, sign.started, sign.producing) == (8, 8, 5, 1)
    assert sign.rate_code == cohorts.FULFILMENT
    assert sign.rate == sign.started_rate == Decimal("62.5")
    assert sign.producing_rate == Decimal("12.5")
    assert (sign.paused, sign.cancelled) == (1, 1)
    # planned 5 × 1,000 + 2 × 500 + 1,000 = 7,000 万元; completed 300 + 250 + 100
    # + 20 + 900 = 1,570 万元: 22.4% (22.428…).
    assert sign.planned_investment == W("7000")
    assert sign.completed_investment == W("1570")
    assert sign.investment_rate == Decimal("22.4")


def test_the_start_batch_counts_only_recorded_starts():
    start = follow(EVENT_MEMBERS, event_on=EVENT, as_of=AS_OF).start
    # 3 of the 4 listed have a start date (no. 14 had a ceremony only): 75.0%;
    # 1 of the 4 is in production: 25.0%.
    assert (start.members, start.started, start.producing) == (4, 3, 1)
    assert start.rate_code == cohorts.START_RATE
    assert start.rate == Decimal("75.0")
    assert start.producing_rate == Decimal("25.0")
    assert start.investment_rate == Decimal("40.0")  # 1,600 of 4,000 万元


def test_the_production_batch_by_the_end_of_september():
    produce = follow(EVENT_MEMBERS, event_on=EVENT, as_of=AS_OF).produce
    # No. 22 went into production on 8 October: 1 of 2 by 30 September, 50.0%.
    assert produce.rate_code == cohorts.PRODUCTION_RATE
    assert (produce.members, produce.producing, produce.rate) == (2, 1, Decimal("50.0"))
    assert produce.started_rate == Decimal("100.0")
    assert produce.investment_rate == Decimal("88.0")  # 4,400 of 5,000 万元


def test_a_past_view_counts_what_was_dated_by_then():
    # On 30 April only nos. 1 and 5 had started: fulfilment 2 / 8 = 25.0%.
    cohort = follow(EVENT_MEMBERS, event_on=EVENT, as_of=D(2026, 4, 30))
    assert (cohort.sign.started, cohort.sign.rate) == (2, Decimal("25.0"))
    assert cohort.sign.producing == 0
    assert (cohort.start.started, cohort.start.producing) == (3, 0)
    assert cohort.produce.rate == Decimal("50.0")
    # And on the day of the event itself: nothing signed there has started yet;
    # the start batch's three starts are dated on the day or before.
    on_the_day = follow(EVENT_MEMBERS, event_on=EVENT, as_of=EVENT)
    assert on_the_day.sign.rate == Decimal("0.0")
    assert on_the_day.start.rate == Decimal("75.0")


def test_a_start_before_the_event_fulfils_a_contract_signed_before_it():
    # Signed in February, started on 20 March, presented in the signing batch.
    early = member(1, SIGN, "started", signed=D(2026, 2, 10), started=D(2026, 3, 20))
    assert follow([early], event_on=EVENT, as_of=EVENT).sign.rate == Decimal("100.0")


def test_a_later_stage_implies_the_earlier_ones():
    # Started and in production with the start skipped (recorded with a reason).
    skipped = member(31, START, "producing", started=None, produced=D(2026, 5, 1))
    unsigned = member(32, START, "started", signed=None, started=D(2026, 5, 1))
    start = follow([skipped, unsigned], event_on=EVENT, as_of=AS_OF).start
    assert (start.signed, start.started, start.producing) == (2, 2, 1)


def test_an_empty_batch_has_no_rates():
    cohort = follow(SIGNED_BATCH, event_on=EVENT, as_of=AS_OF)
    assert cohort.produce.members == 0
    assert cohort.produce.rate is None
    assert cohort.produce.investment_rate is None
    assert cohort.produce.planned_investment == Decimal(0)
    assert follow([], event_on=EVENT, as_of=AS_OF).sign.rate is None
    assert [b.batch for b in cohort.batches] == [SIGN, START, PRODUCE]
    assert cohort.batch(START) is cohort.start


def test_zero_planned_investment_has_no_investment_rate():
    cohort = follow([member(1, SIGN, planned="0")], event_on=EVENT, as_of=AS_OF)
    assert cohort.sign.investment_rate is None
    assert cohort.sign.rate == Decimal("0.0")


# ---------------------------------------------------------------- breakdowns


def test_the_signing_batch_by_park():
    parks = by(EVENT_MEMBERS, "park", event_on=EVENT, as_of=AS_OF)
    assert list(parks) == ["North Park", "South Park"]
    north, south = parks["North Park"].sign, parks["South Park"].sign
    # North: nos. 1, 3, 4, 5, 7, 8: 4 started of 6 → 66.7%; South: nos. 2 and 6: 1 of 2 → 50.0%.
    assert (north.members, north.started, north.rate) == (6, 4, Decimal("66.7"))
    assert (south.members, south.started, south.rate) == (2, 1, Decimal("50.0"))
    assert south.cancelled == 1
    assert parks["South Park"].produce.rate is None  # no production batch there


def test_the_signing_batch_by_industry_and_district():
    industries = by(SIGNED_BATCH, "industry", event_on=EVENT, as_of=AS_OF)
    assert list(industries) == ["hydrogen", "robots"]
    robots = industries["robots"].sign
    # nos. 3, 5, 8: 2 of 3 started → 66.7%, 1 in production → 33.3%.
    assert (robots.members, robots.rate, robots.producing_rate) == (
        3,
        Decimal("66.7"),
        Decimal("33.3"),
    )
    districts = by(SIGNED_BATCH, "district", event_on=EVENT, as_of=AS_OF)
    assert districts["Laocheng"].sign.rate == Decimal("50.0")  # nos. 4 and 7
    assert districts["Xincheng"].sign.rate == Decimal("66.7")  # 4 of 6


def test_an_unknown_breakdown_is_refused():
    with pytest.raises(CohortError) as caught:
        by(EVENT_MEMBERS, "project_id", event_on=EVENT, as_of=AS_OF)
    assert (caught.value.code, caught.value.params) == ("unknown_key", {"key": "project_id"})


# ---------------------------------------------------------------- bad input


def refused(members, as_of=AS_OF) -> CohortError:
    with pytest.raises(CohortError) as caught:
        follow(members, event_on=EVENT, as_of=as_of)
    return caught.value


def test_a_view_before_the_event_is_refused():
    error = refused(EVENT_MEMBERS, as_of=D(2026, 3, 26))
    assert (error.code, error.params) == (
        "as_of_before_event",
        {"as_of": "2026-03-26", "event_on": "2026-03-27"},
    )


def test_bad_members_are_refused_with_the_project_named():
    assert refused([member(1, "build")]).params == {"project_id": 1, "batch": "build"}
    assert refused([member(1, SIGN, "done")]).code == "unknown_stage"
    assert refused([member(1, SIGN), member(1, SIGN)]).code == "duplicate_member"
    error = refused([member(1, SIGN, completed="-5")])
    assert (error.code, error.params) == (
        "negative_investment",
        {"project_id": 1, "amount": "-5.00"},
    )
    error = refused([member(1, SIGN, signed=D(2026, 5, 1), started=D(2026, 4, 1))])
    assert (error.code, error.params) == (
        "dates_out_of_order",
        {
            "project_id": 1,
            "earlier": "signed",
            "earlier_on": "2026-05-01",
            "later": "started",
            "later_on": "2026-04-01",
        },
    )
    assert refused([member(1, SIGN, produced=D(2025, 1, 1))]).code == ("dates_out_of_order")


def test_one_project_may_be_in_two_batches_of_an_event():
    # Signed and started on the day (签约即开工).
    both = [member(1, SIGN, "started", started=EVENT), member(1, START, "started", started=EVENT)]
    cohort = follow(both, event_on=EVENT, as_of=EVENT)
    assert (cohort.sign.rate, cohort.start.rate) == (Decimal("100.0"), Decimal("100.0"))


# ---------------------------------------------------------------- properties

fen = st.integers(min_value=0, max_value=10**11).map(lambda n: Decimal(n).scaleb(-2))


def _member(project_id, row):
    batch, stage_now, offsets, keep, park, district, industry, planned, completed = row
    signed, started, produced = (
        EVENT + dt.timedelta(days=offset) if kept else None
        for offset, kept in zip(sorted(offsets), keep, strict=True)
    )
    return Member(
        project_id,
        batch,
        stage_now,
        signed,
        started,
        produced,
        park,
        district,
        industry,
        planned,
        completed,
    )


def members():
    """Up to 20 members with stage dates in order, some missing, around the event."""
    row = st.tuples(
        st.sampled_from(cohorts.BATCHES),
        st.sampled_from(stages.STAGES),
        st.tuples(*[st.integers(min_value=-400, max_value=400)] * 3),
        st.tuples(st.booleans(), st.booleans(), st.booleans()),
        st.sampled_from(["North Park", "South Park", ""]),
        st.sampled_from(["Xincheng", "Laocheng"]),
        st.sampled_from(["hydrogen", "robots", "biomedicine"]),
        fen,
        fen,
    )
    return st.lists(row, max_size=20).map(
        lambda rows: [_member(project_id, r) for project_id, r in enumerate(rows)]
    )


@given(members(), st.integers(min_value=0, max_value=500))
def test_rates_are_percentages_and_the_funnel_narrows(listed, later):
    as_of = EVENT + dt.timedelta(days=later)
    for figures in follow(listed, event_on=EVENT, as_of=as_of).batches:
        assert figures.members >= figures.signed >= figures.started >= figures.producing >= 0
        for rate in (figures.started_rate, figures.producing_rate):
            if figures.members == 0:
                assert rate is None
            else:
                assert rate is not None
                assert Decimal(0) <= rate <= Decimal(100)
                assert rate == rate.quantize(Decimal("0.1"))


@given(members(), st.integers(min_value=0, max_value=300), st.integers(min_value=0, max_value=300))
def test_counts_only_grow_with_a_later_view(listed, first, more):
    earlier = follow(listed, event_on=EVENT, as_of=EVENT + dt.timedelta(days=first))
    later = follow(listed, event_on=EVENT, as_of=EVENT + dt.timedelta(days=first + more))
    for a, b in zip(earlier.batches, later.batches, strict=True):
        assert a.signed <= b.signed
        assert a.started <= b.started
        assert a.producing <= b.producing


@given(members(), st.sampled_from(cohorts.KEYS))
def test_the_groups_add_up_to_the_whole(listed, key):
    whole = follow(listed, event_on=EVENT, as_of=AS_OF)
    groups = by(listed, key, event_on=EVENT, as_of=AS_OF)
    counted = ("members", "signed", "started", "producing", "paused", "cancelled")
    summed = (*counted, "planned_investment", "completed_investment")
    for name in cohorts.BATCHES:
        total = dataclasses.asdict(whole.batch(name))
        parts = [dataclasses.asdict(group.batch(name)) for group in groups.values()]
        for field in summed:
            assert sum((part[field] for part in parts), type(total[field])(0)) == total[field]


# ---------------------------------------------------------------- messages


def test_every_error_code_has_a_message_that_its_params_fill():
    errors = [
        refused([member(1, "build")]),
        refused([member(1, SIGN, "done")]),
        refused([member(1, SIGN), member(1, SIGN)]),
        refused([member(1, SIGN, planned="-1")]),
        refused([member(1, SIGN, signed=D(2026, 5, 1), started=D(2026, 4, 1))]),
        refused([], as_of=D(2026, 1, 1)),
    ]
    with pytest.raises(CohortError) as caught:
        by([], "unit", event_on=EVENT, as_of=AS_OF)
    errors.append(caught.value)
    assert {e.code for e in errors} == {k for k in cohorts.MESSAGES if "." not in k}
    for error in errors:
        text, params = cohorts.message(error.code, error.params)
        assert set(re.findall(r"%\((\w+)\)", text)) <= set(params)
        assert "%(" not in text % params


def test_every_batch_has_a_name_and_its_rate_an_explanation():
    cohort = follow(EVENT_MEMBERS, event_on=EVENT, as_of=AS_OF)
    for figures in cohort.batches:
        assert cohorts.MESSAGES[f"batch.{figures.batch}"]
        assert cohorts.MESSAGES[f"rate.{figures.rate_code}"]
        help_text = cohorts.MESSAGES[f"rate.{figures.rate_code}.help"]
        assert "%(" not in help_text % {"members": figures.members, "as_of": AS_OF.isoformat()}
