"""Key indicators: targets per district or park, monthly actuals, progress
against the target and the time-proportional target, scoped."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.org import services as org_services
from duban.org.models import Role
from duban.org.scope import SYSTEM
from duban.projects import indicators
from duban.projects.models import IndicatorTarget

from .. import factories as f


@pytest.fixture
def setup(office, district):
    fai = indicators.indicator_create(
        actor=office,
        code="fai",
        name="固定资产投资",
        name_en="Fixed-asset investment",
        measure="亿元",
    )
    target = indicators.target_set(
        actor=office, indicator=fai, unit=district, year=2026, target=Decimal("36")
    )
    liaison = f.person("district-liaison", Role.LIAISON, units=[district])
    return target, liaison


def test_progress_against_the_time_plan(setup):
    target, liaison = setup
    indicators.actual_report(actor=liaison, target=target, month=1, value=Decimal("2"))
    indicators.actual_report(actor=liaison, target=target, month=2, value=Decimal("3"))
    (row,) = indicators.progress(IndicatorTarget.objects.all(), f.TODAY)
    # Two months ended on 18 March: 6 亿元 due; 5 done → 83.3% of due, 16.7 points behind.
    assert row.actual == Decimal("5") and row.due == Decimal("6.00")
    assert row.rate == Decimal("13.9") and row.rate_due == Decimal("83.3")
    assert row.finding is not None and row.finding.level == 2


def test_bad_figures_are_refused(setup, liaison_a):
    target, liaison = setup
    with pytest.raises(ValidationError):
        indicators.actual_report(actor=liaison, target=target, month=5, value=Decimal("1"))
    with pytest.raises(ValidationError):
        indicators.actual_report(actor=liaison, target=target, month=1, value=Decimal("-1"))
    with pytest.raises(PermissionDenied):
        indicators.actual_report(actor=liaison_a, target=target, month=1, value=Decimal("1"))


def test_the_page(setup, as_, office, liaison_a, district):
    target, liaison = setup
    page = as_(liaison, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/indicators/?year=2026")
    assert "固定资产投资" in page.content.decode()
    assert "固定资产投资" not in as_(liaison_a).get("/indicators/?year=2026").content.decode()
    bad = as_(liaison).post(
        f"/indicators/targets/{target.pk}/report/", {"month": "1", "value": "-3"}
    )
    assert bad.status_code == 400
    ok = as_(liaison).post(f"/indicators/targets/{target.pk}/report/", {"month": "1", "value": "3"})
    assert ok.status_code == 302
    other = org_services.unit_create(actor=SYSTEM, code="P9", name="新材料产业园", kind="park")
    saved = as_(office).post(
        "/indicators/?year=2026",
        {
            "set_target": "1",
            "indicator": target.indicator_id,
            "unit": other.pk,
            "year": "2026",
            "target": "12",
        },
    )
    assert saved.status_code == 302 and IndicatorTarget.objects.filter(unit=other).exists()


def test_the_list_filters(setup, as_, office):
    target, _liaison = setup
    page = (
        as_(office).get(f"/indicators/?year=2026&indicator={target.indicator_id}").content.decode()
    )
    assert "Fixed-asset investment" in page
    empty = as_(office).get("/indicators/?year=2026&unit=999999").content.decode()
    assert "Fixed-asset investment</td>" not in empty and "No target" in empty
