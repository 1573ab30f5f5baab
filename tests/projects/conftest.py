from __future__ import annotations

from decimal import Decimal

import pytest

from duban.org import services as org_services
from duban.org.scope import SYSTEM
from duban.projects import services
from duban.projects.models import Industry
from duban.projects.seed import seed_industries

from .. import factories as f


@pytest.fixture(autouse=True)
def industries(db):
    """The seeded industries (a transactional test elsewhere may have flushed them)."""
    seed_industries()


@pytest.fixture
def park(db):
    return org_services.unit_create(actor=SYSTEM, code="P1", name="装备制造产业园", kind="park")


@pytest.fixture
def district(db):
    return org_services.unit_create(actor=SYSTEM, code="D1", name="辛店镇", kind="district")


@pytest.fixture
def project(office, leader, unit_a, park, district):
    return services.project_create(
        actor=office,
        code="XM-001",
        name="氢能产业园项目",
        name_en="Hydrogen industrial park",
        industry=Industry.objects.get(code="hydrogen"),
        investor="洛阳氢能科技有限公司",
        unit=unit_a,
        park=park,
        district=district,
        leader=leader,
        total_investment=Decimal("120000000.00"),
        planned_sign=f.TODAY.replace(month=1, day=15),
        planned_start=f.TODAY.replace(month=3, day=1),
    )
