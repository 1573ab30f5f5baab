"""The REST API as a program uses it: tokens, scope, ETag and If-Match,
Idempotency-Key, cursors, errors as problem+json in the caller's language."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from duban.api.models import ApiToken
from duban.api.v1 import api as ninja_api
from duban.org.models import Role, Unit
from duban.supervision.models import TaskWarning
from duban.work.models import ProgressReport, Task
from tests import factories as f

PROBLEM = "application/problem+json"


# --- signing in ---------------------------------------------------------------------


def test_without_a_token_the_answer_is_401_with_a_reason(db):
    response = Client().get("/api/v1/tasks")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401 and response.json()["detail"]


@pytest.mark.parametrize("bad", ["", "dbn_", "dbn_abc_def", "Bearer", "x" * 5000, "dbn_../_x"])
def test_a_malformed_or_unknown_token_is_401(db, bad):
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {bad}"})
    assert response.status_code == 401


def test_a_revoked_an_expired_or_a_switched_off_persons_token_stops_working(api, liaison_a):
    caller = api(liaison_a)
    assert caller.get("/me").status_code == 200
    token = ApiToken.objects.get(person=liaison_a)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert caller.get("/me").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + dt.timedelta(days=1))
    assert caller.get("/me").status_code == 200
    type(liaison_a).objects.filter(pk=liaison_a.pk).update(is_active=False)
    assert caller.get("/me").status_code == 401
    type(liaison_a).objects.filter(pk=liaison_a.pk).update(is_active=True)
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert caller.get("/me").status_code == 401


def test_the_secret_is_stored_only_as_a_hash(api, liaison_a):
    caller = api(liaison_a)
    token = ApiToken.objects.get(person=liaison_a)
    assert caller.secret.split("_")[2] not in (token.digest, token.prefix)
    assert len(token.digest) == 64


def test_a_read_only_token_reads_but_does_not_write(api, liaison_a, task):
    caller = api(liaison_a, write=False)
    assert caller.get(f"/tasks/{task.pk}").status_code == 200
    response = caller.post(f"/tasks/{task.pk}/claim")
    assert response.status_code == 403 and response["Content-Type"] == PROBLEM
    assert Task.objects.get(pk=task.pk).state == "assigned"


def test_me_names_the_person_and_the_token(api, liaison_a, unit_a):
    data = api(liaison_a, write=False).get("/me").json()
    assert data["username"] == "liaison_a" and data["role"] == Role.LIAISON
    assert [u["id"] for u in data["units"]] == [unit_a.pk]
    assert (data["token"], data["token_may_write"]) == ("test", False)


def test_the_browser_session_works_and_its_writes_need_the_csrf_token(as_, liaison_a, task):
    client = as_(liaison_a)
    assert client.get("/api/v1/me").json()["username"] == "liaison_a"
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(liaison_a)
    response = strict.post(f"/api/v1/tasks/{task.pk}/claim")
    assert response.status_code == 403
    assert Task.objects.get(pk=task.pk).state == "assigned"


# --- scope: what each persona reads -------------------------------------------------


def test_a_liaisons_token_lists_exactly_their_units_tasks(
    api, office, liaison_a, liaison_b, unit_a, unit_b, task
):
    other = f.task(office, unit_b, title="乙单位的任务")
    listed = {t["id"] for t in api(liaison_a).get("/tasks").json()["results"]}
    assert task.pk in listed and other.pk not in listed
    assert api(liaison_a).get(f"/tasks/{other.pk}").status_code == 404
    assert {t["id"] for t in api(office).get("/tasks").json()["results"]} >= {task.pk, other.pk}


def test_the_other_offices_staff_read_nothing_of_the_zone(api, office, task):
    district = f.unit("D", "辛店镇", name_en="Xindian Town", kind="district")
    Unit.objects.filter(pk=district.pk).update(runs_office=True)
    outsider = f.person("office_d", Role.OFFICE, units=[district])
    caller = api(outsider)
    assert caller.get("/tasks").json()["results"] == []
    assert caller.get(f"/tasks/{task.pk}").status_code == 404
    assert caller.get(f"/tasks/{task.pk}/reports").status_code == 404
    assert {u["id"] for u in caller.get("/units").json()} == {district.pk}
    before = f.snapshot()
    response = caller.post(
        "/tasks",
        {
            "title": "越权",
            "lead_unit_id": task.lead_unit_id,
            "start_date": "2026-03-18",
            "deadline": "2026-06-30",
        },
    )
    assert response.status_code == 404
    assert (
        caller.patch(f"/tasks/{task.pk}", {"title": "改"}, **{"If-Match": "*"}).status_code == 404
    )
    assert f.snapshot() == before


def test_the_list_keeps_the_light_of_the_pages(api, office, unit_a, liaison_a):
    red = f.task(
        office,
        unit_a,
        start=f.TODAY - dt.timedelta(days=40),
        deadline=f.TODAY - dt.timedelta(days=1),
    )
    yellow = f.task(office, unit_a)
    TaskWarning.objects.create(
        task=yellow,
        unit=unit_a,
        rule="slow",
        level=2,
        facts={"progress": 1, "expected": 20, "gap": 19, "yellow": 10, "red": 30},
    )
    lights = {t["id"]: t["light"] for t in api(liaison_a).get("/tasks").json()["results"]}
    assert (lights[red.pk], lights[yellow.pk]) == ("red", "yellow")
    warnings = api(liaison_a).get("/warnings").json()["results"]
    assert [w["task_id"] for w in warnings] == [yellow.pk]
    assert "19" in warnings[0]["reason"]


# --- cursors ------------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["deadline", "-deadline", "progress", "unit", "-updated", "id"])
def test_paging_with_the_cursor_gives_every_task_once_in_order(api, office, unit_a, unit_b, sort):
    for i in range(7):
        f.task(
            office,
            unit_a if i % 2 else unit_b,
            deadline=dt.date(2026, 6, 1 + i % 3),
            title=f"任务{i}",
        )
    caller = api(office)
    seen, cursor = [], None
    while True:
        query = f"/tasks?sort={sort}&page_size=3" + (f"&cursor={cursor}" if cursor else "")
        page = caller.get(query).json()
        seen += [t["id"] for t in page["results"]]
        cursor = page["next"]
        if not cursor:
            break
    everything = [
        t["id"] for t in caller.get(f"/tasks?sort={sort}&page_size=200").json()["results"]
    ]
    assert seen == everything and len(seen) == len(set(seen)) == 7


def test_a_task_added_while_paging_does_not_shift_the_pages(api, office, unit_a):
    for i in range(4):
        f.task(office, unit_a, title=f"任务{i}")
    caller = api(office)
    first = caller.get("/tasks?sort=id&page_size=2").json()
    f.task(office, unit_a, title="后来的")
    second = caller.get(f"/tasks?sort=id&page_size=2&cursor={first['next']}").json()
    ids = [t["id"] for t in first["results"] + second["results"]]
    assert ids == sorted(ids) and len(set(ids)) == 4


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("cursor=!!!", 400),
        ("cursor=eyJ4IjoxfQ", 400),
        ("page_size=0", 400),
        ("page_size=10000", 400),
        ("sort=title", 422),  # not one of the document's sorts: named in errors
        ("unit=99999999999999999999", 422),  # no id is that large
        ("q=%00", 422),  # PostgreSQL cannot hold a NUL
    ],
)
def test_a_bad_cursor_sort_or_size_is_a_4xx_with_a_reason(api, office, query, status):
    response = api(office).get(f"/tasks?{query}")
    assert response.status_code == status and response["Content-Type"] == PROBLEM
    assert response.json()["detail"]


def test_a_cursor_made_for_one_sort_is_refused_for_another(api, office, unit_a):
    for i in range(3):
        f.task(office, unit_a, title=f"任务{i}")
    cursor = api(office).get("/tasks?sort=id&page_size=1").json()["next"]
    assert api(office).get(f"/tasks?sort=deadline&cursor={cursor}").status_code == 400


# --- ETag and If-Match --------------------------------------------------------------


def test_a_read_has_an_etag_and_an_unchanged_task_answers_304(api, office, task):
    caller = api(office)
    first = caller.get(f"/tasks/{task.pk}")
    assert first["ETag"] == f'"task{task.pk}-v{task.version}"'
    assert caller.get(f"/tasks/{task.pk}", **{"If-None-Match": first["ETag"]}).status_code == 304


def test_two_writers_conflict_instead_of_overwriting(api, office, task):
    one, two = api(office), api(office)
    tag = one.get(f"/tasks/{task.pk}")["ETag"]
    assert one.patch(f"/tasks/{task.pk}", {"title": "没有 If-Match"}).status_code == 428
    saved = one.patch(f"/tasks/{task.pk}", {"title": "第一个人的标题"}, **{"If-Match": tag})
    assert saved.status_code == 200 and saved.json()["title"] == "第一个人的标题"
    assert saved["ETag"] != tag
    late = two.patch(f"/tasks/{task.pk}", {"title": "第二个人的标题"}, **{"If-Match": tag})
    assert late.status_code == 412 and late["Content-Type"] == PROBLEM
    assert Task.objects.get(pk=task.pk).title == "第一个人的标题"


def test_a_liaison_cannot_edit_a_task(api, liaison_a, task):
    caller = api(liaison_a)
    tag = caller.get(f"/tasks/{task.pk}")["ETag"]
    response = caller.patch(f"/tasks/{task.pk}", {"title": "改"}, **{"If-Match": tag})
    assert response.status_code == 403
    assert Task.objects.get(pk=task.pk).title != "改"


# --- writes through the services ----------------------------------------------------


def test_the_office_assigns_a_task_and_a_retry_assigns_it_once(api, office, unit_a):
    caller = api(office)
    body = {
        "title": "接口交办的任务",
        "lead_unit_id": unit_a.pk,
        "start_date": "2026-03-18",
        "deadline": "2026-06-30",
    }
    first = caller.post("/tasks", body, **{"Idempotency-Key": "k-1"})
    again = caller.post("/tasks", body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Task.objects.filter(title="接口交办的任务").count() == 1
    other = caller.post("/tasks", {**body, "title": "另一件"}, **{"Idempotency-Key": "k-1"})
    assert other.status_code == 422 and not Task.objects.filter(title="另一件").exists()


def test_a_liaison_cannot_assign_tasks(api, liaison_a, unit_a):
    body = {
        "title": "联络员交办",
        "lead_unit_id": unit_a.pk,
        "start_date": "2026-03-18",
        "deadline": "2026-06-30",
    }
    assert api(liaison_a).post("/tasks", body).status_code == 403
    assert not Task.objects.filter(title="联络员交办").exists()


def test_a_liaison_claims_and_files_this_weeks_report_once(api, office, liaison_a, task):
    caller = api(liaison_a)
    assert caller.post(f"/tasks/{task.pk}/claim").json()["state"] == "in_progress"
    body = {"period": f.THIS_WEEK, "text": "完成选址，开展环评。", "percent": "25"}
    first = caller.post(f"/tasks/{task.pk}/reports", body, **{"Idempotency-Key": "report-w12"})
    again = caller.post(f"/tasks/{task.pk}/reports", body, **{"Idempotency-Key": "report-w12"})
    assert first.status_code == again.status_code == 201
    assert first.json()["state"] == "submitted" and first.json()["percent"] == "25.0"
    assert ProgressReport.objects.filter(task=task).count() == 1
    listed = caller.get(f"/tasks/{task.pk}/reports").json()
    assert [r["period"] for r in listed] == [f.THIS_WEEK]
    # The office returns it; the reason is required, in the caller's language.
    refused = api(office, language="zh-hans").post(
        f"/reports/{first.json()['id']}/review", {"accept": False}
    )
    assert refused.status_code == 422 and "comment" in refused.json()["errors"]
    assert refused.json()["title"] == "无法按要求办理"
    done = api(office).post(
        f"/reports/{first.json()['id']}/review", {"accept": False, "comment": "请补充数据。"}
    )
    assert done.json()["state"] == "returned"


def test_a_liaison_of_another_unit_files_nothing(api, liaison_b, claimed_task):
    body = {"period": f.THIS_WEEK, "text": "越权", "percent": "10"}
    assert api(liaison_b).post(f"/tasks/{claimed_task.pk}/reports", body).status_code == 404
    assert not ProgressReport.objects.filter(text="越权").exists()


def test_unreadable_fields_are_a_422_naming_each(api, liaison_a, claimed_task):
    response = api(liaison_a).post(
        f"/tasks/{claimed_task.pk}/reports", {"period": f.THIS_WEEK, "text": "x", "percent": "很多"}
    )
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert response.json()["errors"] == {"percent": ["Enter a number."]}
    chinese = api(liaison_a, language="zh-hans").post(
        f"/tasks/{claimed_task.pk}/reports", {"period": f.THIS_WEEK, "text": "x"}
    )
    assert chinese.json()["errors"] == {"percent": ["这个字段是必填项。"]}


def test_too_many_requests_is_a_429_with_retry_after(api, liaison_a, monkeypatch):
    throttle = ninja_api.throttle[0]
    monkeypatch.setattr(throttle, "num_requests", 2)
    caller = api(liaison_a)
    codes = [caller.get("/me").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    last = caller.get("/me")
    assert int(last["Retry-After"]) >= 1 and last["Content-Type"] == PROBLEM


def test_the_limit_counts_a_sliding_minute_and_says_when_to_come_back(
    api, liaison_a, unit_a, monkeypatch
):
    """Three a minute: the fourth is refused; at the next minute the last
    one's three still count in full, a third of the way in only two do; the
    Retry-After given is the moment a request is allowed again, not sooner."""
    throttle = ninja_api.throttle[0]
    monkeypatch.setattr(throttle, "num_requests", 3)
    monkeypatch.setattr(throttle, "duration", 60)
    clock = [6_000_000.0]  # the start of a minute
    monkeypatch.setattr(throttle, "timer", lambda: clock[0])
    caller = api(liaison_a)

    def at(seconds: float) -> int:
        clock[0] = 6_000_000.0 + seconds
        answer = caller.get("/me")
        return answer.status_code if answer.status_code == 200 else int(answer["Retry-After"])

    assert [at(1), at(2), at(3)] == [200, 200, 200]
    assert at(30) == 31  # the three begin to slide out after 60
    assert at(60) == 1  # the last minute's three count in full
    assert at(80) == 200  # 3 x 40/60 = 2 counted
    assert at(81) == 200  # 3 x 39/60 + 1
    assert at(82) == 19  # 3 x 38/60 + 2 >= 3, until 3 x 20/60 + 2 at 100
    assert at(101) == 200
    assert at(102) == 19  # this minute's three, until the next
    assert at(121) == 200  # 3 x 59/60
    # A caller of its own is counted apart.
    other = f.person("another-liaison", Role.LIAISON, units=[unit_a])
    assert api(other).get("/me").status_code == 200


# --- the document and its reference page ------------------------------------------


def test_the_openapi_document_validates(db):
    from openapi_spec_validator import validate

    document = Client().get("/api/v1/openapi.json")
    assert document.status_code == 200
    spec = document.json()
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    assert {"/api/v1/tasks", "/api/v1/tasks/{task_id}/reports", "/api/v1/warnings"} <= set(
        spec["paths"]
    )


def test_the_reference_page_loads_nothing_from_elsewhere(as_, office):
    page = as_(office).get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    sources = [
        s for s in json.dumps(html).split('"') if s.startswith(("http://", "https://", "//"))
    ]
    assert "swagger-ui-bundle.js" in html
    assert sources == []


def test_a_day_must_be_written_as_a_date(api, office, unit_a):
    body = {"title": "日期", "lead_unit_id": unit_a.pk, "start_date": 0, "deadline": "2026-06-30"}
    response = api(office, language="zh-hans").post("/tasks", body)
    assert response.status_code == 422
    assert response.json()["errors"] == {"start_date": ["请按 YYYY-MM-DD 填写日期。"]}
    assert api(office).get("/cockpit?as_of=0").status_code == 422


def test_every_error_under_the_api_is_a_problem(api, office):
    caller = api(office, language="zh-hans")
    unknown = caller.get("/nope")
    assert unknown.status_code == 404 and unknown["Content-Type"] == PROBLEM
    wrong = caller.client.delete("/api/v1/tasks", headers=caller.headers)
    assert wrong.status_code == 405 and wrong["Content-Type"] == PROBLEM and "GET" in wrong["Allow"]
    garbled = caller.client.post(
        "/api/v1/tasks", "{not json", content_type="application/json", headers=caller.headers
    )
    assert (
        garbled.status_code == 400 and garbled.json()["detail"] == "无法读取请求内容：请发送 JSON。"
    )


def test_people_are_listed_with_only_the_units_the_caller_sees(
    api, office, liaison_a, unit_a, unit_b
):
    from duban.org.models import Membership

    both = f.person("both", Role.LIAISON, units=[unit_a, unit_b], full_name="两单位")
    seen_by_a = {p["username"]: p for p in api(liaison_a).get("/people").json()}
    assert set(seen_by_a) == {"liaison_a", "both"}
    assert seen_by_a["both"]["unit_ids"] == [unit_a.pk]  # not unit B, outside A's scope
    by_office = {p["username"]: p for p in api(office).get("/people").json()}
    assert by_office["both"]["unit_ids"] == sorted([unit_a.pk, unit_b.pk])
    assert set(p["username"] for p in api(office).get(f"/people?unit={unit_b.pk}").json()) == {
        "both"
    }
    assert Membership.objects.filter(person=both).count() == 2
    for leaked in ("email", "phone", "password"):
        assert leaked not in seen_by_a["both"]


def test_plans_are_those_the_person_may_open(api, office, liaison_a, liaison_b, plan, task):
    assert [p["id"] for p in api(office).get("/plans").json()] == [plan.pk]
    assert [p["id"] for p in api(liaison_a).get("/plans").json()] == [plan.pk]  # holds A's task
    assert api(liaison_b).get("/plans").json() == []
    assert api(liaison_b).get(f"/plans/{plan.pk}").status_code == 404
    assert api(liaison_a).get(f"/plans/{plan.pk}").json()["title"] == plan.title
