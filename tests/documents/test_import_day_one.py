"""An office's own 任务分解清单 on day one (issue 13, point 1): four sections
一、二、三、四, four key tasks merged down over 22 measures, unit names the
office does not have yet and collective names, imported through the page."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.documents import importer
from duban.documents.models import TaskImport
from duban.org.models import Role, Unit
from duban.work import queries
from duban.work.models import Task

from .. import factories as f

SECTIONS = ("提升自主创新能力", "培育壮大创新主体", "优化创新创业生态", "推进产业转型升级")
MEASURES = (6, 5, 6, 5)  # 22 in all, numbered 1..22 in 序号


def checklist() -> bytes:
    """The list as offices keep it: a merged title, sections merged across, each
    key task merged down over its measures, 22 new unit names, 各园区 and
    各有关单位 among the co-units."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "任务分解清单"
    ws.append(["高新区创建国家高新区任务分解清单"])
    ws.append(["序号", "重点任务", "具体措施", "牵头单位", "配合单位", "责任领导", "完成时限"])
    merges, row, n = ["A1:G1"], 3, 0
    for s, (title, count) in enumerate(zip(SECTIONS, MEASURES, strict=True)):
        ws.append([f"{'一二三四'[s]}、{title}"])
        merges.append(f"A{row}:G{row}")
        row, first = row + 1, row + 1
        for m in range(count):
            n += 1
            co = "各园区" if n % 3 == 0 else "各有关单位" if n % 5 == 0 else f"新单位{n % 22 + 1}"
            ws.append([n, f"（{'一二三四'[s]}）{title}" if m == 0 else None, f"措施{n}",
                       f"新单位{n}", co, None, "2026年6月底前"])  # fmt: skip
            row += 1
        merges.append(f"B{first}:B{row - 1}")
    for cells in merges:
        ws.merge_cells(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def world(db):
    zone = f.zone()
    desk = f.unit("DCS", "督查室")
    parks = [f.unit(f"P{i}", f"第{i}产业园", kind="park") for i in (1, 2)]
    return {
        "office": f.person("zhou", Role.OFFICE, units=[desk, zone], full_name="周敏"),
        "leader": f.person("li", Role.LEADER, units=[zone], full_name="李志强"),
        "parks": parks,
        "desk": desk,
    }


def _import_through_the_page(as_, world, **choices):
    office = world["office"]
    plan = f.plan(office, title="2026年创建国家高新区实施方案", year=2026)
    client = as_(office)
    client.post(f"/plans/{plan.pk}/import/", {"file": SimpleUploadedFile("清单.xlsx", checklist())})
    record = TaskImport.objects.get(plan=plan)
    page = client.get(f"/imports/{record.pk}/").content.decode()
    result = importer.load(actor=office, record=record)
    fields = {f"map_{i}": importer.NEW for i in range(len(result.unknown))}  # unknown first
    done = client.post(f"/imports/{record.pk}/", {"apply": "1", **fields, **choices})
    return plan, record, page, done


def test_every_imported_task_is_visible_to_the_office_and_the_leader(as_, world):
    plan, record, page, done = _import_through_the_page(as_, world)
    assert done.status_code == 302, done.content.decode()[:2000]
    tasks = Task.objects.filter(plan=plan)
    assert tasks.count() == 26  # 4 key tasks + 22 measures; the sections are headings
    for who in ("office", "leader"):
        assert queries.visible_tasks(world[who]).filter(plan=plan).count() == 26
        client = as_(world[who])
        assert all(client.get(f"/tasks/{t.pk}/").status_code == 200 for t in tasks)
    created = Unit.objects.filter(code__startswith=f"IMP-{record.pk}-")
    assert created.count() == 22
    assert {u.parent_id for u in created} == {plan.owner_unit_id}
    plan_page = as_(world["leader"]).get(f"/plans/{plan.pk}/").content.decode()
    assert (
        plan_page.count('data-testid="section-heading"') == 4
        and "一、提升自主创新能力" in plan_page
    )


def test_the_preview_says_what_it_understood(as_, world):
    _plan, _record, page, _done = _import_through_the_page(as_, world)
    assert "4 headings, 4 tasks, 22 measures, 0 new units" in page
    assert "22 names match no unit yet" in page
    assert "第1产业园, 第2产业园" in page  # 各园区, expanded (an English page)
    assert "names no unit of yours" in page.lower() or "Names no unit of yours" in page
    assert "matches no unit: choose one above or create it" in page  # why, not only a badge


def test_serials_follow_the_sheet_and_are_unique(as_, world):
    plan, *_ = _import_through_the_page(as_, world)
    serials = list(Task.objects.filter(plan=plan).values_list("serial", flat=True))
    assert len(serials) == len(set(serials)) == 26
    measures = Task.objects.filter(plan=plan, parent__isnull=False).order_by("sort_key")
    assert [t.serial for t in measures][:3] == ["1", "2", "3"]
    top = Task.objects.filter(plan=plan, parent__isnull=True).order_by("sort_key")
    assert [t.section for t in top] == [f"{'一二三四'[i]}、{s}" for i, s in enumerate(SECTIONS)]
    assert all(t.lead_unit.name.startswith("新单位") for t in top)  # not the office's


def test_collective_names_expand_and_co_units_are_complete(as_, world):
    plan, *_ = _import_through_the_page(as_, world)
    third = Task.objects.get(plan=plan, title="措施3")  # 配合单位: 各园区
    assert set(third.co_units.all()) == set(world["parks"])
    fifth = Task.objects.get(plan=plan, title="措施5")  # 配合单位: 各有关单位, left out
    assert not fifth.co_units.exists()
    key = Task.objects.get(plan=plan, title="提升自主创新能力")
    children = Task.objects.filter(parent=key)
    expected = {u.pk for t in children for u in [t.lead_unit, *t.co_units.all()]}
    assert {u.pk for u in key.co_units.all()} | {key.lead_unit_id} == expected


def test_importing_the_unchanged_file_again_reports_no_change(as_, world):
    plan, _record, _page, _done = _import_through_the_page(as_, world)
    office = world["office"]
    again, preview = importer.upload(
        actor=office, plan=plan, uploaded=SimpleUploadedFile("清单.xlsx", checklist())
    )
    assert not preview.unknown
    assert [r.changes for r in preview.rows if r.status == "update"] == []
    counts = importer.apply(actor=office, record=again, mappings={})
    assert counts == {"created": 0, "updated": 0, "unchanged": 26, "units_created": 0}


def test_sections_as_top_level_tasks_led_by_the_office(as_, world):
    plan, _record, _page, done = _import_through_the_page(as_, world, sections="tasks")
    assert done.status_code == 302
    section = Task.objects.get(plan=plan, title="提升自主创新能力", parent__isnull=True)
    assert section.serial == "一" and section.lead_unit == plan.owner_unit
    assert Task.objects.filter(plan=plan).count() == 30


def test_new_units_go_where_the_office_chose_never_outside_its_office(as_, world):
    plan, record, _page, done = _import_through_the_page(as_, world, unit_parent=world["desk"].pk)
    assert done.status_code == 302
    created = Unit.objects.filter(code__startswith=f"IMP-{record.pk}-")
    assert {u.parent_id for u in created} == {world["desk"].pk}
    elsewhere = f.unit("ELSE", "别处", parent=None)
    with pytest.raises(Exception):  # noqa: B017 (refused: PermissionDenied or ValidationError)
        importer.choose(actor=world["office"], record=record, mappings={}, parent=elsewhere)
