"""What the security audit log records beyond sign-ins (issue 12, point 5):
every export, every attachment downloaded, every import, the quarter's lock
and reopening, each done through its page; and every file handed out is a
download the browser saves, runs nothing in and keeps nowhere (point 6)."""

from __future__ import annotations

from io import StringIO
from urllib.parse import parse_qsl

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from duban.audit.models import AuditEvent
from duban.documents.models import TaskImport
from duban.org import services as org_services
from duban.org.scope import SYSTEM
from duban.projects.seed import seed_industries
from tests import factories as f
from tests.work.test_permissions import World

pytestmark = pytest.mark.django_db

SANDBOX = "sandbox; default-src 'none'"


@pytest.fixture
def world(office, leader, liaison_a, plan, task, unit_a):
    seed_industries()
    return World(office, leader, liaison_a, plan, task, unit_a)


def _last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


def _is_a_sandboxed_download(response) -> None:
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["Cache-Control"] == "no-store"


# (page, what it is, as whom)
EXPORTS = [
    (lambda w: "/tasks/export.xlsx?q=平台", "tasks", "liaison_a"),
    (lambda w: "/warnings/export.xlsx", "warnings", "office"),
    (lambda w: "/assessment/2026Q1/ranking.xlsx", "ranking", "leader"),
    (lambda w: "/assessment/2026Q1/ranking.docx", "ranking", "office"),
    (lambda w: f"/meetings/{w.meeting.pk}/assignment.docx", "assignment", "office"),
    (lambda w: f"/notices/{w.notice.pk}/notice.docx", "notice", "liaison_a"),
    (lambda w: "/reviews/2026-02/bulletin.docx", "bulletin", "office"),
    (lambda w: f"/projects/export.xlsx?unit={w.project.unit_id}", "projects", "office"),
]


@pytest.mark.parametrize(("url", "kind", "who"), EXPORTS, ids=[e[1] + "-" + e[2] for e in EXPORTS])
def test_every_export_is_a_sandboxed_download_and_is_recorded(as_, request, world, url, kind, who):
    person = request.getfixturevalue(who)
    address = url(world)
    response = as_(person, REMOTE_ADDR="10.7.7.7", HTTP_USER_AGENT="WPS Office").get(address)
    _is_a_sandboxed_download(response)
    row = _last("export")
    assert (row.actor, row.address, row.user_agent) == (person.username, "10.7.7.7", "WPS Office")
    assert row.detail["kind"] == kind
    assert row.detail["file"] in response["Content-Disposition"]
    assert row.detail["query"] == dict(parse_qsl(address.partition("?")[2]))
    if kind in ("tasks", "projects", "warnings", "assignment"):
        assert isinstance(row.detail["rows"], int)
    assert "PK" not in str(row.detail)  # never the file itself


def test_the_task_export_records_how_many_rows_it_held(as_, liaison_a, world):
    as_(liaison_a).get("/tasks/export.xlsx")
    assert _last("export").detail["rows"] == 1  # the default task, unit A's


def test_an_attachment_is_always_saved_never_shown_and_its_download_is_recorded(as_, office, world):
    attachment = world.attachment  # a PDF: once shown inline, now saved like any file
    response = as_(office, REMOTE_ADDR="10.3.3.3").get(f"/attachments/{attachment.pk}/")
    _is_a_sandboxed_download(response)
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert 'filename="evidence.pdf"' in response["Content-Disposition"]
    row = _last("attachment.downloaded")
    assert (row.actor, row.address, row.object_type, row.object_id) == (
        "office",
        "10.3.3.3",
        "attachment",
        str(attachment.pk),
    )
    assert row.detail == {
        "file": "evidence.pdf",
        "task": attachment.task_id,
        "size": attachment.size,
    }


def test_a_file_no_longer_stored_is_not_found_not_a_server_error(as_, office, world):
    attachment = world.attachment
    attachment.file.storage.delete(attachment.file.name)
    assert as_(office).get(f"/attachments/{attachment.pk}/").status_code == 404
    assert not AuditEvent.objects.filter(action="attachment.downloaded").exists()


def test_a_refused_download_is_recorded_as_refused_not_as_a_download(as_, liaison_b, world):
    attachment = world.attachment
    assert as_(liaison_b).get(f"/attachments/{attachment.pk}/").status_code == 404
    assert not AuditEvent.objects.filter(action="attachment.downloaded").exists()


def test_a_task_list_import_refused_then_done_is_recorded_with_its_counts(
    as_, office, plan, unit_a
):
    from tests.documents.test_taskbook import OFFICE_MERGES, OFFICE_ROWS, xlsx

    client = as_(office, REMOTE_ADDR="10.4.4.4")
    upload = SimpleUploadedFile("清单.xlsx", xlsx(OFFICE_ROWS, OFFICE_MERGES))
    client.post(f"/plans/{plan.pk}/import/", {"file": upload})
    record = TaskImport.objects.get()
    unknown = client.get(f"/imports/{record.pk}/").context["unknown"]
    assert unknown, "the list names units duban does not know"
    refused = client.post(f"/imports/{record.pk}/", {"apply": "1"})
    assert refused.status_code == 400
    row = _last("import.refused")
    assert (row.actor, row.outcome, row.address) == ("office", "refused", "10.4.4.4")
    assert row.detail == {"kind": "tasks", "plan": plan.pk, "file": "清单.xlsx", "problems": 1}
    mapping = {f"map_{row[0]}": "new" for row in unknown}  # (index, name, …)
    done = client.post(f"/imports/{record.pk}/", {"apply": "1", **mapping})
    assert done.status_code == 302
    row = _last("import.done")
    assert (row.actor, row.outcome, row.object_type, row.object_id) == (
        "office",
        "ok",
        "taskimport",
        str(record.pk),
    )
    record.refresh_from_db()
    assert {k: row.detail[k] for k in record.result} == record.result
    assert row.detail["created"] > 0 and row.detail["file"] == "清单.xlsx"


def test_a_project_list_import_is_recorded_with_its_counts(as_, office, unit_a):
    from tests.projects.test_import import GOOD, _book

    seed_industries()
    org_services.unit_create(actor=SYSTEM, code="P1", name="装备制造产业园", kind="park")
    org_services.unit_create(actor=SYSTEM, code="D1", name="辛店镇", kind="district")
    client = as_(office)
    preview = client.post("/projects/import/", {"file": SimpleUploadedFile("p.xlsx", _book(GOOD))})
    assert not AuditEvent.objects.filter(action__startswith="import").exists()  # a preview
    done = client.post("/projects/import/", {"token": preview.context["token"]})
    assert done.status_code == 302
    row = _last("import.done")
    assert row.actor == "office"
    assert row.detail == {"kind": "projects", "rows": 2, "created": 2, "updated": 0}


def test_locking_and_reopening_a_quarter_are_recorded(as_, office, world):
    client = as_(office, REMOTE_ADDR="10.5.5.5")
    assert client.post("/assessment/2025Q4/lock/").status_code == 302
    locked = _last("assessment.locked")
    assert (locked.actor, locked.address, locked.object_type) == (
        "office",
        "10.5.5.5",
        "assessment",
    )
    assert locked.detail["quarter"] == "2025Q4" and locked.detail["office"] == f.zone().pk
    client.post("/assessment/2025Q4/reopen/", {"reason": "数据更正"})
    reopened = _last("assessment.reopened")
    assert reopened.object_id == locked.object_id
    assert reopened.detail["reason"] == "数据更正"
    assert reopened.detail["scores"] == locked.detail["scores"]


def test_a_lock_refused_is_not_recorded_as_a_lock(as_, office, world):
    as_(office).post("/assessment/2026Q1/lock/")  # the quarter has not ended
    assert not AuditEvent.objects.filter(action="assessment.locked").exists()


def test_an_operators_export_is_recorded_too(office, task, tmp_path):
    call_command("export", "tasks", "-o", str(tmp_path / "t.xlsx"), stdout=StringIO())
    row = _last("export")
    assert (row.actor, row.detail["kind"], row.detail["source"]) == ("", "tasks", "command")
