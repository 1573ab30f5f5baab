"""Asking and deciding through the API: the same services, the same record
as the pages."""

from __future__ import annotations

import datetime as dt

from duban.supervision.models import TaskWarning
from duban.work.models import Task, TaskEvent
from tests import factories as f


def test_a_new_deadline_asked_and_approved_moves_the_task(api, office, liaison_a, claimed_task):
    asked = api(liaison_a).post(
        f"/tasks/{claimed_task.pk}/deadline-requests",
        {"new_deadline": "2026-09-30", "reason": "征地手续未完成。"},
    )
    assert asked.status_code == 201 and asked.json()["state"] == "pending"
    decided = api(office).post(
        f"/deadline-requests/{asked.json()['id']}/decide", {"approve": True, "comment": "同意。"}
    )
    assert decided.json()["state"] == "approved"
    assert Task.objects.get(pk=claimed_task.pk).deadline == dt.date(2026, 9, 30)
    listed = api(liaison_a).get(f"/tasks/{claimed_task.pk}/deadline-requests").json()
    assert [r["state"] for r in listed] == ["approved"]


def test_a_deadline_in_the_past_is_refused_with_the_field_named(api, liaison_a, claimed_task):
    response = api(liaison_a, language="zh-hans").post(
        f"/tasks/{claimed_task.pk}/deadline-requests",
        {"new_deadline": "2020-01-01", "reason": "x"},
    )
    assert response.status_code == 422
    assert "new_deadline" in response.json()["errors"]


def test_a_leaders_instruction_reaches_the_unit_and_is_read(api, leader, liaison_a, claimed_task):
    made = api(leader).post(f"/tasks/{claimed_task.pk}/instructions", {"text": "请加快推进。"})
    assert made.status_code == 201 and made.json()["read_at"] is None
    read = api(liaison_a).post(f"/instructions/{made.json()['id']}/read")
    assert read.json()["read_at"] is not None
    assert TaskEvent.objects.filter(task=claimed_task, kind="instruction").exists()


def test_a_notice_is_numbered_by_the_office_and_answered(api, office, liaison_a, claimed_task):
    issued = api(office, language="zh-hans").post(
        f"/tasks/{claimed_task.pk}/notices",
        {"reason": "请说明进度滞后原因。", "answer_by": "2026-03-25"},
    )
    assert issued.status_code == 201
    assert issued.json()["number"] == "督办〔2026〕1号"
    answered = api(liaison_a).post(
        f"/notices/{issued.json()['id']}/answer", {"answer": "已加派人手。"}
    )
    assert answered.json()["answered_at"] is not None
    assert (
        api(liaison_a).get(f"/tasks/{claimed_task.pk}/notices").json()[0]["answer"]
        == "已加派人手。"
    )


def test_a_warning_withdrawn_on_appeal_leaves_the_list(
    api, office, liaison_a, unit_a, claimed_task
):
    warning = TaskWarning.objects.create(
        task=claimed_task,
        unit=unit_a,
        rule="slow",
        level=2,
        facts={"progress": 1, "expected": 20, "gap": 19, "yellow": 10, "red": 30},
    )
    appealed = api(liaison_a).post(f"/warnings/{warning.pk}/appeals", {"reason": "本周已报送。"})
    assert appealed.status_code == 201 and appealed.json()["state"] == "pending"
    api(office).post(
        f"/appeals/{appealed.json()['id']}/decide", {"withdraw": True, "comment": "属实。"}
    )
    assert api(liaison_a).get("/warnings").json()["results"] == []
    assert api(liaison_a).get(f"/tasks/{claimed_task.pk}").json()["light"] == "green"


def test_meetings_list_the_latest_first(api, office, liaison_a):
    older = f.meeting(office, f.TODAY - dt.timedelta(days=7), number=79)
    newer = f.meeting(office, f.TODAY, number=80)
    assert [m["id"] for m in api(liaison_a).get("/meetings").json()] == [newer.pk, older.pk]


def _ask_to_close(caller, task, files, **headers):
    return caller.client.post(
        f"/api/v1/tasks/{task.pk}/close-requests",
        {"summary": "已完成并验收。", "evidence": files},
        headers={**caller.headers, **headers},
    )


def test_a_task_is_closed_with_evidence_sent_once(api, office, liaison_a, claimed_task):
    caller = api(liaison_a)
    first = _ask_to_close(caller, claimed_task, [f.pdf()], **{"Idempotency-Key": "close-1"})
    again = _ask_to_close(caller, claimed_task, [f.pdf()], **{"Idempotency-Key": "close-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["evidence"] == ["evidence.pdf"]
    assert claimed_task.close_requests.count() == 1
    done = api(office).post(f"/close-requests/{first.json()['id']}/decide", {"accept": True})
    assert done.status_code == 200
    assert Task.objects.get(pk=claimed_task.pk).state == "closed"
    listed = caller.get(f"/tasks/{claimed_task.pk}/close-requests").json()
    assert [c["state"] for c in listed] == [done.json()["state"]]


def test_evidence_that_is_not_what_it_says_is_refused(api, liaison_a, claimed_task):
    fake = f.upload("报告.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = _ask_to_close(api(liaison_a), claimed_task, [fake])
    assert response.status_code == 422 and "attachments" in response.json()["errors"]
    assert claimed_task.close_requests.count() == 0
    missing = api(liaison_a).client.post(
        f"/api/v1/tasks/{claimed_task.pk}/close-requests",
        {"summary": "无附件"},
        headers=api(liaison_a).headers,
    )
    assert missing.status_code == 422
