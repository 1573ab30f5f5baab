"""Reading the security audit log (issue 12, point 5): the audit administrator
sees it on /audit/, filters it and exports it; nobody else, not even the other
two administrators."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

import duban
from duban.audit import actions
from duban.audit.models import AuditEvent
from duban.org import audit_log
from tests import factories as f

pytestmark = pytest.mark.django_db

PAGES = ("/audit/", "/audit/export.xlsx")


def _rows(response) -> list[int]:
    assert response.status_code == 200, response.content.decode()[:500]
    return [row["event"].id for row in response.context["rows"]]


def _book(response):
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return openpyxl.load_workbook(io.BytesIO(content)).active


# --- who may read it ------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["liaison_a", "leader", "office", "sysadmin", "security"], ids=lambda who: who
)
@pytest.mark.parametrize("page", PAGES)
def test_everyone_but_the_audit_administrator_is_refused_with_the_reason(
    as_, request, event, who, page
):
    event("login", detail={"method": "PasswordBackend"})
    person = request.getfixturevalue(who)
    response = as_(person, HTTP_ACCEPT_LANGUAGE="en").get(page)
    assert response.status_code == 403
    text = response.content.decode()
    assert 'role="alert"' in text
    assert "Only the audit administrator reads the security audit log." in text
    assert "PasswordBackend" not in text
    refused = AuditEvent.objects.filter(action="access.refused").latest("id")
    assert (refused.actor, refused.detail["path"]) == (person.username, page)


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_people_are_sent_to_sign_in(client, page):
    response = client.get(page)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_the_reading_service_refuses_alike(office, security, auditor):
    for who in (office, security):
        with pytest.raises(PermissionDenied):
            audit_log.audit_events(who, audit_log.AuditFilters())
        with pytest.raises(PermissionDenied):
            audit_log.audit_export_rows(who, audit_log.AuditFilters())
    assert list(audit_log.audit_events(auditor, audit_log.AuditFilters())) is not None


def test_only_the_audit_administrator_has_the_link(as_, auditor, office, security):
    link = 'href="/audit/"'
    assert link in as_(auditor).get("/audit/").content.decode()
    assert link not in as_(office).get("/inbox/").content.decode()


# --- the page ----------------------------------------------------------------------------


def test_the_page_shows_who_when_where_what_and_the_outcome_newest_first(
    as_, auditor, liaison_a, event
):
    long_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " * 3
    failed = event("login.failed", outcome="refused", username="liaison_a", agent=long_agent)
    signed_in = event("login", liaison_a, address="10.9.8.7", method="PasswordBackend")
    response = as_(auditor, HTTP_ACCEPT_LANGUAGE="en").get("/audit/?from=2026-03-18")
    ids = _rows(response)
    assert ids == sorted(ids, reverse=True)
    assert [i for i in ids if i in (failed.id, signed_in.id)] == [signed_in.id, failed.id]
    text = response.content.decode()
    assert "Failed sign-in" in text and "Sign-in" in text
    assert "10.9.8.7" in text and "10.1.2.3" in text
    assert "typed “liaison_a”" in text  # nobody was signed in: the name typed
    assert "method: PasswordBackend" in text
    assert "2026-03-18 10:00:00" in text  # Shanghai time, as the clock stands
    assert long_agent not in text.replace(f'title="{long_agent}"', "")  # truncated
    assert 'class="scroll-x"' in text  # the table scrolls in its own box on a phone


def test_the_page_in_chinese(as_, auditor, event):
    event("login.failed", outcome="refused", username="nobody")
    event("attachment.downloaded", file="证明.pdf", size=12)
    text = as_(auditor, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/audit/").content.decode()
    for words in ("安全审计日志", "登录失败", "下载附件", "被拒绝", "文件：证明.pdf", "导出"):
        assert words in text, words


def test_each_action_has_a_label_in_both_languages():
    with translation.override("en"):
        english = {key: str(name) for key, name in actions.ACTIONS.items()}
    with translation.override("zh-hans"):
        same = [key for key, name in actions.ACTIONS.items() if str(name) == english[key]]
    assert same == []


def test_every_action_the_package_records_has_a_label():
    """A key written anywhere (``record("…"``) is offered in the filter and
    shown in words on the page."""
    root = Path(duban.__file__).parent
    pattern = re.compile(r"""record\(\s*["']([a-z0-9_.]+)["']""")
    found = {
        key
        for path in root.rglob("*.py")
        if "migrations" not in path.parts
        for key in pattern.findall(path.read_text(encoding="utf-8"))
    }
    assert found, "the pattern finds the calls"
    assert sorted(found - set(actions.ACTIONS)) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("person=liaison_a", ["signed_in", "failed"]),  # a refused sign-in by the name typed
        ("person=office", ["export"]),
        ("action=login.failed", ["failed"]),
        ("outcome=refused", ["failed"]),
        ("address=10.9.8.7", ["signed_in"]),
        ("from=2026-03-19", ["export"]),
        ("to=2026-03-18", ["signed_in", "failed"]),
        ("from=2026-03-18&to=2026-03-18", ["signed_in", "failed"]),
        ("from=2026-03-19&action=login", []),
    ],
)
def test_the_filters(as_, auditor, liaison_a, office, event, clock, query, expected):
    made = {
        "failed": event("login.failed", outcome="refused", username="liaison_a"),
        "signed_in": event("login", liaison_a, address="10.9.8.7"),
    }
    clock.move_to(f.NOW + dt.timedelta(days=1))
    made["export"] = event("export", office, kind="tasks", rows=3)
    ids = {row.id: name for name, row in made.items()}
    shown = [ids[i] for i in _rows(as_(auditor).get(f"/audit/?{query}")) if i in ids]
    assert shown == expected


def test_a_day_is_a_day_in_local_time(as_, auditor, event, clock):
    clock.move_to(f.at(2026, 3, 18, 0, 30))  # 16:30 UTC the day before
    early = event("login")
    clock.move_to(f.at(2026, 3, 17, 23, 30))
    late = event("login")
    client = as_(auditor)
    ours = {early.id, late.id}
    on_18th = _rows(client.get("/audit/?action=login&from=2026-03-18&to=2026-03-18"))
    assert [i for i in on_18th if i in ours] == [early.id]
    on_17th = _rows(client.get("/audit/?action=login&from=2026-03-17&to=2026-03-17"))
    assert [i for i in on_17th if i in ours] == [late.id]


def test_the_action_filter_offers_every_known_action_in_words(as_, auditor):
    form = as_(auditor, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/audit/").context["form"]
    offered = dict(form.fields["action"].choices)
    assert offered["login"] == "登录" and offered["login.failed"] == "登录失败"
    assert set(actions.ACTIONS) <= set(offered)


def test_pages_go_back_in_time_by_number_and_return(as_, auditor, event):
    made = [event("export", detail={"n": n}).id for n in range(120)]
    newest_first = list(reversed(made))
    client = as_(auditor)
    first = client.get("/audit/?action=export")
    assert _rows(first) == newest_first[:50] and first.context["page"].newer is None
    older = first.context["page"].older
    assert f"action=export&amp;before={older}" in first.content.decode()
    second = client.get(f"/audit/?action=export&before={older}")
    assert _rows(second) == newest_first[50:100]
    third = client.get(f"/audit/?action=export&before={second.context['page'].older}")
    assert _rows(third) == newest_first[100:] and third.context["page"].older is None
    back = client.get(f"/audit/?action=export&after={third.context['page'].newer}")
    assert _rows(back) == newest_first[50:100]
    assert client.get(f"/audit/?action=export&after={made[-1]}").context["rows"] == []


def test_a_page_costs_the_same_few_queries_however_long_the_log(
    as_, auditor, event, django_assert_max_num_queries
):
    for n in range(60):
        event("login", detail={"n": n})
    client = as_(auditor)
    client.get("/audit/")  # the session, the person: once
    with django_assert_max_num_queries(12):
        response = client.get("/audit/?before=40")
    assert len(response.context["rows"]) == 39


def test_the_total_is_read_from_the_chain_not_counted(auditor, event, django_assert_num_queries):
    for _ in range(3):
        event("login")
    with django_assert_num_queries(2):
        total = audit_log.audit_total(auditor)
    assert total == AuditEvent.objects.count()


# --- hostile filters ---------------------------------------------------------------------

HOSTILE = [
    "from=0001-01-01",
    "to=0001-01-01",
    "from=9999-12-31",
    "to=9999-12-31",
    "from=0001-01-01&to=9999-12-31",
    "from=2026-03-19&to=2026-03-01",
    "from=2026-02-30",
    "from=" + "9" * 10_000,
    "person=" + quote("a\x00b"),
    "person=" + "督" * 5000,
    "address=" + quote("\x00"),
    "address=10.0.0.999",
    "address=::ffff:10.1.2.3",
    "action=nothing.such",
    "action=" + quote("\x00"),
    "outcome=" + quote("²"),
    f"before={2**63}",
    f"before={2**63 - 1}",
    f"after={2**63 - 1}",
    "before=" + quote("²"),
    "after=-1",
    "before=0",
    "page=" + "9" * 100,
    f"page={2**63}",
]


@pytest.mark.parametrize("query", HOSTILE)
@pytest.mark.parametrize("page", PAGES)
def test_a_hostile_filter_answers_a_refusal_or_a_page_never_a_server_error(
    as_, auditor, event, page, query
):
    event("login")
    client = as_(auditor)
    client.raise_request_exception = False
    response = client.get(f"{page}?{query}")
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 400:
        assert 'role="alert"' in response.content.decode()


def test_year_1_and_year_9999_mean_from_the_start_and_to_the_end(as_, auditor, event):
    row = event("export")
    client = as_(auditor)
    assert _rows(client.get("/audit/?action=export&from=0001-01-01&to=9999-12-31")) == [row.id]
    assert _rows(client.get("/audit/?from=9999-12-31")) == []
    assert _rows(client.get("/audit/?to=0001-01-01")) == []


# --- the export --------------------------------------------------------------------------


def test_the_export_holds_the_filtered_rows_under_a_header_in_the_readers_language(
    as_, auditor, liaison_a, event
):
    failed = event("login.failed", outcome="refused", username="liaison_a")
    event("login", liaison_a)
    sheet = _book(
        as_(auditor, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/audit/export.xlsx?outcome=refused")
    )
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "安全审计日志"
    header = values[1]
    assert header == [
        "序号",
        "时间",
        "操作人",
        "来源地址",
        "浏览器或程序",
        "操作",
        "对象",
        "结果",
        "详情",
    ]
    data = [row for row in values[2:] if isinstance(row[0], int)]
    assert [row[0] for row in data] == [failed.id]
    assert data[0][1:4] == ["2026-03-18 10:00:00", None, "10.1.2.3"]
    assert data[0][5:8] == ["登录失败", None, "被拒绝"] and "liaison_a" in data[0][8]
    english = _book(as_(auditor, HTTP_ACCEPT_LANGUAGE="en").get("/audit/export.xlsx"))
    assert [c.value for c in next(english.iter_rows(min_row=2, max_row=2))][:3] == [
        "No.",
        "When",
        "Who",
    ]


def test_the_export_is_itself_recorded_with_its_filter(as_, auditor, event):
    event("export")
    as_(auditor).get("/audit/export.xlsx?action=export&from=2026-03-01")
    exported = AuditEvent.objects.filter(action="audit.exported").get()
    assert exported.actor == "auditor"
    assert exported.detail["filters"] == {"action": "export", "since": "2026-03-01"}
    assert exported.detail["rows"] == 1 and exported.detail["file"].endswith(".xlsx")


def test_an_export_above_the_limit_is_refused_and_says_to_narrow_the_filter(
    as_, auditor, event, monkeypatch
):
    monkeypatch.setattr(audit_log, "EXPORT_LIMIT", 3)
    for _ in range(4):
        event("login")
    response = as_(auditor, HTTP_ACCEPT_LANGUAGE="en").get("/audit/export.xlsx")
    assert response.status_code == 400
    assert "More than 3 rows match: narrow the filter" in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit.exported").exists()
    assert _book(as_(auditor).get("/audit/export.xlsx?to=2026-03-17")).max_row >= 2


# --- what the other pages recorded, as the audit administrator reads it ----------------


@pytest.fixture
def world(office, leader, liaison_a, plan, task, unit_a):
    from tests.work.test_permissions import World

    return World(office, leader, liaison_a, plan, task, unit_a)


def test_the_audit_export_is_a_sandboxed_download_too(as_, auditor):
    from tests.audit.test_recorded import _is_a_sandboxed_download

    _is_a_sandboxed_download(as_(auditor).get("/audit/export.xlsx"))


def test_each_recorded_action_appears_on_the_auditors_page(as_, auditor, office, world):
    client = as_(office)
    client.get("/tasks/export.xlsx")
    client.get(f"/attachments/{world.attachment.pk}/")
    client.post("/assessment/2025Q4/lock/")
    client.post("/assessment/2025Q4/reopen/", {"reason": "数据更正"})
    page = as_(auditor, HTTP_ACCEPT_LANGUAGE="en").get("/audit/?person=office")
    shown = [row["what"] for row in page.context["rows"]]
    for what in (
        "File exported",
        "Attachment downloaded",
        "Quarter's scores locked",
        "Quarter reopened",
    ):
        assert what in shown, what
    text = page.content.decode()
    assert "kind: task list" in text and "file: evidence.pdf" in text
    assert "reason: 数据更正" in text


def test_the_log_stays_readable_across_days(as_, auditor, office, world, clock):
    as_(office).get("/tasks/export.xlsx")
    clock.move_to(f.NOW + dt.timedelta(days=3))
    page = as_(auditor).get("/audit/?action=export&to=2026-03-18")
    assert [r["event"].actor for r in page.context["rows"]] == ["office"]
