"""The parent chooser of the task form sends a few dozen tasks, not a
province's 50,000, and finds any task a measure may go under by its serial or
title, inside the person's scope."""

from __future__ import annotations

import re

import pytest

from duban.work.forms import TaskPicker

from .. import factories as f


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no <select name={name}>"
    return [v for v in re.findall(r'<option value="([^"]*)"', select.group(1)) if v]


@pytest.fixture
def few_shown(monkeypatch):
    monkeypatch.setattr(TaskPicker, "SHOWN", 3)


def test_the_task_form_offers_the_latest_tasks_and_the_chosen_parent(
    office, unit_a, as_, few_shown
):
    tasks = [f.task(office, unit_a) for _ in range(6)]
    client = as_(office)
    page = client.get("/tasks/new/").content.decode()
    assert _options(page, "parent") == [str(t.pk) for t in tasks[:2:-1]]  # the latest three
    assert 'data-picker-url="/tasks/pick/"' in page
    oldest = tasks[0]
    page = client.get(f"/tasks/new/?parent={oldest.pk}").content.decode()
    assert str(oldest.pk) in _options(page, "parent"), "the chosen parent is always there"
    assert re.search(rf'<option value="{oldest.pk}" selected>', page)


def test_a_parent_not_shown_is_still_accepted(office, unit_a, as_, few_shown):
    oldest, *_rest = [f.task(office, unit_a) for _ in range(5)]
    answer = as_(office).post(
        "/tasks/new/",
        {
            "parent": oldest.pk,
            "plan": oldest.plan_id or "",
            "serial": "1.1",
            "title": "新的措施",
            "lead_unit": unit_a.pk,
            "start_date": f.TODAY.isoformat(),
            "deadline": oldest.deadline.isoformat(),
            "cadence": "weekly",
            "source": "plan",
            "weight": "1",
            "version": "0",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert oldest.children.get().title == "新的措施"


def test_a_task_is_found_by_serial_or_title_inside_the_scope_only(
    office, liaison_a, liaison_b, unit_a, unit_b, as_
):
    wanted = f.task(office, unit_a, title="营商环境优化提升行动", serial="7")
    other = f.task(office, unit_b, title="营商环境评价", serial="70")
    done = f.task(office, unit_a, title="营商环境已办结", serial="71")
    f.close(office, liaison_a, f.services.task_claim(actor=liaison_a, task=done))
    client = as_(office)
    by_title = client.get("/tasks/pick/", {"q": "营商环境"}).json()
    assert [t["id"] for t in by_title["items"]] == [other.pk, wanted.pk]  # latest first
    assert by_title["more"] is False
    assert [t["id"] for t in client.get("/tasks/pick/", {"q": "7"}).json()["items"]] == [
        other.pk,
        wanted.pk,
    ]  # a serial from its start: not 17, not 27
    # The liaison of unit B sees its own unit's task only; a closed task is no parent.
    mine = as_(liaison_b).get("/tasks/pick/", {"q": "营商环境"}).json()
    assert [t["id"] for t in mine["items"]] == [other.pk]
    assert client.get("/tasks/pick/", {"q": "\x00已办结"}).json()["items"] == []


def test_the_answer_is_bounded(office, unit_a, as_, monkeypatch):
    from duban.web import tasks as task_pages

    monkeypatch.setattr(task_pages, "PICK_LIMIT", 2)
    for _ in range(3):
        f.task(office, unit_a, title="园区建设")
    found = as_(office).get("/tasks/pick/", {"q": "园区"}).json()
    assert len(found["items"]) == 2 and found["more"] is True
