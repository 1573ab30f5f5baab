"""Rules switched on and thresholds set per plan; bad settings are refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.lib import rules
from duban.supervision import services
from duban.supervision.models import TaskWarning
from duban.supervision.scan import scan
from tests import factories as f

FORM = {
    "enabled": list(rules.RULES),
    "report_grace_days": 1,
    "claim_days": 2,
    "slow_yellow": 10,
    "slow_red": 30,
    "near_due_days": 3,
    "postponed_moves": 2,
    "formalism_similarity": 90,
}


def test_a_plan_can_switch_a_rule_off_for_its_tasks(office, liaison_a, plan, claimed_task):
    # Nothing filed for last week: the report warning fires with the defaults.
    scan()
    assert TaskWarning.objects.filter(task=claimed_task, rule="inaction_report").exists()
    on = [r for r in rules.RULES if r != "inaction_report"]
    services.plan_warning_settings_update(actor=office, plan=plan, settings={"enabled": on})
    scan()
    assert not TaskWarning.objects.filter(
        task=claimed_task, rule="inaction_report", cleared_at__isnull=True
    ).exists()


def test_stricter_slow_thresholds_raise_red_sooner(office, liaison_a, plan, claimed_task, clock):
    f.report(liaison_a, claimed_task, period=f.LAST_WEEK, percent="0")
    scan()
    slow = TaskWarning.objects.get(task=claimed_task, rule="slow", cleared_at__isnull=True)
    assert slow.level == rules.YELLOW
    services.plan_warning_settings_update(
        actor=office, plan=plan, settings={"slow_yellow": 5, "slow_red": 15}
    )
    scan()
    slow.refresh_from_db()
    assert slow.level == rules.RED and slow.facts["red"] == 15


@pytest.mark.parametrize(
    "bad",
    [{"enabled": ["no_such_rule"]}, {"slow_red": 500}, {"slow_yellow": 40}, {"colour": 1}],
)
def test_bad_settings_are_refused_with_a_reason_and_nothing_changes(office, plan, bad):
    with pytest.raises(ValidationError, match="cannot be used"):
        services.plan_warning_settings_update(actor=office, plan=plan, settings=bad)
    plan.refresh_from_db()
    assert plan.warning_settings == {}


def test_only_the_office_changes_settings(liaison_a, leader, plan):
    for someone in (liaison_a, leader):
        with pytest.raises(PermissionDenied):
            services.plan_warning_settings_update(actor=someone, plan=plan, settings={})


def test_the_settings_page_keeps_the_input_and_explains_errors(as_, office, plan):
    client = as_(office)
    assert client.get(f"/plans/{plan.pk}/warnings/").status_code == 200
    page = client.post(f"/plans/{plan.pk}/warnings/", {**FORM, "slow_red": 8})
    assert page.status_code == 400
    assert "Red must start above yellow." in page.content.decode()
    page = client.post(f"/plans/{plan.pk}/warnings/", {**FORM, "claim_days": 99})
    assert page.status_code == 400 and 'value="99"' in page.content.decode()
    saved = client.post(f"/plans/{plan.pk}/warnings/", {**FORM, "slow_red": 25})
    assert saved.status_code == 302
    plan.refresh_from_db()
    assert plan.warning_settings["slow_red"] == 25
    assert plan.warning_settings["formalism_similarity"] == 0.9


def test_a_plan_saved_without_its_own_grace_keeps_following_the_installation(
    as_, office, plan, settings
):
    client = as_(office)
    shown = client.get(f"/plans/{plan.pk}/warnings/").content.decode()
    assert 'name="report_grace_days"' in shown and "1 day now" in shown
    saved = client.post(f"/plans/{plan.pk}/warnings/", {**FORM, "report_grace_days": ""})
    assert saved.status_code == 302
    plan.refresh_from_db()
    assert "report_grace_days" not in plan.warning_settings
    settings.DUBAN_REPORT_GRACE_DAYS = 3  # the installation changes its grace later
    assert plan.report_grace_days == 3
    # A plan that sets its own keeps it.
    client.post(f"/plans/{plan.pk}/warnings/", {**FORM, "report_grace_days": 5})
    plan.refresh_from_db()
    assert plan.report_grace_days == 5
    assert 'value="5"' in client.get(f"/plans/{plan.pk}/warnings/").content.decode()
