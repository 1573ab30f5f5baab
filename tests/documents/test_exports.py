"""Exports: the lists as .xlsx and the office's documents as .docx, scoped like
the pages, opened by LibreOffice."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from duban.supervision.models import TaskWarning
from tests.office import LibreOffice, libreoffice_fixture  # noqa: F401 (a fixture)

from .. import factories as f


@pytest.fixture
def spread(office, leader, liaison_a, unit_a, unit_b, plan):
    meeting = f.meeting(office, f.TODAY, number=80)
    a = f.task(office, unit_a, plan=plan, meeting=meeting, leader=leader, title="=1+1 建设孵化器")
    b = f.task(office, unit_b, plan=plan, meeting=meeting, title="完成土地征迁")
    TaskWarning.objects.create(
        task=a, unit=unit_a, rule="postponed", level=2, facts={"moves": 2, "limit": 2}
    )
    return {"a": a, "b": b, "meeting": meeting}


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return openpyxl.load_workbook(io.BytesIO(content)), content


def test_the_task_export_is_scoped_and_injection_safe(
    as_, liaison_a, office, spread, tmp_path, libreoffice
):
    book, _ = _sheet(as_(liaison_a).get("/tasks/export.xlsx"))
    values = [c.value for row in book.active.iter_rows() for c in row]
    assert "=1+1 建设孵化器" in values and "完成土地征迁" not in values
    book, content = _sheet(as_(office).get("/tasks/export.xlsx?q=土地"))
    values = [c.value for row in book.active.iter_rows() for c in row]
    assert "完成土地征迁" in values and "=1+1 建设孵化器" not in values
    full, content = _sheet(as_(office).get("/tasks/export.xlsx"))
    source = tmp_path / "tasks.xlsx"
    source.write_bytes(content)
    csv = libreoffice.csv(source)
    assert "=1+1 建设孵化器" in csv and "完成土地征迁" in csv


def test_the_warning_export_carries_the_reason(as_, office, spread):
    book, _ = _sheet(as_(office, HTTP_ACCEPT_LANGUAGE="en").get("/warnings/export.xlsx?level=2"))
    values = [str(c.value) for row in book.active.iter_rows() for c in row]
    assert any("The deadline has moved 2 times" in v for v in values)


def test_the_assignment_sheet_and_the_ranking_open_in_libreoffice(
    as_, office, liaison_a, spread, tmp_path, libreoffice
):
    response = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").get(
        f"/meetings/{spread['meeting'].pk}/assignment.docx"
    )
    assert response.status_code == 200
    source = tmp_path / "assignment.docx"
    source.write_bytes(response.content)
    text = libreoffice.text(source)
    assert "完成土地征迁" in text and "发展改革局" in text
    # A liaison's sheet lists only what they may see.
    mine = tmp_path / "mine.docx"
    mine.write_bytes(
        as_(liaison_a).get(f"/meetings/{spread['meeting'].pk}/assignment.docx").content
    )
    assert "完成土地征迁" not in libreoffice.text(mine)

    ranking = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/assessment/2026Q1/ranking.docx")
    assert ranking.status_code == 200
    source = tmp_path / "ranking.docx"
    source.write_bytes(ranking.content)
    assert libreoffice.pdf(source).stat().st_size > 1000
    assert "季度考核" in libreoffice.text(source)
    book, _ = _sheet(as_(office).get("/assessment/2026Q1/ranking.xlsx"))
    assert book.sheetnames
    assert as_(office).get("/assessment/2026Q1/ranking.pdf").status_code == 404


def test_the_notice_and_the_bulletin_open_in_libreoffice(
    as_, office, liaison_a, liaison_b, spread, tmp_path, libreoffice, clock
):
    from duban.assessment import services as assessment
    from duban.lib import periods
    from duban.supervision import services as supervision

    notice = supervision.notice_issue(
        actor=office,
        task=spread["a"],
        reason="请书面说明进度滞后原因及整改措施。",
        answer_by=f.TODAY + dt.timedelta(days=5),
    )
    source = tmp_path / "notice.docx"
    source.write_bytes(
        as_(liaison_a, HTTP_ACCEPT_LANGUAGE="zh-hans")
        .get(f"/notices/{notice.pk}/notice.docx")
        .content
    )
    text = libreoffice.text(source)
    assert "督办〔2026〕1号" in text and "请书面说明进度滞后原因及整改措施。" in text
    assert as_(liaison_b).get(f"/notices/{notice.pk}/notice.docx").status_code == 404

    assessment.review_save(
        actor=office,
        month=periods.period_from_label("2026-02"),
        office=f.zone(),
        remarks="二月总体平稳。",
        publish=True,
    )
    source = tmp_path / "bulletin.docx"
    response = as_(liaison_a, HTTP_ACCEPT_LANGUAGE="en").get("/reviews/2026-02/bulletin.docx")
    assert response.status_code == 200
    source.write_bytes(response.content)
    text = libreoffice.text(source)
    assert "Monthly review February 2026" in text and "二月总体平稳。" in text
    assert as_(liaison_a).get("/reviews/2026-01/bulletin.docx").status_code == 404


def test_the_export_command(office, spread, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = tmp_path / "tasks.xlsx"
    call_command("export", "tasks", "-o", str(out), stdout=StringIO())
    assert openpyxl.load_workbook(out).active.max_row > 3
    sheet = tmp_path / "sheet.docx"
    call_command(
        "export",
        "assignment",
        "--meeting",
        str(spread["meeting"].pk),
        "-o",
        str(sheet),
        stdout=StringIO(),
    )
    assert sheet.read_bytes()[:2] == b"PK"
    with pytest.raises(CommandError):
        call_command("export", "tasks", "-o", str(tmp_path / "tasks.docx"))
    with pytest.raises(CommandError):
        call_command("export", "ranking", "--quarter", "2026Q9", "-o", str(tmp_path / "r.xlsx"))
