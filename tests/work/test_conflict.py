"""Two people editing the same task: the first save wins, the second is told
and keeps what they typed, and nothing of the second is written."""

from __future__ import annotations

import pytest

from duban.org.models import Role
from duban.work import services
from duban.work.models import EventKind, Task

from .. import factories as f


@pytest.fixture
def office_2(db):
    return f.person("office_2", Role.OFFICE, full_name="陈督查")


def _edit_form(task: Task, version: int, **changes) -> dict:
    data = {
        "serial": task.serial,
        "title": task.title,
        "title_en": task.title_en,
        "description": task.description,
        "source": task.source,
        "lead_unit": task.lead_unit_id,
        "co_units": list(task.co_units.values_list("pk", flat=True)),
        "leader": task.leader_id or "",
        "start_date": task.start_date.isoformat(),
        "cadence": task.cadence,
        "metric": task.metric,
        "metric_unit": task.metric_unit,
        "target_value": "" if task.target_value is None else str(task.target_value),
        "weight": str(task.weight),
        "version": version,
    }
    data.update(changes)
    return data


def test_the_second_save_from_the_same_version_raises_a_conflict(office, office_2, task):
    loaded_by_first = Task.objects.get(pk=task.pk)
    loaded_by_second = Task.objects.get(pk=task.pk)
    version = loaded_by_first.version

    saved = services.task_update(
        actor=office, task=loaded_by_first, version=version, title="第一人的标题"
    )
    assert saved.version == version + 1

    with pytest.raises(services.ConflictError, match="changed by someone else"):
        services.task_update(
            actor=office_2,
            task=loaded_by_second,
            version=version,
            title="第二人的标题",
            description="第二人的说明",
        )

    task.refresh_from_db()
    assert task.title == "第一人的标题"
    assert task.description == ""
    assert task.version == version + 1
    assert task.events.filter(kind=EventKind.EDITED).count() == 1
    assert task.history.filter(history_change_reason="edited").count() == 1


def test_a_save_from_the_current_version_goes_through_after_a_reload(office, office_2, task):
    services.task_update(actor=office, task=task, version=task.version, title="第一人的标题")
    reloaded = Task.objects.get(pk=task.pk)
    services.task_update(actor=office_2, task=reloaded, version=reloaded.version, metric="平台数")
    reloaded.refresh_from_db()
    assert (reloaded.title, reloaded.metric) == ("第一人的标题", "平台数")


def test_the_edit_page_answers_409_and_keeps_the_second_persons_input(as_, office, office_2, task):
    first, second = as_(office), as_(office_2)
    form_first = first.get(f"/tasks/{task.pk}/edit/").context["form"]
    form_second = second.get(f"/tasks/{task.pk}/edit/").context["form"]
    version = form_first["version"].value()
    assert form_second["version"].value() == version == task.version
    assert (
        f'name="version" value="{version}"' in first.get(f"/tasks/{task.pk}/edit/").content.decode()
    )

    response = first.post(
        f"/tasks/{task.pk}/edit/", _edit_form(task, version, title="第一人的标题")
    )
    assert response.status_code == 302
    before = f.snapshot()

    response = second.post(
        f"/tasks/{task.pk}/edit/",
        _edit_form(task, version, title="第二人的标题", description="第二人写的说明"),
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="conflict"' in html
    assert "Someone else saved this task while you were editing." in html
    assert 'value="第二人的标题"' in html
    assert "第二人写的说明</textarea>" in html
    assert f"/tasks/{task.pk}/edit/" in html  # the way to reload

    assert f.snapshot() == before
    task.refresh_from_db()
    assert task.title == "第一人的标题"
    assert task.description == ""


def test_an_edit_without_changes_does_not_bump_the_version(office, task):
    same = services.task_update(actor=office, task=task, version=task.version, title=task.title)
    assert same.version == task.version
    assert not task.events.filter(kind=EventKind.EDITED).exists()


def test_an_edit_records_what_changed_on_the_timeline(as_, office, task, unit_b):
    response = as_(office).post(
        f"/tasks/{task.pk}/edit/",
        _edit_form(task, task.version, title="新标题", lead_unit=unit_b.pk),
    )
    assert response.status_code == 302
    event = task.events.get(kind=EventKind.EDITED)
    assert event.actor == office
    assert event.data["changes"]["title"] == ["建设科技创新平台", "新标题"]
    assert event.data["changes"]["lead_unit"] == ["发展改革局", "财政局"]
    page = as_(office).get(f"/tasks/{task.pk}/").content.decode()
    assert "<del>建设科技创新平台</del> → <ins>新标题</ins>" in page
