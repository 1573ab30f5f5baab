"""The unit choosers send a few dozen options, whatever the size of the tree,
and find any unit of the person's scope by its name as they type."""

from __future__ import annotations

import re

from duban.org.models import Unit

from .. import factories as f


def _tree(n_departments: int, n_each: int) -> list[Unit]:
    """A zone with departments, each with sub-units: what a province looks like, smaller."""
    zone = f.zone()
    made = []
    for d in range(n_departments):
        department = f.unit(f"D{d}", f"第{d}局", parent=zone)
        made.append(department)
        for k in range(n_each):
            made.append(f.unit(f"D{d}-{k}", f"第{d}局第{k}科", parent=department))
    return made


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no <select name={name}>"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def test_the_task_list_offers_the_top_of_the_tree_and_the_chosen_unit_only(office, as_):
    units = _tree(12, 8)  # 108 units
    deep = units[-1]
    client = as_(office)
    page = client.get("/tasks/").content.decode()
    offered = _options(page, "unit")
    assert len(offered) <= 41, len(offered)
    assert str(deep.pk) not in offered
    assert 'data-picker-url="/units/pick/"' in page

    page = client.get(f"/tasks/?unit={deep.pk}").content.decode()
    assert str(deep.pk) in _options(page, "unit"), "the chosen unit is always there"
    assert re.search(rf'<option value="{deep.pk}" selected>', page)


def test_a_unit_is_found_by_any_of_its_names_inside_the_scope_only(office, liaison_a, unit_a, as_):
    units = _tree(3, 2)
    target = units[2]  # 第0局第1科
    Unit.objects.filter(pk=target.pk).update(aliases="招商科\n投促科", short_name="零局一科")
    client = as_(office)
    for text in ("第0局第1科", "零局一科", "投促", target.code.lower()):
        found = client.get("/units/pick/", {"q": text}).json()
        assert [u["id"] for u in found["items"]] == [target.pk], text
        assert found["items"][0]["within"] == "第0局"
    everything = client.get("/units/pick/", {"q": "第"}).json()
    assert len(everything["items"]) == 9 and not everything["more"]
    # A liaison's scope is their own unit: nothing else is found.
    mine = as_(liaison_a).get("/units/pick/", {"q": ""}).json()
    assert [u["id"] for u in mine["items"]] == [unit_a.pk]
    assert as_(liaison_a).get("/units/pick/", {"q": "第0局"}).json()["items"] == []


def test_the_answer_is_bounded_and_says_there_is_more(office, as_):
    _tree(8, 6)  # 56 units
    found = as_(office).get("/units/pick/", {"q": "第"}).json()
    assert len(found["items"]) == 30
    assert found["more"] is True
    # The shallowest first: every department is among them.
    names = {u["name"] for u in found["items"]}
    assert {f"第{d}局" for d in range(8)} <= names


def test_a_unit_not_shown_can_still_be_chosen_and_filters_the_list(office, liaison_a, as_):
    units = _tree(12, 8)
    deep = units[-1]
    task = f.task(office, deep, title="深处单位的任务")
    f.task(office, units[0], title="别处的任务")
    page = as_(office).get("/tasks/", {"unit": deep.pk}).content.decode()
    assert task.title in page
    assert "别处的任务" not in page


def test_the_unit_list_shows_a_page_of_the_tree_with_the_whole_count_and_finds_by_name(
    office, as_, monkeypatch, django_assert_max_num_queries
):
    from duban.web import units as unit_pages

    _tree(12, 8)  # 108 units and the zone
    monkeypatch.setattr(unit_pages, "UNITS_PAGE", 20)
    client = as_(office)
    client.get("/units/")
    with django_assert_max_num_queries(10):
        first = client.get("/units/")
    html = first.content.decode()
    assert "109 units" in html and "Page 1 of 6" in html
    assert len(first.context["units"]) == 20
    paths = [u.path for u in first.context["units"]]
    assert paths == sorted(paths), "tree order"
    last = client.get("/units/", {"page": 6})
    assert len(last.context["units"]) == 9
    found = client.get("/units/", {"q": "第11局"})
    assert [u.name for u in found.context["units"]][:2] == ["第11局", "第11局第0科"]
    assert found.context["page"].paginator.count == 9
    nothing = client.get("/units/", {"q": "没有这个"})
    assert "No unit has that name." in nothing.content.decode()


def test_a_chooser_of_districts_offers_a_few_and_finds_districts_only(office, as_):
    from duban.org.models import UnitKind

    zone = f.zone()
    districts = [
        f.unit(f"Q{n}", f"第{n}区", kind=UnitKind.DISTRICT, parent=zone) for n in range(60)
    ]
    f.unit("QX", "第1区办公室", parent=zone)  # named alike, not a district
    client = as_(office)
    page = client.get("/projects/").content.decode()
    offered = _options(page, "district")
    assert 1 < len(offered) <= 41, len(offered)
    assert 'data-picker-url="/units/pick/?kind=district"' in page
    found = client.get("/units/pick/", {"q": "第1区", "kind": "district"}).json()
    assert [u["id"] for u in found["items"]] == [districts[1].pk]
    # Without the kind, or with a kind that does not exist, every kind is found.
    assert len(client.get("/units/pick/", {"q": "第1区"}).json()["items"]) == 2
    assert len(client.get("/units/pick/", {"q": "第1区", "kind": "nothing"}).json()["items"]) == 2
    # A district not offered still filters the list.
    chosen = client.get("/projects/", {"district": districts[-1].pk})
    assert chosen.status_code == 200 and chosen.context["form"].is_valid()
    assert str(districts[-1].pk) in _options(chosen.content.decode(), "district")
