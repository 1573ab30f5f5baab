"""The permission matrix for a second office (STYLE.md, habit 15): an office
person and a leader placed in a district that runs its own office, beside the
zone whose record the matrix's World holds (everything in it is unit A's).

For every named page and method: what they get, that nothing of the zone's is
on the pages they may open, and that a refused request writes nothing. What the
district office may do (record its own meeting, lock its own quarter) touches
only its own records.
"""

from __future__ import annotations

import re

import pytest

from duban.assessment.models import Assessment
from duban.org.models import Unit

from .. import factories as f
from .test_permissions import MATRIX, World, _ids

# (office_d, leader_d) for each (page, method) of the main matrix.
OUTSIDERS: dict[tuple[str, str], tuple[int, int]] = {
    ("home", "GET"): (302, 302),
    ("token_list", "GET"): (200, 200),
    ("token_list", "POST"): (200, 200),
    ("token_revoke", "POST"): (404, 404),
    ("inbox", "GET"): (200, 200),
    ("cockpit", "GET"): (200, 200),
    ("cockpit_screen", "GET"): (200, 200),
    ("cockpit_data", "GET"): (200, 200),
    ("cockpit_data", "POST"): (405, 405),
    ("task_list", "GET"): (200, 200),
    ("task_create", "GET"): (200, 403),
    ("task_create", "POST"): (400, 403),
    ("task_detail", "GET"): (404, 404),
    ("task_edit", "GET"): (404, 403),
    ("task_edit", "POST"): (404, 403),
    ("task_claim", "GET"): (405, 405),
    ("task_claim", "POST"): (404, 404),
    ("report_edit", "GET"): (404, 404),
    ("report_edit", "POST"): (404, 404),
    ("deadline_request", "GET"): (405, 405),
    ("deadline_request", "POST"): (404, 404),
    ("close_request", "GET"): (405, 405),
    ("close_request", "POST"): (404, 404),
    ("milestone_add", "POST"): (404, 404),
    ("milestone_delete", "POST"): (404, 404),
    ("instruction_create", "GET"): (405, 405),
    ("instruction_create", "POST"): (404, 404),
    ("report_review", "GET"): (405, 405),
    ("report_review", "POST"): (404, 403),
    ("reports_accept_many", "GET"): (405, 405),
    ("reports_accept_many", "POST"): (404, 403),
    ("deadline_decide", "GET"): (405, 405),
    ("deadline_decide", "POST"): (404, 403),
    ("close_decide", "GET"): (405, 405),
    ("close_decide", "POST"): (404, 403),
    ("instruction_read", "GET"): (405, 405),
    ("instruction_read", "POST"): (404, 404),
    ("attachment_download", "GET"): (404, 404),
    ("attachment_view", "GET"): (404, 404),
    ("plan_list", "GET"): (200, 200),
    ("plan_create", "GET"): (200, 403),
    ("plan_create", "POST"): (302, 403),
    ("plan_detail", "GET"): (404, 404),
    ("meeting_list", "GET"): (200, 200),
    ("reporting_status", "GET"): (200, 200),
    ("reporting_burden", "GET"): (200, 200),
    ("burden_recount", "POST"): (302, 403),
    ("warning_board", "GET"): (200, 200),
    ("plan_warning_settings", "GET"): (404, 403),
    ("appeal_file", "POST"): (404, 404),
    ("appeal_decide", "POST"): (404, 404),
    ("notice_issue", "POST"): (404, 404),
    ("notice_answer", "POST"): (404, 404),
    ("meeting_create", "GET"): (200, 403),
    ("meeting_create", "POST"): (302, 403),
    ("meeting_detail", "GET"): (404, 404),
    ("unit_list", "GET"): (200, 200),
    ("unit_pick", "GET"): (200, 200),
    ("task_pick", "GET"): (200, 200),
    ("unit_detail", "GET"): (404, 404),
    ("assessment_home", "GET"): (302, 302),
    ("assessment_detail", "GET"): (200, 200),
    ("adjustment_edit", "GET"): (404, 404),
    ("adjustment_edit", "POST"): (404, 404),
    ("assessment_lock", "POST"): (302, 403),
    ("assessment_recount", "POST"): (302, 403),
    ("assessment_reopen", "POST"): (302, 403),
    ("import_upload", "GET"): (404, 403),
    ("import_upload", "POST"): (404, 403),
    ("import_preview", "GET"): (404, 403),
    ("import_preview", "POST"): (404, 403),
    ("export_tasks", "GET"): (200, 200),
    ("export_warnings", "GET"): (200, 200),
    ("export_ranking", "GET"): (200, 200),
    ("export_assignment", "GET"): (404, 404),
    ("export_notice", "GET"): (404, 404),
    ("export_bulletin", "GET"): (200, 404),
    ("project_list", "GET"): (200, 200),
    ("export_projects", "GET"): (200, 200),
    ("project_create", "GET"): (200, 403),
    ("project_import", "GET"): (200, 403),
    ("project_import", "POST"): (200, 403),
    ("project_detail", "GET"): (404, 404),
    ("project_edit", "GET"): (404, 403),
    ("project_edit", "POST"): (404, 403),
    ("indicator_list", "GET"): (200, 200),
    ("indicator_list", "POST"): (302, 403),
    ("indicator_report", "GET"): (404, 404),
    ("indicator_report", "POST"): (404, 404),
    ("batch_list", "GET"): (200, 200),
    ("batch_list", "POST"): (302, 403),
    ("batch_detail", "GET"): (404, 404),
    ("batch_detail", "POST"): (404, 404),
    ("stage_move", "GET"): (404, 403),
    ("stage_move", "POST"): (404, 403),
    ("investment_plan", "GET"): (404, 403),
    ("investment_plan", "POST"): (404, 403),
    ("investment_report", "GET"): (404, 404),
    ("investment_report", "POST"): (404, 404),
    ("investment_review", "POST"): (404, 403),
    ("problem_raise", "POST"): (404, 403),
    ("review_list", "GET"): (200, 200),
    ("review_detail", "GET"): (200, 404),
    ("review_detail", "POST"): (302, 404),
    ("review_recount", "POST"): (302, 403),
    ("message_list", "GET"): (200, 200),
    ("message_open", "GET"): (404, 404),
    ("message_read_all", "POST"): (302, 302),
    ("outbox", "GET"): (200, 403),
    ("delivery_retry", "POST"): (404, 403),
    ("hook_create", "GET"): (404, 404),
    ("hook_create", "POST"): (404, 404),
    ("hook_action", "POST"): (404, 403),
    ("webhook_list", "GET"): (200, 403),  # the district's own webhooks
    ("webhook_list", "POST"): (200, 403),  # one of the district's own
    ("webhook_detail", "GET"): (404, 403),
    ("webhook_detail", "POST"): (404, 403),
    ("set_language", "POST"): (302, 302),
    ("audit_log", "GET"): (403, 403),
    ("audit_export", "GET"): (403, 403),
    ("account", "GET"): (200, 200),
    ("password_change", "GET"): (200, 200),
    ("password_change", "POST"): (400, 400),
    ("second_factor_verify", "GET"): (302, 302),
    ("second_factor_verify", "POST"): (302, 302),
    ("second_factor_setup", "GET"): (200, 200),
    ("second_factor_setup", "POST"): (400, 400),
    ("second_factor_remove", "POST"): (302, 302),
    ("session_end", "POST"): (404, 404),
    ("sessions_end_others", "POST"): (302, 302),
    ("security_desk", "GET"): (403, 403),
    ("lockout_release", "POST"): (403, 403),
    ("factor_reset", "POST"): (403, 403),
    ("stage_evidence", "GET"): (404, 404),
    ("login", "GET"): (200, 200),
    ("oidc_start", "GET"): (404, 404),
    ("oidc_authentication_callback", "GET"): (404, 404),
    ("cas_login", "GET"): (404, 404),
    ("chat_start", "GET"): (404, 404),
    ("chat_callback", "GET"): (404, 404),
    ("logout", "GET"): (405, 405),
    ("logout", "POST"): (302, 302),
}

# Text of the zone's record that must not reach the district's pages.
ZONE_MARKERS = (
    "建设科技创新平台",
    "发展改革局",
    "Development and Reform",
    "氢能产业园",
    "三个一批",
)
# Pages that echo what the person sent (a workbook naming units it does not know).
ECHOES = {("project_import", "POST")}


@pytest.fixture
def zone_world(office, leader, liaison_a, plan, task, unit_a) -> World:
    return World(office, leader, liaison_a, plan, task, unit_a)


@pytest.fixture
def district(db) -> Unit:
    unit = f.unit("D", "辛店镇", name_en="Xindian Town", kind="district")
    Unit.objects.filter(pk=unit.pk).update(runs_office=True)
    unit.refresh_from_db()
    return unit


def test_every_page_has_an_answer_for_the_second_office():
    assert set(OUTSIDERS) == {(row.name, row.method) for row in MATRIX}


@pytest.mark.parametrize("row", MATRIX, ids=_ids)
def test_the_second_office_sees_and_changes_nothing_of_the_zone(as_, zone_world, district, row):
    expected = OUTSIDERS[(row.name, row.method)]
    got = []
    for role in ("office", "leader"):
        who = f.person(f"{role}_d", role, units=[district])
        url = row.url(zone_world)
        data = row.data(zone_world) if row.data else {}
        zone_locked = set(
            Assessment.objects.filter(office=f.zone(), locked_at__isnull=False).values_list(
                "quarter", flat=True
            )
        )
        before = f.snapshot()
        client = as_(who)
        response = client.get(url) if row.method == "GET" else client.post(url, data)
        got.append(response.status_code)
        if response.status_code >= 400:
            assert f.snapshot() == before, f"{role}_d: a refused request writes nothing"
        if response.status_code == 200 and (row.name, row.method) not in ECHOES:
            body = response.content.decode(errors="replace")
            leaked = [m for m in ZONE_MARKERS if m in body]
            assert leaked == [], f"{role}_d reads the zone's record on {row.name}"
        now_locked = set(
            Assessment.objects.filter(office=f.zone(), locked_at__isnull=False).values_list(
                "quarter", flat=True
            )
        )
        assert now_locked == zone_locked, "the zone's quarters are the zone's to lock"
    assert tuple(got) == expected


def test_the_second_offices_project_choosers_offer_its_own_districts_only(as_, district):
    zone = f.zone()
    elsewhere = f.unit("E", "丰李镇", name_en="Fengli Town", kind="district", parent=zone)
    within = f.unit("DV", "辛店村", kind="district", parent=district)
    who = f.person("office_d", "office", units=[district])
    page = as_(who).get("/projects/").content.decode()
    select = re.search(r'<select[^>]*name="district"[^>]*>(.*?)</select>', page, re.S)
    assert select
    offered = re.findall(r'<option value="(\d+)"', select.group(1))
    assert str(within.pk) in offered and str(elsewhere.pk) not in offered
    # As its search box finds them; the zone's office is offered both.
    found = as_(who).get("/units/pick/", {"q": "镇", "kind": "district"}).json()["items"]
    assert elsewhere.pk not in [u["id"] for u in found]
    zone_page = as_(f.person("office_z", "office", units=[zone])).get("/projects/").content
    assert f'value="{elsewhere.pk}"'.encode() in zone_page
