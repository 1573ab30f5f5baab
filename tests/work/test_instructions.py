"""Leaders' instructions (批示): written by a leader on a task, shown on the task
page and in the lead unit liaison's inbox until read."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.work import services
from duban.work.models import EventKind, Instruction

from .. import factories as f

TEXT = "请加快进度，月底前完成选址。"


def test_a_leaders_instruction_shows_on_the_task_page(as_, leader, office, liaison_c, task):
    response = as_(leader).post(f"/tasks/{task.pk}/instruct/", {"text": TEXT})
    assert response.status_code == 302
    instruction = Instruction.objects.get(task=task)
    assert instruction.leader == leader
    assert task.events.last().kind == EventKind.INSTRUCTION
    for who in (office, leader, liaison_c):
        assert TEXT in as_(who).get(f"/tasks/{task.pk}/").content.decode()


def test_the_instruction_waits_in_the_lead_units_inbox_until_read(
    as_, leader, liaison_a, liaison_c, task
):
    instruction = services.instruction_create(actor=leader, task=task, text=TEXT)
    liaison = as_(liaison_a)
    inbox = liaison.get("/inbox/")
    assert inbox.context["box"].instructions == [instruction]
    assert TEXT in inbox.content.decode()
    # The co-unit sees the task but the instruction is the lead unit's to act on.
    assert as_(liaison_c).get("/inbox/").context["box"].instructions == []

    response = liaison.post(f"/instructions/{instruction.pk}/read/", {"next": "/inbox/"})
    assert response.status_code == 302
    assert response["Location"] == "/inbox/"
    assert Instruction.objects.get(pk=instruction.pk).read_at == f.NOW
    assert liaison.get("/inbox/").context["box"].instructions == []


def test_only_the_lead_unit_marks_an_instruction_read(as_, leader, office, liaison_c, task):
    instruction = services.instruction_create(actor=leader, task=task, text=TEXT)
    for who in (office, leader, liaison_c):
        as_(who).post(f"/instructions/{instruction.pk}/read/")
    assert Instruction.objects.get(pk=instruction.pk).read_at is None


@pytest.mark.parametrize("who", ["office", "liaison_a", "liaison_c"])
def test_only_leaders_can_instruct(as_, request, task, who):
    person = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied, match="Only a leader can write an instruction."):
        services.instruction_create(actor=person, task=task, text=TEXT)
    response = as_(person).post(f"/tasks/{task.pk}/instruct/", {"text": TEXT})
    assert response.status_code == 403
    assert "Only a leader can write an instruction." in response.content.decode()
    assert not Instruction.objects.exists()


def test_only_leaders_see_the_instruction_form(as_, leader, office, task):
    assert "Write instruction" in as_(leader).get(f"/tasks/{task.pk}/").content.decode()
    assert "Write instruction" not in as_(office).get(f"/tasks/{task.pk}/").content.decode()


def test_an_empty_instruction_is_refused(as_, leader, task):
    with pytest.raises(ValidationError):
        services.instruction_create(actor=leader, task=task, text="  ")
    response = as_(leader).post(f"/tasks/{task.pk}/instruct/", {"text": ""})
    assert response.status_code == 400
    assert not Instruction.objects.exists()


def test_a_leader_outside_the_tasks_scope_cannot_instruct_on_it(as_, office, unit_b, task):
    # A leader placed in unit B sees only unit B's subtree.
    scoped = f.person("leader_b", "leader", units=[unit_b])
    response = as_(scoped).post(f"/tasks/{task.pk}/instruct/", {"text": TEXT})
    assert response.status_code == 404
    assert not Instruction.objects.exists()
