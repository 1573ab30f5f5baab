"""duban.lib.stages: the stage machine of a key project, with frozen dates."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duban.lib import stages
from duban.lib.stages import (
    CANCELLED,
    CAPACITY,
    ORDER,
    PAUSED,
    PRODUCING,
    RESERVE,
    SIGNED,
    STAGES,
    STARTED,
    StageError,
    check_move,
)

D = dt.date
TODAY = D(2026, 6, 10)
EVENT = D(2026, 3, 27)  # the spring "three batches" event: the project was signed there


def move(current, target, *, on=TODAY, last=EVENT, signed=EVENT, reason="", paused_from=None):
    return check_move(
        current,
        target,
        on=on,
        last_move_on=last,
        signed_on=signed,
        reason=reason,
        today=TODAY,
        paused_from=paused_from,
    )


def refused(*args, **kwargs) -> StageError:
    with pytest.raises(StageError) as caught:
        move(*args, **kwargs)
    return caught.value


# ---------------------------------------------------------------- forward


def test_a_project_signed_at_the_event_starts_with_its_permit():
    # Signed on 27 March at the event; the desk records the start on 6 May,
    # with the construction permit or a photo of the works.
    m = move(SIGNED, STARTED, on=D(2026, 5, 6))
    assert (m.current, m.target, m.kind, m.on) == (SIGNED, STARTED, "forward", D(2026, 5, 6))
    assert m.reason_required is False
    assert m.irregular is False
    assert m.passed == ()
    assert m.evidence == ("start_photo", "construction_permit")


@pytest.mark.parametrize(
    ("current", "target", "evidence"),
    [
        (RESERVE, SIGNED, ("contract",)),
        (SIGNED, STARTED, ("start_photo", "construction_permit")),
        (STARTED, PRODUCING, ("production_licence",)),
        (PRODUCING, CAPACITY, ("acceptance_report",)),
    ],
)
def test_each_step_forward_asks_for_its_evidence_and_no_reason(current, target, evidence):
    m = move(current, target, signed=None if current == RESERVE else EVENT)
    assert m.kind == stages.FORWARD
    assert not m.reason_required
    assert m.evidence == evidence
    assert stages.EVIDENCE[target] == evidence


def test_a_reason_given_where_none_is_needed_is_kept_stripped():
    assert move(SIGNED, STARTED, reason="  groundbreaking ceremony ").reason == (
        "groundbreaking ceremony"
    )


def test_a_new_project_has_no_last_move_and_no_signing():
    m = move(RESERVE, SIGNED, last=None, signed=None, on=EVENT)
    assert m.kind == stages.FORWARD
    assert m.evidence == ("contract",)


# ---------------------------------------------------------------- skips and moves back


def test_skipping_the_signing_needs_a_reason_and_is_irregular():
    # A government-funded project has no investment contract: reserve → started.
    error = refused(RESERVE, STARTED, signed=None)
    assert error.code == "reason_required"
    assert error.params == {"current": RESERVE, "target": STARTED, "kind": "skip"}

    m = move(RESERVE, STARTED, signed=None, reason="government-funded, no contract")
    assert m.kind == stages.SKIP
    assert m.reason_required and m.irregular
    assert m.passed == (SIGNED,)
    assert m.evidence == ("start_photo", "construction_permit")


def test_skipping_two_stages_lists_both():
    m = move(SIGNED, PRODUCING, reason="built before the contract was recorded")
    assert m.kind == stages.SKIP
    assert m.passed == (STARTED,)
    assert move(RESERVE, CAPACITY, signed=None, reason="imported").passed == (
        SIGNED,
        STARTED,
        PRODUCING,
    )


def test_moving_back_needs_a_reason_and_lists_what_it_undoes():
    # The start was recorded on a ceremony; the works had not begun.
    error = refused(STARTED, SIGNED, reason="   ")
    assert (error.code, error.params["kind"]) == ("reason_required", "backward")

    m = move(STARTED, SIGNED, reason="ceremony only, works not begun")
    assert m.kind == stages.BACKWARD
    assert m.irregular
    assert m.passed == (STARTED,)
    assert m.evidence == ()
    assert move(PRODUCING, RESERVE, reason="contract annulled").passed == (
        SIGNED,
        STARTED,
        PRODUCING,
    )


# ---------------------------------------------------------------- pause, resume, cancel


def test_pausing_needs_a_reason_and_remembers_the_stage():
    error = refused(STARTED, PAUSED)
    assert (error.code, error.params["kind"]) == ("reason_required", "pause")

    m = move(STARTED, PAUSED, reason="land approval pending")
    assert m.kind == stages.PAUSE
    assert m.paused_from == STARTED
    assert not m.irregular


def test_resuming_returns_to_the_stage_paused_from_without_a_reason():
    m = move(PAUSED, STARTED, paused_from=STARTED)
    assert (m.kind, m.reason_required, m.irregular) == ("resume", False, False)
    assert m.paused_from == STARTED
    assert m.evidence == ()  # nothing new is reached


def test_resuming_elsewhere_needs_a_reason():
    error = refused(PAUSED, PRODUCING, paused_from=SIGNED)
    assert error.code == "resume_to_other_stage"
    assert error.params == {"paused_from": SIGNED, "target": PRODUCING}

    m = move(PAUSED, PRODUCING, paused_from=SIGNED, reason="built during the pause")
    assert (m.kind, m.irregular, m.passed) == ("resume", True, (STARTED,))
    assert m.evidence == ("production_licence",)

    back = move(PAUSED, RESERVE, paused_from=SIGNED, reason="investor withdrew, re-tendering")
    assert (back.kind, back.passed, back.evidence) == ("resume", (SIGNED,), ())


def test_a_paused_project_must_say_where_it_paused_from():
    with pytest.raises(ValueError, match="paused from"):
        move(PAUSED, STARTED)


@pytest.mark.parametrize("current", [RESERVE, SIGNED, STARTED, PRODUCING, CAPACITY, PAUSED])
def test_cancelling_needs_a_reason_from_any_stage(current):
    paused_from = SIGNED if current == PAUSED else None
    error = refused(current, CANCELLED, paused_from=paused_from)
    assert (error.code, error.params["kind"]) == ("reason_required", "cancel")
    m = move(current, CANCELLED, reason="investor withdrew", paused_from=paused_from)
    assert m.kind == stages.CANCEL


@pytest.mark.parametrize("target", [*STAGES])
def test_cancelled_is_final(target):
    assert refused(CANCELLED, target, reason="the investor came back").code == (
        "cancelled_is_final"
    )


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("stage", [RESERVE, SIGNED, STARTED, PAUSED])
def test_moving_to_the_same_stage_is_refused(stage):
    error = refused(stage, stage, reason="again", paused_from=SIGNED)
    assert (error.code, error.params) == ("same_stage", {"stage": stage})


def test_an_unknown_stage_is_refused():
    assert refused(SIGNED, "completed").params == {"stage": "completed"}
    assert refused("done", SIGNED).code == "unknown_stage"


def test_a_move_dated_after_today_is_refused():
    error = refused(SIGNED, STARTED, on=D(2026, 6, 11))
    assert (error.code, error.params) == (
        "date_in_future",
        {"on": "2026-06-11", "today": "2026-06-10"},
    )
    assert move(SIGNED, STARTED, on=TODAY).on == TODAY


def test_a_move_dated_before_the_last_move_is_refused_the_same_day_is_not():
    last = D(2026, 5, 6)
    error = refused(STARTED, PRODUCING, on=D(2026, 5, 5), last=last)
    assert (error.code, error.params) == (
        "date_before_last_move",
        {"on": "2026-05-05", "last_move_on": "2026-05-06"},
    )
    assert move(STARTED, PRODUCING, on=last, last=last).on == last


@pytest.mark.parametrize("target", [STARTED, PRODUCING, CAPACITY])
def test_nothing_from_the_start_on_is_dated_before_the_signing(target):
    # Signed on 27 March: a start (or later) dated 20 March is refused, even
    # when the last move was earlier (the project sat in the reserve pool).
    error = refused(SIGNED, target, on=D(2026, 3, 20), last=D(2026, 1, 5), reason="skip")
    assert (error.code, error.params) == (
        "date_before_signing",
        {"on": "2026-03-20", "signed_on": "2026-03-27"},
    )


def test_resuming_into_a_started_stage_is_also_held_to_the_signing_date():
    error = refused(PAUSED, STARTED, on=D(2026, 3, 1), last=D(2026, 2, 1), paused_from=STARTED)
    assert error.code == "date_before_signing"


def test_the_signing_date_does_not_bind_a_move_back_to_the_reserve_pool():
    m = move(SIGNED, RESERVE, on=D(2026, 3, 20), last=D(2026, 1, 5), reason="wrong date")
    assert m.kind == stages.BACKWARD


def test_a_date_error_comes_before_a_missing_reason():
    # The desk fixes the date first; the reason is asked for once the date is right.
    assert refused(RESERVE, STARTED, on=D(2026, 7, 1), signed=None).code == "date_in_future"


# ---------------------------------------------------------------- properties

main_line = st.sampled_from(ORDER)


@given(main_line, main_line)
def test_on_the_main_line_only_one_step_forward_goes_without_a_reason(current, target):
    if current == target:
        return
    step = ORDER.index(target) - ORDER.index(current)
    m = move(current, target, reason="recorded by the desk")
    assert m.kind == ("forward" if step == 1 else "skip" if step > 1 else "backward")
    assert m.reason_required == (step != 1)
    assert m.irregular == (step != 1)
    assert len(m.passed) == (step - 1 if step > 0 else -step)
    assert bool(m.evidence) == (step > 0)
    if step != 1:
        with pytest.raises(StageError):
            move(current, target)


@given(st.sampled_from(ORDER), st.sampled_from(ORDER))
def test_a_pause_and_a_resume_to_the_same_stage_need_only_the_pause_reason(stage, elsewhere):
    paused = move(stage, PAUSED, reason="funding")
    back = move(PAUSED, paused.paused_from, paused_from=paused.paused_from)
    assert back.target == stage and not back.reason_required
    if elsewhere != stage:
        assert refused(PAUSED, elsewhere, paused_from=stage).code == "resume_to_other_stage"


# ---------------------------------------------------------------- messages


def test_every_stage_evidence_and_kind_has_an_english_name():
    for stage in STAGES:
        assert stages.label(stage)
    for kind in stages.KINDS:
        assert stages.MESSAGES[f"move.{kind}"]
    for kinds in stages.EVIDENCE.values():
        for kind in kinds:
            assert stages.MESSAGES[f"evidence.{kind}"]
    assert stages.label(PRODUCING) == "in production"


def test_every_error_code_has_a_message_that_its_params_fill():
    errors = [
        refused(RESERVE, "x"),
        refused(SIGNED, SIGNED),
        refused(CANCELLED, SIGNED),
        refused(SIGNED, PAUSED),
        refused(PAUSED, PRODUCING, paused_from=SIGNED),
        refused(SIGNED, STARTED, on=D(2026, 7, 1)),
        refused(STARTED, PRODUCING, on=D(2026, 5, 1), last=D(2026, 5, 6)),
        refused(SIGNED, STARTED, on=D(2026, 3, 1), last=None),
    ]
    codes = {e.code for e in errors}
    error_codes = {k for k in stages.MESSAGES if "." not in k}
    assert codes == error_codes
    for error in errors:
        text, params = stages.message(error.code, error.params)
        filled = text % params
        assert "%(" not in filled
        assert set(re.findall(r"%\((\w+)\)", text)) <= set(params)
