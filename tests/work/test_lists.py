"""The task list: filters, search, sorting and pages."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from duban.work import services

from .. import factories as f

D = dt.date


def _listed(client, query=""):
    response = client.get(f"/tasks/{query}")
    assert response.status_code == 200
    return [t.pk for t in response.context["page"].object_list]


@pytest.fixture
def tasks(office, leader, liaison_a, liaison_b, plan, unit_a, unit_b, unit_c):
    """Six tasks over two plans, three units and two leaders, in every state."""
    other_plan = f.plan(office, title="招商引资行动方案")
    other_leader = f.person("leader_2", "leader", full_name="周副主任")
    t = {}
    t["due_friday"] = f.claimed(
        office, liaison_a, unit_a, plan=plan, serial="1.9", deadline=D(2026, 3, 20), leader=leader
    )
    t["overdue"] = f.claimed(
        office, liaison_b, unit_b, plan=plan, serial="1.10", deadline=D(2026, 3, 17)
    )
    t["due_next_week"] = f.task(
        office,
        unit_b,
        plan=other_plan,
        serial="2.1",
        deadline=D(2026, 3, 23),
        co_units=[unit_c],
        leader=other_leader,
        title="引进新材料龙头企业",
        description="对接链主企业，签约落地。",
    )
    t["led_by_c"] = f.task(office, unit_c, serial="3", deadline=D(2026, 6, 30), leader=leader)
    t["closing"] = f.claimed(office, liaison_a, unit_a, plan=plan, serial="1.2")
    services.close_request_create(
        actor=liaison_a, task=t["closing"], summary="完成。", files=[f.pdf()]
    )
    t["closed"] = f.close(office, liaison_a, f.claimed(office, liaison_a, unit_a, plan=plan))
    f.accepted(office, liaison_a, t["due_friday"], percent="80")
    f.accepted(office, liaison_b, t["overdue"], percent="10")
    t["other_plan"], t["other_leader"] = other_plan, other_leader
    return t


def _pks(tasks, *names):
    return sorted(tasks[name].pk for name in names)


OPEN = ("due_friday", "overdue", "due_next_week", "led_by_c", "closing")


def test_the_default_list_holds_every_open_task(as_, office, tasks):
    assert sorted(_listed(as_(office))) == _pks(tasks, *OPEN)


def test_filtering_by_plan(as_, office, plan, tasks):
    assert sorted(_listed(as_(office), f"?plan={plan.pk}")) == _pks(
        tasks, "due_friday", "overdue", "closing"
    )
    other = tasks["other_plan"].pk
    assert _listed(as_(office), f"?plan={other}") == [tasks["due_next_week"].pk]


def test_filtering_by_unit_includes_the_tasks_it_co_operates_on(as_, office, unit_c, unit_a, tasks):
    assert sorted(_listed(as_(office), f"?unit={unit_c.pk}")) == _pks(
        tasks, "due_next_week", "led_by_c"
    )
    assert sorted(_listed(as_(office), f"?unit={unit_a.pk}")) == _pks(
        tasks, "due_friday", "closing"
    )


def test_filtering_by_leader(as_, office, leader, tasks):
    assert sorted(_listed(as_(office), f"?leader={leader.pk}")) == _pks(
        tasks, "due_friday", "led_by_c"
    )
    assert _listed(as_(office), f"?leader={tasks['other_leader'].pk}") == [
        tasks["due_next_week"].pk
    ]


@pytest.mark.parametrize(
    ("state", "names"),
    [
        ("assigned", ["due_next_week", "led_by_c"]),
        ("in_progress", ["due_friday", "overdue"]),
        ("closing", ["closing"]),
        ("closed", ["closed"]),
    ],
)
def test_filtering_by_state(as_, office, tasks, state, names):
    assert sorted(_listed(as_(office), f"?state={state}")) == _pks(tasks, *names)


def test_filtering_what_is_due_this_week(as_, office, tasks):
    # Today is Wednesday 18 March; the week runs 16–22 March.
    assert sorted(_listed(as_(office), "?due=week")) == _pks(tasks, "due_friday", "overdue")


def test_filtering_what_is_overdue(as_, office, tasks):
    assert _listed(as_(office), "?due=overdue") == [tasks["overdue"].pk]


def test_filters_combine(as_, office, plan, unit_a, tasks):
    query = f"?plan={plan.pk}&unit={unit_a.pk}&state=in_progress"
    assert _listed(as_(office), query) == [tasks["due_friday"].pk]


@pytest.mark.parametrize(
    ("q", "names"),
    [
        ("龙头企业", ["due_next_week"]),  # title
        ("链主", ["due_next_week"]),  # description
        ("1.10", ["overdue"]),  # serial, exactly
        ("财政局", ["overdue", "due_next_week"]),  # lead unit
        ("no such thing", []),
    ],
)
def test_searching(as_, office, tasks, q, names):
    assert sorted(_listed(as_(office), f"?q={q}")) == _pks(tasks, *names)


def test_searching_english_titles_ignores_case(as_, office, unit_a):
    found = f.task(office, unit_a, title="建设平台", title_en="Build the Innovation Platforms")
    assert _listed(as_(office), "?q=innovation") == [found.pk]


def test_a_search_does_not_cross_a_liaisons_scope(as_, liaison_a, tasks):
    assert _listed(as_(liaison_a), "?q=财政局") == []


@pytest.mark.parametrize(
    ("sort", "names"),
    [
        ("deadline", ["overdue", "due_friday", "due_next_week", "led_by_c"]),
        ("-deadline", ["led_by_c", "due_next_week", "due_friday", "overdue"]),
        ("progress", ["due_next_week", "led_by_c", "overdue", "due_friday"]),
        ("-progress", ["due_friday", "overdue"]),
    ],
)
def test_sorting(as_, office, tasks, sort, names):
    listed = _listed(as_(office), f"?sort={sort}&state=&closed=")
    listed = [pk for pk in listed if pk != tasks["closing"].pk]
    assert listed[: len(names)] == [tasks[name].pk for name in names]


def test_serials_sort_naturally_within_a_plan(as_, office, plan, tasks):
    listed = _listed(as_(office), f"?plan={plan.pk}&sort=serial")
    assert listed == [tasks["closing"].pk, tasks["due_friday"].pk, tasks["overdue"].pk]


def test_sorting_by_unit_follows_the_unit_tree(as_, office, tasks):
    listed = _listed(as_(office), "?sort=unit")
    leads = [pk for pk in listed]
    assert leads.index(tasks["due_friday"].pk) < leads.index(tasks["overdue"].pk)
    assert leads.index(tasks["overdue"].pk) < leads.index(tasks["led_by_c"].pk)


def test_an_unknown_sort_or_filter_value_is_ignored(as_, office, tasks):
    assert sorted(_listed(as_(office), "?sort=password")) == _pks(tasks, *OPEN)
    assert sorted(_listed(as_(office), "?plan=999999")) == _pks(tasks, *OPEN)


def test_a_liaison_can_filter_only_by_their_own_units(as_, liaison_a, unit_a):
    form = as_(liaison_a).get("/tasks/").context["form"]
    assert list(form.fields["unit"].queryset) == [unit_a]


def test_missing_reports_are_flagged_in_the_list(as_, office, liaison_a, unit_a):
    behind = f.claimed(office, liaison_a, unit_a, serial="9")
    response = as_(office).get("/tasks/")
    row = next(t for t in response.context["page"].object_list if t.pk == behind.pk)
    assert row.missing == 2
    assert "2 missing" in response.content.decode()


@pytest.fixture
def many(office, plan, unit_a):
    return [
        f.task(office, unit_a, plan=plan, serial=f"{n}", weight=Decimal("1")) for n in range(1, 56)
    ]


def test_the_list_is_paged_by_50(as_, office, many):
    client = as_(office)
    first = client.get("/tasks/")
    assert len(first.context["page"].object_list) == 50
    assert "55 tasks" in first.content.decode()
    assert "Page 1 of 2" in first.content.decode()
    second = client.get("/tasks/?page=2")
    assert [t.pk for t in second.context["page"].object_list] == [t.pk for t in many[50:]]
    # Out-of-range and nonsense page numbers land on a real page.
    assert client.get("/tasks/?page=99").context["page"].number == 2
    assert client.get("/tasks/?page=abc").context["page"].number == 1


def test_the_pager_keeps_the_filters(as_, office, plan, many):
    html = as_(office).get(f"/tasks/?plan={plan.pk}&sort=deadline").content.decode()
    links = re.findall(r'href="\?([^"]*page=2)"', html)
    assert [link.replace("&amp;", "&") for link in links] == [
        f"plan={plan.pk}&sort=deadline&page=2"
    ]


def test_the_folded_filters_say_how_many_are_set(as_, office, unit_a, tasks):
    # On a phone the filters fold behind one button: it counts the set ones,
    # so a filtered list does not pass for the whole one.
    client = as_(office)
    button = re.compile(
        r'data-testid="filters-button">Filters(?: <span class="count">(\d+)</span>)?<'
    )
    assert button.search(client.get("/tasks/").content.decode()).group(1) is None
    page = client.get(f"/tasks/?unit={unit_a.pk}&due=overdue&q=").content.decode()
    assert button.search(page).group(1) == "2"


def test_a_later_page_of_the_task_list_has_the_same_rows_figures_and_queries_as_the_whole_list(
    office, liaison_a, unit_a
):
    """The page's ids are read first and only their rows annotated
    (queries.task_page): the same tasks, order and report counts as the whole
    list gives, in the same number of queries on the first and the last page."""
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from duban.work import queries

    for n in range(7):
        task = f.claimed(office, liaison_a, unit_a, start=f.TODAY - dt.timedelta(weeks=n + 1))
        if n % 2:
            f.report(
                liaison_a,
                task,
                period=services.report_period_choices(task, f.TODAY)[0].label,
            )
    whole = list(queries.task_list(office, queries.TaskFilters(sort="deadline"), f.TODAY))
    pages = [
        queries.task_page(
            queries.task_list(office, queries.TaskFilters(sort="deadline"), f.TODAY), n, per_page=3
        )
        for n in (1, 2, 3)
    ]
    assert [t.pk for p in pages for t in p.object_list] == [t.pk for t in whole]
    assert [t.filed_count for p in pages for t in p.object_list] == [t.filed_count for t in whole]
    assert sum(t.filed_count for t in whole) == 3
    counts = []
    for number in (1, 3):
        with CaptureQueriesContext(connection) as captured:
            queries.task_page(
                queries.task_list(office, queries.TaskFilters(sort="deadline"), f.TODAY),
                number,
                per_page=3,
            )
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
