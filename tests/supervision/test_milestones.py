"""The slow rule follows a task's dated milestones when it has them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from duban.lib import rules
from duban.supervision.explain import reason
from duban.supervision.models import TaskWarning
from duban.supervision.scan import scan
from duban.work import services

from .. import factories as f

D = dt.date


def _facts(progress, milestones=()):
    return rules.TaskFacts(
        1,
        "in_progress",
        False,
        "weekly",
        D(2026, 3, 1),
        D(2026, 6, 30),
        0,
        progress,
        D(2026, 3, 1),
        None,
        milestones=milestones,
    )


def test_expected_progress_follows_the_milestones():
    plain = _facts(0)
    assert rules.expected_progress(plain, D(2026, 3, 16))[0] == 12  # 15 of 121 days
    steps = _facts(0, ((D(2026, 3, 31), 30.0), (D(2026, 5, 31), 60.0)))
    assert rules.expected_progress(steps, D(2026, 3, 16)) == (15, (D(2026, 3, 31), 30.0))
    assert rules.expected_progress(steps, D(2026, 5, 31))[0] == 60
    assert rules.expected_progress(steps, D(2026, 6, 15))[0] == 80  # halfway to 100 by 30 June
    # A late-heavy plan is not slow early: 5 % on 1 April against a 5 % first milestone.
    late = _facts(5, ((D(2026, 4, 30), 10.0),))
    assert not [
        x
        for x in rules.evaluate(late, D(2026, 4, 15), rules.Thresholds(), missing=None, texts=None)
        if x.rule == "slow"
    ]
    assert [
        x
        for x in rules.evaluate(
            _facts(5), D(2026, 4, 15), rules.Thresholds(), missing=None, texts=None
        )
        if x.rule == "slow"
    ]


def test_the_scan_and_the_reason_use_them(office, liaison_a, unit_a, as_):
    task = f.claimed(office, liaison_a, unit_a, start=D(2026, 3, 1), deadline=D(2026, 6, 30))
    services.milestone_set(
        actor=office, task=task, date=D(2026, 3, 15), percent="40", label="完成方案编制"
    )
    scan(today=f.TODAY)
    warning = TaskWarning.objects.get(task=task, rule="slow", cleared_at__isnull=True)
    # The milestones are stored with the warning; what they expect is counted when shown.
    assert warning.facts["milestones"] == [["2026-03-15", 40.0]]
    # 40 % by 15 March, then on towards 100 % by 30 June: 42 % expected on 18 March.
    shown = rules.counted("slow", warning.facts, f.TODAY)
    assert (shown["milestone"], shown["expected"]) == ("2026-06-30", 42)
    assert warning.level == rules.RED
    text = reason("slow", warning.facts, f.TODAY)
    assert "milestones" in text and "42%" in text
    # On 12 March the expectation still heads for the first milestone.
    assert rules.counted("slow", warning.facts, D(2026, 3, 12))["milestone"] == "2026-03-15"
    page = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").get(f"/tasks/{task.pk}/").content.decode()
    assert "完成方案编制" in page


def test_bad_milestones_are_refused(office, liaison_a, unit_a, as_):
    task = f.claimed(office, liaison_a, unit_a, start=D(2026, 3, 1), deadline=D(2026, 6, 30))
    services.milestone_set(actor=office, task=task, date=D(2026, 4, 30), percent="50", label="一半")
    with pytest.raises(ValidationError):
        services.milestone_set(
            actor=office, task=task, date=D(2026, 7, 30), percent="60", label="x"
        )
    with pytest.raises(ValidationError):
        services.milestone_set(
            actor=office, task=task, date=D(2026, 5, 30), percent="40", label="x"
        )
    with pytest.raises(ValidationError):
        services.milestone_set(
            actor=office, task=task, date=D(2026, 5, 30), percent="140", label="x"
        )
    response = as_(office).post(
        f"/tasks/{task.pk}/milestones/",
        {"date": "2026-08-01", "percent": "70", "label": "超期节点"},
    )
    assert response.status_code == 400 and "超期节点" in response.content.decode()
