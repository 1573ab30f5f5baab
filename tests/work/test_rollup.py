"""Progress rolls up: a parent is the weighted mean of its children, a plan the
weighted mean of its top-level tasks, a closed task counts at the figure its
closing recorded. A measure's progress is its last accepted report's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from duban.work import services
from duban.work.models import Plan, Task

from .. import factories as f


def _progress(obj) -> Decimal:
    return type(obj).objects.get(pk=obj.pk).progress


@pytest.fixture
def parent(office, plan, unit_a):
    return f.task(office, unit_a, plan=plan, serial="1", title="科技创新")


def _measure(office, liaison, parent, unit, **kwargs):
    child = f.task(office, unit, parent=parent, **kwargs)
    return services.task_claim(actor=liaison, task=child)


def test_children_weigh_equally_by_default(office, liaison_a, parent, unit_a, plan):
    one = _measure(office, liaison_a, parent, unit_a)
    two = _measure(office, liaison_a, parent, unit_a)
    f.accepted(office, liaison_a, one, percent="50")
    assert _progress(parent) == Decimal("25.0")
    f.accepted(office, liaison_a, two, percent="20")
    assert _progress(parent) == Decimal("35.0")
    assert _progress(plan) == Decimal("35.0")
    assert Task.objects.get(pk=parent.pk).is_parent


def test_weights_one_and_three_give_the_weighted_mean(office, liaison_a, parent, unit_a):
    light = _measure(office, liaison_a, parent, unit_a, weight=Decimal("1"))
    heavy = _measure(office, liaison_a, parent, unit_a, weight=Decimal("3"))
    f.accepted(office, liaison_a, light, percent="100")
    f.accepted(office, liaison_a, heavy, percent="20")
    # (1 × 100 + 3 × 20) / 4
    assert _progress(parent) == Decimal("40.0")


def test_changing_a_weight_recomputes_the_parent(office, liaison_a, parent, unit_a):
    one = _measure(office, liaison_a, parent, unit_a)
    two = _measure(office, liaison_a, parent, unit_a)
    f.accepted(office, liaison_a, one, percent="100")
    assert _progress(parent) == Decimal("50.0")
    two = Task.objects.get(pk=two.pk)
    services.task_update(actor=office, task=two, version=two.version, weight=Decimal("3"))
    assert _progress(parent) == Decimal("25.0")


def test_progress_rolls_up_through_several_levels_to_the_plan(
    office, liaison_a, liaison_b, plan, unit_a, unit_b
):
    top = f.task(office, unit_a, plan=plan, serial="1")
    middle = f.task(office, unit_a, parent=top, serial="1.1")
    leaf_a = _measure(office, liaison_a, middle, unit_a, serial="1.1.1")
    leaf_b = _measure(office, liaison_b, middle, unit_b, serial="1.1.2")
    sibling = _measure(office, liaison_a, top, unit_a, serial="1.2", weight=Decimal("2"))
    other_top = f.task(office, unit_b, plan=plan, serial="2")

    f.accepted(office, liaison_a, leaf_a, percent="60")
    f.accepted(office, liaison_b, leaf_b, percent="40")
    f.accepted(office, liaison_a, sibling, percent="80")

    assert _progress(middle) == Decimal("50.0")  # (60 + 40) / 2
    assert _progress(top) == Decimal("70.0")  # (1 × 50 + 2 × 80) / 3
    assert _progress(plan) == Decimal("35.0")  # (70 + 0) / 2, the other top task at 0
    assert _progress(other_top) == Decimal("0")
    assert Plan.objects.get(pk=plan.pk).progress == Decimal("35.0")


def test_a_submitted_report_enters_the_roll_up_only_once_accepted(
    office, liaison_a, parent, unit_a, plan
):
    one = _measure(office, liaison_a, parent, unit_a)
    _measure(office, liaison_a, parent, unit_a)
    f.accepted(office, liaison_a, one, period=f.LAST_WEEK, percent="20")
    latest = f.report(liaison_a, one, period=f.THIS_WEEK, percent="60")
    assert _progress(one) == Decimal("20")
    assert _progress(parent) == Decimal("10.0")
    services.report_review(actor=office, report=latest, accept=False, comment="数据有误。")
    assert _progress(one) == Decimal("20")
    assert _progress(plan) == Decimal("10.0")
    again = f.report(liaison_a, one, period=f.THIS_WEEK, percent="60", version=latest.version + 1)
    services.report_review(actor=office, report=again, accept=True)
    assert _progress(one) == Decimal("60")
    assert _progress(parent) == Decimal("30.0")
    assert _progress(plan) == Decimal("30.0")


def test_closing_a_child_records_its_last_figure_or_100_when_the_office_says(
    office, liaison_a, parent, unit_a
):
    one = _measure(office, liaison_a, parent, unit_a)
    two = _measure(office, liaison_a, parent, unit_a)
    f.accepted(office, liaison_a, one, percent="30")
    assert _progress(parent) == Decimal("15.0")
    f.close(office, liaison_a, one)
    assert _progress(one) == Decimal("30")
    assert _progress(parent) == Decimal("15.0")
    request = services.close_request_create(
        actor=liaison_a, task=two, summary="已完成。", files=[f.pdf()]
    )
    services.close_request_decide(actor=office, request=request, accept=True, set_complete=True)
    assert _progress(two) == Decimal("100")
    assert _progress(parent) == Decimal("65.0")


def test_a_parent_is_reported_on_through_its_measures_only(office, liaison_a, parent, unit_a):
    _measure(office, liaison_a, parent, unit_a)
    services.task_claim(actor=liaison_a, task=parent)
    with pytest.raises(ValidationError, match="rolled up from its measures"):
        f.report(liaison_a, parent)


def test_a_measure_cannot_be_added_under_a_closed_task(office, liaison_a, plan, unit_a):
    done = f.close(office, liaison_a, f.claimed(office, liaison_a, unit_a, plan=plan))
    with pytest.raises(ValidationError, match="already closed"):
        f.task(office, unit_a, parent=done)


def test_a_plan_without_tasks_stands_at_zero(plan):
    assert _progress(plan) == Decimal("0")
