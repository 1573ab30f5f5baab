"""Who hears about what: warnings from the scan, notices, returned reports and
leaders' instructions become in-app messages for the right people (and posts
for the right unit's robots), once each, readable in both languages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils.translation import override

from duban.lib import rules
from duban.notify.fanout import fan_out
from duban.notify.models import Delivery, Kind, Notification
from duban.notify.render import render
from duban.ops.jobs import scan_and_notify
from duban.org.models import Role
from duban.supervision import services as supervision
from duban.supervision.models import TaskWarning
from duban.work import services as work
from tests import factories as f

from .support import add_hook

DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=unit-{}"


def inbox(person):
    """(kind, key) of each message in a person's inbox, by key."""
    return sorted(
        Notification.objects.filter(recipient=person).values_list("kind", "key"),
        key=lambda row: row[1],
    )


def posts(hook):
    return sorted(Delivery.objects.filter(hook=hook).values_list("key", flat=True))


def warning(task, rule):
    return TaskWarning.objects.get(task=task, rule=rule, cleared_at__isnull=True)


@pytest.fixture
def robots(office, unit_a, unit_b, unit_c):
    return {u.code: add_hook(office, u, DINGTALK.format(u.code)) for u in (unit_a, unit_b, unit_c)}


def test_a_scan_tells_the_lead_units_liaisons_and_robot_and_nobody_else(
    office, leader, liaison_a, liaison_b, liaison_c, claimed_task, unit_b, robots
):
    other = f.claimed(office, liaison_b, unit_b, title="预算绩效管理改革")
    run = scan_and_notify()

    report = warning(claimed_task, rules.INACTION_REPORT)
    slow = warning(claimed_task, rules.SLOW)
    assert (report.level, slow.level) == (rules.YELLOW, rules.YELLOW)
    expected = [("warning", f"warning:{report.pk}:2"), ("warning", f"warning:{slow.pk}:2")]
    assert sorted(inbox(liaison_a)) == sorted(expected)
    # Unit B's liaison hears about unit B's task only.
    theirs = TaskWarning.objects.filter(task=other)
    assert theirs.count() == 2
    assert sorted(inbox(liaison_b)) == sorted(("warning", f"warning:{w.pk}:2") for w in theirs)
    assert run.messages == 4
    # The co-operating unit's liaison and the leader (yellow warnings only)
    # hear nothing; nor does the office.
    for person in (liaison_c, leader, office):
        assert inbox(person) == []
    note = Notification.objects.get(recipient=liaison_a, key=f"warning:{report.pk}:2")
    assert note.task == claimed_task
    assert note.read_at is None
    assert note.data == {
        "task_id": claimed_task.pk,
        "serial": "1.1",
        "title": "建设科技创新平台",
        "title_en": "Build the innovation platforms",
        "rule": rules.INACTION_REPORT,
        "level": rules.YELLOW,
        "facts": {"period": f.LAST_WEEK, "due": "2026-03-16", "grace": 1},
    }
    # Each lead unit's robot hears what its liaisons hear; unit C's robot nothing.
    assert posts(robots["A"]) == sorted(k for _, k in expected)
    assert posts(robots["B"]) == sorted(k for _, k in inbox(liaison_b))
    assert posts(robots["C"]) == []
    # Nothing is sent during the scan: the posts wait in the outbox.
    assert set(Delivery.objects.values_list("state", "attempts")) == {("queued", 0)}


def test_a_red_warning_also_reaches_the_leader_and_only_a_change_sends_again(
    leader, liaison_a, claimed_task, robots, clock
):
    scan_and_notify()
    slow = warning(claimed_task, rules.SLOW)
    assert inbox(leader) == []

    clock.move_to(f.at(2026, 3, 26))  # 30 points behind: the slow warning turns red
    run = scan_and_notify()
    slow.refresh_from_db()
    assert slow.level == rules.RED
    assert run.messages == 2  # one each to the liaison and the leader
    assert inbox(leader) == [("warning", f"warning:{slow.pk}:4")]
    assert ("warning", f"warning:{slow.pk}:4") in inbox(liaison_a)
    assert ("warning", f"warning:{slow.pk}:2") in inbox(liaison_a)  # the yellow one stays
    assert f"warning:{slow.pk}:4" in posts(robots["A"])

    # The same scan again: nothing changed, nothing is sent.
    messages = list(Notification.objects.values_list("id", "recipient_id", "key"))
    deliveries = list(Delivery.objects.values_list("id", "key"))
    again = scan_and_notify()
    assert again.messages == 0
    assert list(Notification.objects.values_list("id", "recipient_id", "key")) == messages
    assert list(Delivery.objects.values_list("id", "key")) == deliveries


def test_a_warning_raised_red_goes_to_the_leader_at_once(office, leader, liaison_a, unit_a, clock):
    clock.move_to(f.at(2026, 3, 2))
    late = f.claimed(
        office, liaison_a, unit_a, deadline=dt.date(2026, 3, 10), leader=leader, serial="9"
    )
    clock.move_to(f.NOW)
    scan_and_notify()
    overdue = warning(late, rules.OVERDUE)
    assert overdue.level == rules.RED
    assert inbox(leader) == [("warning", f"warning:{overdue.pk}:4")]
    assert ("warning", f"warning:{overdue.pk}:4") in inbox(liaison_a)


def test_a_deadline_near_is_a_due_reminder(office, liaison_b, unit_b):
    soon = f.claimed(office, liaison_b, unit_b, deadline=f.TODAY + dt.timedelta(days=2))
    scan_and_notify()
    near = warning(soon, rules.NEAR_DUE)
    note = Notification.objects.get(recipient=liaison_b, key=f"warning:{near.pk}:1")
    assert note.kind == Kind.DUE == "due"
    with override("en"):
        text = render(note.kind, note.data)
    assert text.title == f"Deadline near: {soon.serial} {soon.title}"
    assert "Due on 2026-03-20, in 2 day(s), at 0%" in text.body
    with override("zh-hans"):
        assert render(note.kind, note.data).title == f"即将到期：{soon.serial} {soon.title}"
    # Other warnings on that task stay warnings.
    others = Notification.objects.filter(recipient=liaison_b).exclude(pk=note.pk)
    assert others and {n.kind for n in others} == {"warning"}


def test_a_supervision_notice_reaches_the_units_liaisons_the_leader_and_the_robot(
    office, leader, liaison_a, liaison_b, liaison_c, claimed_task, robots
):
    notice = supervision.notice_issue(
        actor=office, task=claimed_task, reason="进度严重滞后，请说明原因。", answer_by=f.TODAY
    )
    assert inbox(liaison_a) == []  # the service writes the record, the worker tells
    fan_out()
    key = f"notice:{notice.pk}"
    assert inbox(liaison_a) == [("notice", key)]
    assert inbox(leader) == [("notice", key)]
    for person in (liaison_b, liaison_c, office):
        assert inbox(person) == []
    assert posts(robots["A"]) == [key]
    assert posts(robots["C"]) == []
    note = Notification.objects.get(recipient=leader)
    with override("en"):
        text = render(note.kind, note.data)
    assert text.title == ("Supervision notice [2026] No. 1: 1.1 Build the innovation platforms")
    assert text.body == "Answer in writing by 2026-03-18.\n进度严重滞后，请说明原因。"
    assert text.link == f"/tasks/{claimed_task.pk}/"


@pytest.mark.parametrize("issued_in", ["zh-hans", "en"])
def test_a_notice_message_reads_in_the_readers_language_whatever_the_issuers(
    office, liaison_a, claimed_task, issued_in
):
    # The office issues the notice in its own language; the message's facts
    # must not keep that language, or an English reader sees Chinese words.
    with override(issued_in):
        supervision.notice_issue(
            actor=office, task=claimed_task, reason="请说明原因。", answer_by=f.TODAY
        )
    fan_out()
    note = Notification.objects.get(recipient=liaison_a)
    with override("zh-hans"):
        assert render(note.kind, note.data).title == "督办〔2026〕1号：1.1 建设科技创新平台"
    with override("en"):
        title = render(note.kind, note.data).title
    assert "督办" not in title
    assert title.endswith("[2026] No. 1: 1.1 Build the innovation platforms")


def test_a_returned_report_reaches_the_units_liaisons_once_each(
    office, liaison_a, liaison_b, liaison_c, claimed_task, unit_a
):
    second = f.person("liaison_a2", Role.LIAISON, units=[unit_a], full_name="钱联络")
    report = f.report(liaison_a, claimed_task, period=f.LAST_WEEK)
    work.report_review(actor=office, report=report, accept=False, comment="数据不全。")
    fan_out()
    fan_out()  # the next minute reads the same events again and tells nobody twice
    key = f"returned:{report.pk}:1"
    # The author is also a liaison of the unit: one message, not two.
    assert inbox(liaison_a) == [("returned", key)]
    assert inbox(second) == [("returned", key)]
    for person in (liaison_b, liaison_c, office):
        assert inbox(person) == []
    note = Notification.objects.get(recipient=liaison_a)
    with override("en"):
        text = render(note.kind, note.data)
    assert (
        text.title == "Report for Week 11 (9–15 Mar) returned: 1.1 Build the innovation platforms"
    )
    assert text.body == "The office says: 数据不全。"


def test_an_accepted_report_sends_nothing(office, liaison_a, claimed_task):
    report = f.report(liaison_a, claimed_task, period=f.LAST_WEEK)
    work.report_review(actor=office, report=report, accept=True)
    fan_out()
    assert not Notification.objects.exists()


def test_returning_the_same_report_again_is_a_new_message(office, liaison_a, claimed_task):
    report = f.report(liaison_a, claimed_task, period=f.LAST_WEEK)
    work.report_review(actor=office, report=report, accept=False, comment="数据不全。")
    fan_out()
    f.report(liaison_a, claimed_task, period=f.LAST_WEEK, text="补充了数据。")
    work.report_review(actor=office, report=report, accept=False, comment="仍不完整。")
    fan_out()
    assert inbox(liaison_a) == [
        ("returned", f"returned:{report.pk}:1"),
        ("returned", f"returned:{report.pk}:2"),
    ]


def test_a_leaders_instruction_reaches_the_lead_and_co_units_liaisons(
    office, leader, liaison_a, liaison_b, liaison_c, claimed_task, robots
):
    instruction = work.instruction_create(
        actor=leader, task=claimed_task, text="请加快进度，月底前完成平台建设。"
    )
    fan_out()
    key = f"instruction:{instruction.pk}"
    assert inbox(liaison_a) == [("instruction", key)]
    assert inbox(liaison_c) == [("instruction", key)]  # unit C co-operates
    for person in (liaison_b, leader, office):
        assert inbox(person) == []
    assert posts(robots["A"]) == [key]
    note = Notification.objects.get(recipient=liaison_c)
    with override("en"):
        text = render(note.kind, note.data)
    assert text.title == "Instruction from 李副主任: 1.1 Build the innovation platforms"
    assert text.body == "请加快进度，月底前完成平台建设。"
    with override("zh-hans"):
        assert render(note.kind, note.data).title == "李副主任 批示：1.1 建设科技创新平台"


def test_an_inactive_liaison_hears_nothing(liaison_a, claimed_task):
    liaison_a.is_active = False
    liaison_a.save(update_fields=["is_active"])
    scan_and_notify()
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("language", "title", "body"),
    [
        (
            "en",
            "Yellow warning: 1.1 Build the innovation platforms",
            "Inaction: report not filed (Yellow)\n"
            "No report filed for Week 11 (9–15 Mar); it was due on 2026-03-16",
        ),
        (
            "zh-hans",
            "黄色预警：1.1 建设科技创新平台",
            "不作为：未报送进展 (黄色)\n",
        ),
    ],
)
def test_a_warning_message_reads_in_the_readers_language(
    liaison_a, claimed_task, language, title, body
):
    scan_and_notify()
    report = warning(claimed_task, rules.INACTION_REPORT)
    note = Notification.objects.get(recipient=liaison_a, key=f"warning:{report.pk}:2")
    with override(language):
        text = render(note.kind, note.data)
    assert text.title == title
    assert text.body.startswith(body)
    assert text.link == f"/tasks/{claimed_task.pk}/"
    # Every line is in that language: no English left in the Chinese text.
    if language == "zh-hans":
        assert not any(word in text.body for word in ("report", "due", "grace", "Yellow"))
