"""The unit tree: paths, moves, subtrees, aliases and leading-group members."""

from __future__ import annotations

import pytest

from duban.org import services
from duban.org.models import Unit
from duban.org.scope import SYSTEM
from tests import factories as f


@pytest.fixture
def tree(db):
    zone = services.unit_create(actor=SYSTEM, code="Z", name="高新区管委会", kind="committee")
    dept = services.unit_create(
        actor=SYSTEM,
        code="D",
        name="市发展和改革委员会",
        short_name="市发改委",
        kind="department",
        parent=zone,
        aliases="发改委\n市发改",
    )
    park = services.unit_create(
        actor=SYSTEM, code="P", name="装备制造产业园", kind="park", parent=zone
    )
    office = services.unit_create(actor=SYSTEM, code="D1", name="投资科", kind="other", parent=dept)
    return zone, dept, park, office


def test_a_subtree_is_one_prefix_whatever_the_height(tree):
    zone, dept, park, office = tree
    assert set(Unit.objects.subtree_of([dept])) == {dept, office}
    assert set(Unit.objects.subtree_of([zone])) == {zone, dept, park, office}
    assert office.depth == 2


def test_moving_a_unit_moves_its_whole_subtree(tree):
    zone, dept, park, office = tree
    services.unit_move(actor=SYSTEM, unit=dept, parent=park)
    office.refresh_from_db()
    assert office.path.startswith(park.path) and office.depth == 3
    assert set(Unit.objects.subtree_of([park])) == {park, dept, office}


def test_a_unit_cannot_move_under_itself(tree):
    zone, dept, park, office = tree
    with pytest.raises(ValueError):
        services.unit_move(actor=SYSTEM, unit=dept, parent=office)


def test_units_are_found_by_name_short_name_or_alias(tree):
    dept = tree[1]
    for text in ("市发展和改革委员会", "市发改委", "发改委", " 市发改 "):
        assert Unit.objects.match_name(text) == dept
    assert Unit.objects.match_name("不存在的单位") is None


def test_a_leading_group_lists_its_member_units_on_its_page(tree, office, as_):
    zone, dept, park, _ = tree
    group = services.unit_create(
        actor=SYSTEM, code="G", name="创建工作领导小组", kind="leading_group", parent=zone
    )
    group.member_units.set([dept, park])
    page = as_(office).get(f"/units/{group.pk}/").content.decode()
    assert "市发展和改革委员会" in page and "装备制造产业园" in page
    assert list(dept.member_of.all()) == [group]


def test_a_person_may_belong_to_several_units(tree):
    zone, dept, park, _ = tree
    person = f.person("two_hats", "liaison", units=[dept, park])
    assert sorted(person.unit_ids()) == sorted([dept.pk, park.pk])
