"""The warning board (/warnings/), and warnings where people already look: the
task page, the liaison's inbox and the light in the task list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation
from django.utils.html import escape

from duban.cockpit.charts import overview
from duban.lib import rules
from duban.supervision.explain import reason
from duban.supervision.models import TaskWarning
from duban.supervision.scan import scan
from tests import factories as f


@pytest.fixture
def a_task(office, liaison_a, unit_a):
    """Unit A's: last week's report missing, 19 points behind (yellow)."""
    return f.claimed(office, liaison_a, unit_a, title="建设科技创新平台")


@pytest.fixture
def b_task(office, liaison_b, unit_b):
    """Unit B's: due in two days at 0% (red), last week's report missing."""
    return f.claimed(
        office, liaison_b, unit_b, title="完善财政资金保障", deadline=f.TODAY + dt.timedelta(days=2)
    )


@pytest.fixture
def warned(a_task, b_task):
    scan()
    return {
        task.pk: {w.rule: w for w in TaskWarning.objects.filter(task=task)}
        for task in (a_task, b_task)
    }


def _listed(response):
    assert response.status_code == 200
    return {(w.task_id, w.rule) for w in response.context["page"].object_list}


def test_the_office_sees_every_active_warning_with_its_reason(as_, office, a_task, b_task, warned):
    response = as_(office).get("/warnings/")
    assert _listed(response) == {
        (a_task.pk, rules.INACTION_REPORT),
        (a_task.pk, rules.SLOW),
        (b_task.pk, rules.INACTION_REPORT),
        (b_task.pk, rules.SLOW),
        (b_task.pk, rules.NEAR_DUE),
    }
    html = response.content.decode()
    assert "5 active warnings" in html
    assert "Slow action: behind schedule" in html
    assert "Progress 0%; by the schedule it should be 19%: 19 points behind" in html
    assert "No report filed for Week 11 (9–15 Mar); it was due on 2026-03-16" in html
    assert "Clears when the report for that period is filed." in html
    # Worst first: unit B's red warning heads the list and the by-unit table.
    first = response.context["page"].object_list[0]
    assert (first.task_id, first.rule, first.level) == (b_task.pk, rules.SLOW, rules.RED)
    assert [row["unit"].code for row in response.context["by_unit"]] == ["B", "A"]


def test_the_board_speaks_chinese(as_, office, a_task, warned):
    html = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/warnings/").content.decode()
    assert '<html lang="zh-CN">' in html
    assert "任务" in html  # the menu
    assert "points behind" not in html  # the reasons are translated
    # Each warning is there with its rule and reason in the person's language,
    # as the catalogue words them.
    with translation.override("zh-hans"):
        for w in warned[a_task.pk].values():
            assert f'data-rule="{w.rule}"' in html
            assert escape(w.get_rule_display()) in html
            assert escape(reason(w.rule, w.facts, f.TODAY)) in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=4", {("b", rules.SLOW)}),
        ("level=1", {("b", rules.NEAR_DUE)}),
        ("rule=inaction_report", {("a", rules.INACTION_REPORT), ("b", rules.INACTION_REPORT)}),
        ("unit=A", {("a", rules.INACTION_REPORT), ("a", rules.SLOW)}),
        ("unit=B&level=2", {("b", rules.INACTION_REPORT)}),
        ("rule=overdue", set()),
    ],
)
def test_the_board_filters_by_level_rule_and_unit(
    as_, office, unit_a, unit_b, a_task, b_task, warned, query, expected
):
    query = query.replace("unit=A", f"unit={unit_a.pk}").replace("unit=B", f"unit={unit_b.pk}")
    tasks = {"a": a_task.pk, "b": b_task.pk}
    response = as_(office).get(f"/warnings/?{query}")
    assert _listed(response) == {(tasks[t], rule) for t, rule in expected}
    if not expected:
        assert "No active warnings." in response.content.decode()


def test_a_liaison_sees_only_the_warnings_on_the_units_tasks(
    as_, liaison_b, unit_a, a_task, b_task, warned
):
    client = as_(liaison_b)
    response = client.get("/warnings/")
    assert {task for task, _ in _listed(response)} == {b_task.pk}
    assert "建设科技创新平台" not in response.content.decode()
    assert [row["unit"].code for row in response.context["by_unit"]] == ["B"]
    # Asking for unit A's warnings shows nothing of unit A.
    response = client.get(f"/warnings/?unit={unit_a.pk}")
    assert a_task.pk not in {task for task, _ in _listed(response)}


def test_the_board_needs_a_sign_in(as_, warned):
    response = as_(None).get("/warnings/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_task_page_shows_its_warnings_and_those_cleared(as_, office, liaison_a, a_task, warned):
    client = as_(office)
    response = client.get(f"/tasks/{a_task.pk}/")
    assert {w.rule for w in response.context["warnings"]} == {rules.INACTION_REPORT, rules.SLOW}
    html = response.content.decode()
    section = html[html.index('<section class="card" id="warnings">') :]
    assert "19 points behind" in section
    assert "Cleared warnings" not in html

    f.accepted(office, liaison_a, a_task, period=f.LAST_WEEK, percent="30")
    scan()
    response = client.get(f"/tasks/{a_task.pk}/")
    assert response.context["warnings"] == []
    html = response.content.decode()
    assert "No active warnings." in html
    assert "Cleared warnings" in html
    assert "No report filed for Week 11 (9–15 Mar)" in html


def test_the_liaison_inbox_lists_the_warnings_on_the_units_tasks(
    as_, liaison_a, a_task, b_task, warned
):
    response = as_(liaison_a).get("/inbox/")
    box = response.context["box"]
    assert {(w.task_id, w.rule) for w in box.warnings} == {
        (a_task.pk, rules.INACTION_REPORT),
        (a_task.pk, rules.SLOW),
    }
    html = response.content.decode()
    section = html[html.index('id="unit-warnings"') :]
    section = section[: section.index("</section>")]
    assert "Warnings on your unit's tasks" in section
    assert "19 points behind" in section
    assert "完善财政资金保障" not in section


def _light(html, task):
    row = re.search(rf'<tr data-task="{task.pk}">(.*?)</tr>', html, re.S)
    assert row, f"task {task.pk} is not in the list"
    return re.search(r'class="light light-(\w+)"', row[1])[1]


def test_the_task_list_light_is_red_for_a_task_with_an_active_red_warning(
    as_, office, liaison_a, unit_a, a_task, b_task
):
    on_track = f.claimed(office, liaison_a, unit_a)
    f.accepted(office, liaison_a, on_track, period=f.TWO_WEEKS_AGO, percent="15")
    f.accepted(
        office, liaison_a, on_track, period=f.LAST_WEEK, text="完成了选址论证。", percent="30"
    )
    client = as_(office)
    html = client.get("/tasks/").content.decode()
    # Before any scan no rule has found anything and nothing is overdue: the
    # light is the rules' (one definition, the cockpit's too), not the page's.
    assert (_light(html, a_task), _light(html, b_task), _light(html, on_track)) == (
        "green",
        "green",
        "green",
    )
    assert overview(office)["totals"]["red"] == overview(office)["totals"]["yellow"] == 0
    scan()
    assert TaskWarning.objects.get(task=b_task, rule=rules.SLOW).level == rules.RED
    html = client.get("/tasks/").content.decode()
    assert (_light(html, a_task), _light(html, b_task), _light(html, on_track)) == (
        "yellow",
        "red",
        "green",
    )


FACTS = {
    "slow": {"progress": 1, "expected": 20, "gap": 19, "yellow": 10, "red": 30},
    "overdue": {"deadline": "2026-03-01", "days": 17},
    "postponed": {"moves": 2, "limit": 2},
}


def test_the_trend_counts_warnings_active_at_each_weeks_end(as_, office, claimed_task):
    from duban.supervision.models import TaskWarning
    from tests import factories as fx

    def make(rule, level, raised, cleared=None, withdrawn=None):
        return TaskWarning.objects.create(
            task=claimed_task,
            unit=claimed_task.lead_unit,
            rule=rule,
            level=level,
            facts=FACTS[rule],
            raised_at=raised,
            cleared_at=cleared,
            withdrawn_at=withdrawn,
        )

    make("slow", 2, fx.at(2026, 3, 10), cleared=fx.at(2026, 3, 17))  # active at W11's end
    make("overdue", 4, fx.at(2026, 3, 2))  # active since W10
    make("postponed", 2, fx.at(2026, 3, 3), withdrawn=fx.at(2026, 3, 4))  # counts nowhere
    trend = {row["week"]: row for row in as_(office).get("/warnings/").context["trend"]}
    assert (trend["2026-W09"]["red"], trend["2026-W09"]["yellow"]) == (0, 0)
    assert (trend["2026-W10"]["red"], trend["2026-W10"]["yellow"]) == (1, 0)
    assert (trend["2026-W11"]["red"], trend["2026-W11"]["yellow"]) == (1, 1)
    assert (trend["2026-W12"]["red"], trend["2026-W12"]["yellow"]) == (1, 0)
    assert len(trend) == 8


def test_the_trend_and_the_cockpit_read_the_past_alike(as_, office, claimed_task):
    """One reader of the past (supervision.history): a warning raised yellow
    and escalated red later is yellow in the weeks before, on the board's trend
    and on the cockpit as of those days; a withdrawn one counts in neither."""
    from duban.supervision.models import WarningEvent
    from duban.work.models import Task
    from tests import factories as fx

    Task.objects.filter(pk=claimed_task.pk).update(created_at=fx.at(2026, 3, 1))
    warning = TaskWarning.objects.create(
        task=claimed_task,
        unit=claimed_task.lead_unit,
        rule="slow",
        level=rules.RED,  # today's level
        facts=FACTS["slow"],
        raised_at=fx.at(2026, 3, 3),
    )
    WarningEvent.objects.create(
        warning=warning, kind="raised", level=rules.YELLOW, facts={}, at=fx.at(2026, 3, 3)
    )
    WarningEvent.objects.create(
        warning=warning, kind="escalated", level=rules.RED, facts={}, at=fx.at(2026, 3, 11)
    )
    TaskWarning.objects.create(
        task=claimed_task,
        unit=claimed_task.lead_unit,
        rule="postponed",
        level=rules.YELLOW,
        facts=FACTS["postponed"],
        raised_at=fx.at(2026, 3, 3),
        withdrawn_at=fx.at(2026, 3, 16),  # withdrawn after W10 and W11 ended
    )
    trend = {row["week"]: row for row in as_(office).get("/warnings/").context["trend"]}
    for week, sunday in (("2026-W10", dt.date(2026, 3, 8)), ("2026-W11", dt.date(2026, 3, 15))):
        totals = overview(office, sunday)["totals"]
        assert (trend[week]["red"], trend[week]["yellow"]) == (totals["red"], totals["yellow"])
    assert (trend["2026-W10"]["red"], trend["2026-W10"]["yellow"]) == (0, 1)
    assert (trend["2026-W11"]["red"], trend["2026-W11"]["yellow"]) == (1, 0)
