"""Stage moves through the service and the page: forward with evidence, a skip
or a move back needs a reason, dates in order, pause and resume, history kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from duban.projects import services
from duban.projects.models import Project, StageMove

from .. import factories as f

D = dt.date


def test_forward_moves_record_actual_dates_and_evidence(project, office):
    services.stage_move(
        actor=office,
        project=project,
        target="signed",
        on=D(2026, 1, 20),
        evidence=f.pdf("合同.pdf"),
    )
    services.stage_move(actor=office, project=project, target="started", on=D(2026, 3, 2))
    project.refresh_from_db()
    assert (project.stage, project.signed_on, project.started_on) == (
        "started",
        D(2026, 1, 20),
        D(2026, 3, 2),
    )
    first = StageMove.objects.get(to_stage="signed")
    assert first.kind == "forward" and first.evidence_name == "合同.pdf"


def test_irregular_moves_need_a_reason(project, office):
    with pytest.raises(ValidationError, match="needs a reason"):
        services.stage_move(actor=office, project=project, target="started", on=D(2026, 1, 5))
    services.stage_move(
        actor=office, project=project, target="started", on=D(2026, 1, 5), reason="签约开工同步进行"
    )
    with pytest.raises(ValidationError, match="needs a reason"):
        services.stage_move(actor=office, project=project, target="signed", on=D(2026, 2, 1))
    services.stage_move(
        actor=office, project=project, target="signed", on=D(2026, 2, 1), reason="开工手续被撤回"
    )
    project.refresh_from_db()
    assert project.stage == "signed" and project.started_on is None
    assert list(StageMove.objects.order_by("at").values_list("kind", flat=True)) == [
        "skip",
        "backward",
    ]


def test_dates_must_follow_and_not_be_in_the_future(project, office):
    services.stage_move(actor=office, project=project, target="signed", on=D(2026, 2, 10))
    with pytest.raises(
        ValidationError, match="before the project was signed|before the project's last move"
    ):
        services.stage_move(actor=office, project=project, target="started", on=D(2026, 2, 1))
    with pytest.raises(ValidationError, match="after today"):
        services.stage_move(actor=office, project=project, target="started", on=D(2026, 4, 1))
    assert Project.objects.get(pk=project.pk).stage == "signed"


def test_pause_and_resume(project, office):
    services.stage_move(actor=office, project=project, target="signed", on=D(2026, 1, 20))
    services.stage_move(
        actor=office, project=project, target="paused", on=D(2026, 2, 1), reason="投资方资金未到位"
    )
    project.refresh_from_db()
    assert project.paused_from == "signed"
    services.stage_move(actor=office, project=project, target="signed", on=D(2026, 3, 1))
    project.refresh_from_db()
    assert project.stage == "signed" and project.paused_from == ""


def test_the_stage_page_keeps_what_was_typed(as_, office, project):
    response = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        f"/projects/{project.pk}/stage/", {"target": "producing", "on": "2026-03-01"}
    )
    assert response.status_code == 400
    assert "需要说明原因" in response.content.decode()
    ok = as_(office).post(
        f"/projects/{project.pk}/stage/",
        {"target": "signed", "on": "2026-03-01", "evidence": f.pdf("合同.pdf")},
    )
    assert ok.status_code == 302


def test_a_stage_moves_evidence_is_handed_out_to_those_who_see_the_project(
    project, office, as_, unit_b
):
    from duban.audit.models import AuditEvent
    from duban.org.models import Role

    services.stage_move(
        actor=office,
        project=project,
        target="signed",
        on=D(2026, 1, 20),
        evidence=f.pdf("合同.pdf"),
    )
    move = StageMove.objects.get(to_stage="signed")
    page = as_(office).get(f"/projects/{project.pk}/").content.decode()
    assert f"/stage-moves/{move.pk}/evidence/" in page and "/media/" not in page
    got = as_(office).get(f"/stage-moves/{move.pk}/evidence/")
    assert got.status_code == 200 and got["Content-Disposition"].startswith("attachment")
    assert got["Content-Security-Policy"].startswith("sandbox") and b"".join(got.streaming_content)
    row = AuditEvent.objects.filter(action="attachment.downloaded").last()
    assert (row.object_type, row.detail["file"]) == ("stagemove", "合同.pdf")
    outsider = f.person("lb", Role.LIAISON, units=[unit_b])
    assert as_(outsider).get(f"/stage-moves/{move.pk}/evidence/").status_code == 404
    # The uploads' folder is not served, not even while debugging.
    assert as_(office).get("/media/" + move.evidence.name).status_code == 404
