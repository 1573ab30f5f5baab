"""Importing an office task list: preview, settling unknown names, all or nothing,
idempotent, through the page and the command."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from duban.documents import importer
from duban.documents.models import TaskImport
from duban.lib import deadlines
from duban.org import services as org_services
from duban.org.models import Unit
from duban.org.scope import SYSTEM
from duban.work.models import Task

from .. import factories as f
from .test_taskbook import OFFICE_MERGES, OFFICE_ROWS, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def units(db):
    made = {}
    for code, name, aliases in [
        ("KJ", "区科学技术局", "区科技局"),
        ("FG", "区发展和改革委员会", "区发改局"),
        ("CZ", "区财政局", ""),
        ("ZR", "区自然资源局", ""),
        ("GX", "区工业和信息化局", "区工信局"),
        ("RS", "区人力资源和社会保障局", "区人社局"),
        ("BGS", "区委办（区政府办、督查室）", ""),
        ("SP", "区行政审批局", ""),
        ("DSJ", "区大数据管理局", "区大数据局"),
    ]:
        made[code] = org_services.unit_create(
            actor=SYSTEM, code=code, name=name, kind="department", aliases=aliases
        )
    return made


@pytest.fixture
def plan2022(office):
    return f.plan(office, title="2022年重点任务", year=2022)


@pytest.fixture
def workbook() -> bytes:
    return xlsx(OFFICE_ROWS, OFFICE_MERGES)


def _upload(office, plan, data, name="任务分解.xlsx"):
    return importer.upload(
        actor=office, plan=plan, uploaded=SimpleUploadedFile(name, data, content_type=XLSX)
    )


def test_the_preview_matches_units_and_writes_no_task(office, units, plan2022, workbook):
    before = Task.objects.count()
    record, preview = _upload(office, plan2022, workbook)
    assert Task.objects.count() == before
    assert preview.matched["区科技局"] == units["KJ"]  # by alias
    assert preview.matched["区财政局"] == units["CZ"]  # by name
    assert list(preview.unknown) == ["区住建局"]
    assert preview.blocked
    measures = [r for r in preview.rows if r.node.level == "measure"]
    assert [r.deadline for r in measures] == [
        dt.date(2022, 6, 30),
        dt.date(2022, 9, 30),
        dt.date(2022, 9, 30),
        deadlines.LONG_TERM,  # 长期坚持: no deadline
        dt.date(2022, 12, 31),  # 每季度: every quarter until the year's end
        dt.date(2022, 9, 30),
    ]
    assert {u.name for u in measures[0].co} >= {"区发展和改革委员会", "区财政局", "区自然资源局"}
    with pytest.raises(ValidationError):
        importer.apply(actor=office, record=record, mappings={})
    assert Task.objects.count() == before


def test_import_writes_the_tree_and_a_second_import_changes_nothing(
    office, units, plan2022, workbook
):
    record, _preview = _upload(office, plan2022, workbook)
    counts = importer.apply(actor=office, record=record, mappings={"区住建局": importer.NEW})
    # The two section rows are the plan's headings, not tasks.
    assert counts == {"created": 8, "updated": 0, "unchanged": 0, "units_created": 1}
    assert Unit.objects.filter(name="区住建局").exists()
    tasks = Task.objects.filter(plan=plan2022)
    assert not tasks.filter(title="提升自主创新能力").exists()
    task = tasks.get(title="加快创新平台建设")
    assert task.parent is None and task.is_parent and task.section == "一、提升自主创新能力"
    measures = list(tasks.filter(parent=task).order_by("sort_key"))
    assert [m.title for m in measures] == [
        "建设国家级科技企业孵化器",
        "争创省级重点实验室",
        "引进新型研发机构",
    ]
    assert measures[0].lead_unit == units["KJ"] and measures[0].start_date == dt.date(2022, 1, 1)
    quarterly = tasks.get(title="压缩工程建设项目审批时限")
    assert quarterly.cadence == "quarterly" and quarterly.deadline_note == "每季度"
    again, preview = _upload(office, plan2022, workbook)
    assert preview.count("same") == 8 and not preview.unknown
    counts = importer.apply(actor=office, record=again, mappings={})
    assert counts == {"created": 0, "updated": 0, "unchanged": 8, "units_created": 0}
    assert Task.objects.filter(plan=plan2022).count() == 8


def test_a_changed_list_updates_what_changed(office, units, plan2022, workbook):
    record, _ = _upload(office, plan2022, workbook)
    importer.apply(actor=office, record=record, mappings={"区住建局": importer.NEW})
    rows = [list(r) for r in OFFICE_ROWS]
    rows[4][3] = "区财政局"  # the first measure changes lead unit
    changed, preview = _upload(office, plan2022, xlsx(rows, OFFICE_MERGES))
    assert preview.count("update") >= 1
    importer.apply(actor=office, record=changed, mappings={})
    assert Task.objects.get(title="建设国家级科技企业孵化器").lead_unit == units["CZ"]


def test_a_failure_half_way_writes_nothing(office, units, plan2022, workbook, monkeypatch):
    from duban.work.services import bulk as module

    record, _ = _upload(office, plan2022, workbook)
    real = module.bulk_create_with_history
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the tasks are written, then the measures fail
            raise ValidationError("boom")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "bulk_create_with_history", failing)
    before = f.snapshot()
    units_before = Unit.objects.count()
    with pytest.raises(ValidationError):
        importer.apply(actor=office, record=record, mappings={"区住建局": importer.NEW})
    assert calls["n"] == 2
    assert f.snapshot() == before and Unit.objects.count() == units_before


def test_an_imported_task_has_its_history_event_and_co_units(office, units, plan2022, workbook):
    record, _ = _upload(office, plan2022, workbook)
    importer.apply(actor=office, record=record, mappings={"区住建局": importer.NEW})
    task = Task.objects.get(title="建设国家级科技企业孵化器")
    assert task.history.count() == 1 and task.events.get().kind == "created"
    assert task.co_units.count() >= 3 and task.parent.is_parent and task.parent.parent is None


def test_a_title_too_long_is_refused_in_the_preview(office, units, plan2022):
    rows = [list(r) for r in OFFICE_ROWS]
    rows[4][2] = "很长的措施" * 80
    _record, preview = _upload(office, plan2022, xlsx(rows, OFFICE_MERGES))
    assert any("characters long" in r.reason for r in preview.rows)
    assert preview.count("invalid") >= 1


def test_the_pages(as_, office, liaison_a, units, plan2022, workbook):
    client = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert as_(liaison_a).get(f"/plans/{plan2022.pk}/import/").status_code == 403
    broken = client.post(
        f"/plans/{plan2022.pk}/import/", {"file": SimpleUploadedFile("a.xlsx", b"not a workbook")}
    )
    assert broken.status_code == 400
    assert "不是 Excel 工作簿" in broken.content.decode()
    assert TaskImport.objects.count() == 0
    response = client.post(
        f"/plans/{plan2022.pk}/import/", {"file": SimpleUploadedFile("任务.xlsx", workbook)}
    )
    record = TaskImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{record.pk}/"
    page = client.get(f"/imports/{record.pk}/").content.decode()
    assert "区住建局" in page and "建设国家级科技企业孵化器" in page and "2022年06月底" in page
    refused = client.post(f"/imports/{record.pk}/", {"apply": "1"})
    assert refused.status_code == 400 and not Task.objects.filter(plan=plan2022).exists()
    done = client.post(f"/imports/{record.pk}/", {"apply": "1", "map_0": units["ZR"].pk})
    assert done.status_code == 302
    assert Task.objects.filter(plan=plan2022).count() == 8
    assert Task.objects.get(title="建设国家级科技企业孵化器").co_units.filter(code="ZR").exists()


def test_the_command(office, units, plan2022, workbook, tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_bytes(workbook)
    out = StringIO()
    call_command("import-tasks", str(path), "--plan", str(plan2022.pk), "--dry-run", stdout=out)
    assert "unknown unit: 区住建局" in out.getvalue() and not Task.objects.exists()
    with pytest.raises(CommandError):
        call_command("import-tasks", str(path), "--plan", str(plan2022.pk), stdout=StringIO())
    call_command(
        "import-tasks",
        str(path),
        "--plan",
        str(plan2022.pk),
        "--map",
        "区住建局=ZR",
        stdout=(out := StringIO()),
    )
    assert "8 created" in out.getvalue() and Task.objects.count() == 8
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04broken")
    with pytest.raises(CommandError, match="damaged|not an Excel"):
        call_command("import-tasks", str(bad), "--plan", str(plan2022.pk), "--language", "en")


def test_a_list_for_another_year_is_flagged(office, units, workbook):
    plan = f.plan(office, title="2026年重点任务", year=2026)
    _record, preview = _upload(office, plan, workbook)
    assert preview.other_year == 2022
    dated = [r.deadline for r in preview.rows if r.deadline not in (None, deadlines.LONG_TERM)]
    assert dated and all(d.year in (2022, 2026) for d in dated)
