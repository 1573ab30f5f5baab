"""Office staff and leaders see the subtree of the units they belong to:
one installation can hold several offices (a province and its cities)."""

from __future__ import annotations

import pytest

from duban.org import services as org
from duban.org.scope import SYSTEM
from duban.work import queries
from tests import factories as f


@pytest.fixture
def province(db):
    city_a = org.unit_create(actor=SYSTEM, code="CA", name="甲市", kind="committee")
    city_b = org.unit_create(actor=SYSTEM, code="CB", name="乙市", kind="committee")
    dept_a = org.unit_create(
        actor=SYSTEM, code="CA-1", name="甲市发改委", kind="department", parent=city_a
    )
    dept_b = org.unit_create(
        actor=SYSTEM, code="CB-1", name="乙市发改委", kind="department", parent=city_b
    )
    boss = f.person("boss", "office", units=[city_a, city_b])
    task_a = f.task(boss, dept_a, title="甲市任务")
    task_b = f.task(boss, dept_b, title="乙市任务")
    return city_a, city_b, task_a, task_b


def test_an_office_of_one_city_sees_only_that_city(province):
    city_a, city_b, task_a, task_b = province
    office_a = f.person("office_a", "office", units=[city_a])
    assert list(queries.visible_tasks(office_a)) == [task_a]


def test_an_office_over_every_top_unit_sees_everything(province):
    city_a, city_b, task_a, task_b = province
    both = f.person("both", "office", units=[city_a, city_b])
    assert set(queries.visible_tasks(both)) == {task_a, task_b}
    leader = f.person("no_units", "leader")
    assert set(queries.visible_tasks(leader)) == {task_a, task_b}


def test_a_leader_of_a_department_sees_its_tasks_only(province):
    city_a, city_b, task_a, task_b = province
    lead = f.person("dept_leader", "leader", units=[task_b.lead_unit])
    assert list(queries.visible_tasks(lead)) == [task_b]


def test_an_office_of_one_city_cannot_assign_to_another_city(province):
    from django.core.exceptions import PermissionDenied

    city_a, city_b, task_a, task_b = province
    office_a = f.person("office_a", "office", units=[city_a])
    with pytest.raises(PermissionDenied, match="乙市发改委 is outside the units you work for"):
        f.task(office_a, task_b.lead_unit, title="越界")
    with pytest.raises(PermissionDenied, match="outside the units you work for"):
        f.task(office_a, task_a.lead_unit, title="配合越界", co_units=[task_b.lead_unit])


def test_a_leader_placed_in_a_department_reads_the_office_above(as_, province):
    """Someone placed in a department works for the office above it: its
    assessment and its meetings are theirs to read (not to change)."""
    city_a, city_b, task_a, task_b = province
    reader = f.person("dept_reader", "leader", units=[task_a.lead_unit])
    meeting = f.meeting(f.person("office_a", "office", units=[city_a]), f.TODAY, number=1)
    client = as_(reader)
    assert client.get("/assessment/2026Q1/").status_code == 200
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    assert client.get(f"/assessment/2026Q1/?office={city_b.pk}").status_code == 404
