"""Importing a project list: names matched, bad rows refused with the reason,
all rows or none, a second import updates by code."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.projects.models import Project

HEADER = [
    "项目编号",
    "项目名称",
    "项目级别",
    "产业",
    "链主企业",
    "投资主体",
    "总投资（万元）",
    "所属园区",
    "县区",
    "责任单位",
    "责任领导",
    "计划开工",
]


def _book(rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["洛阳高新区2026年重点项目表"])
    ws.merge_cells("A1:L1")
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD = [
    [
        "XM-101",
        "氢能装备项目",
        "市重点",
        "氢能",
        "是",
        "氢能公司",
        "12,000",
        "装备制造产业园",
        "辛店镇",
        "发展改革局",
        "",
        "2026年6月底前",
    ],
    [
        "XM-102",
        "新材料二期",
        "区重点",
        "新材料",
        "",
        "新材料公司",
        3500.5,
        "",
        "",
        "发展改革局",
        "",
        "",
    ],
]


def _post(client, data, **extra):
    return client.post("/projects/import/", {"file": SimpleUploadedFile("p.xlsx", data), **extra})


def test_import_all_or_nothing_then_update(as_, office, unit_a, park, district):
    client = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans")
    bad = _book(
        [
            *GOOD,
            ["XM-103", "某项目", "", "量子计算", "", "某公司", "-5", "", "", "不存在的局", "", ""],
        ]
    )
    page = _post(client, bad)
    text = page.content.decode()
    assert page.status_code == 200 and "量子计算" in text and "不存在的局" in text
    assert "不能导入" in text and 'name="token"' not in text
    assert not Project.objects.exists()
    preview = _post(client, _book(GOOD))
    token = preview.context["token"]
    assert token and not preview.context["preview"].blocked
    done = client.post("/projects/import/", {"token": token})
    assert done.status_code == 302
    first = Project.objects.get(code="XM-101")
    assert first.total_investment == Decimal("120000000.00") and first.chain_owner
    assert first.park == park and first.level == "municipal"
    assert str(first.planned_start) == "2026-06-30"
    assert Project.objects.get(code="XM-102").total_investment == Decimal("35005000.00")
    changed = [list(GOOD[0]), list(GOOD[1])]
    changed[1][6] = 4000
    again = _post(client, _book(changed))
    assert again.context["preview"].count("update") == 2
    client.post("/projects/import/", {"token": again.context["token"]})
    assert Project.objects.count() == 2
    assert Project.objects.get(code="XM-102").total_investment == Decimal("40000000.00")


def test_broken_files_and_tampered_tokens(as_, office, liaison_a):
    client = as_(office, HTTP_ACCEPT_LANGUAGE="en")
    broken = _post(client, b"PK\x03\x04 not really")
    assert broken.status_code == 400 and "damaged" in broken.content.decode()
    tampered = client.post("/projects/import/", {"token": "imports/projects/../../etc/passwd"})
    assert tampered.status_code == 302
    assert as_(liaison_a).get("/projects/import/").status_code == 403
