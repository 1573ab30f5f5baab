"""The task's timeline says who acted for whom (issue 13, point 4): the actor's
own unit (their primary membership, else their role), and the unit the action
concerned where it differs."""

from __future__ import annotations

import re

from django.utils import translation

from duban.org.models import Membership, Role, Unit

from .. import factories as f


def _timeline(client, task):
    html = client.get(f"/tasks/{task.pk}/").content.decode()
    section = html[html.index('id="timeline"') :]
    return [
        re.sub(r"\s+", " ", a).strip() for a in re.findall(r'class="actor">(.*?)</span>', section)
    ]


def test_office_staff_are_named_by_their_own_unit_for_the_lead_unit(as_, office, task, unit_a):
    desk = f.unit("DCS", "管委会督查室", name_en="Supervision office")
    Unit.objects.filter(pk=desk.pk).update(short_name="督查室")
    zhou = f.person("zhou", Role.OFFICE, units=[desk, f.zone()], full_name="周敏")
    mine = f.task(zhou, unit_a, plan=task.plan)
    assert _timeline(as_(office), mine) == [
        "周敏 (Supervision office) for Development and Reform Bureau"
    ]
    with translation.override("zh-hans"):
        lines = _timeline(as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans"), mine)
    assert lines == ["周敏（督查室） 为发展改革局"]


def test_without_a_unit_the_role_is_named_and_the_liaison_needs_no_for(
    as_, office, liaison_a, task
):
    from duban.work import services

    services.task_claim(actor=liaison_a, task=task)
    lines = _timeline(as_(office), task)
    assert lines == [
        "张联络 (Development and Reform Bureau)",
        "王督查 (Supervision office) for Development and Reform Bureau",
    ]


def test_the_primary_membership_is_the_one_named(as_, office, liaison_a, unit_a, unit_b, task):
    from duban.work import services

    Membership.objects.create(person=liaison_a, unit=unit_b, is_primary=True)
    Membership.objects.filter(person=liaison_a, unit=unit_a).update(is_primary=False)
    services.task_claim(actor=liaison_a, task=task)
    assert (
        _timeline(as_(office), task)[0]
        == "张联络 (Finance Bureau) for Development and Reform Bureau"
    )
