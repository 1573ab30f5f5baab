"""Hostile input never answers 500 (issue 12, point 8).

Every named page of duban/urls.py (the API has its own schemathesis test; the
admin and Django's own i18n views are not ours), as each persona that may use
it, gets hostile values from one fixed corpus: in each query parameter the
page (or any page) reads, in each field of its form, and in each part of its
path. The rows, the world they act on and the valid form data come from the
permission matrix (tests/work/test_permissions.py), so a new page is fuzzed as
soon as it is in the matrix.

The corpus is sampled, not multiplied out, and the sample is fixed (no
randomness: a failure names the page, the field and the value, and happens
again): a field whose valid value is a number, a date, an id or a period gets
the whole corpus, a text field the values that break text (size, NUL, a lone
surrogate, unicode digits) and a few others in turn.
"""

from __future__ import annotations

import html
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext

from . import factories as f
from .work.test_permissions import MATRIX, PERSONAS, PUBLIC, Row, World, _named_urls

# The lone surrogate cannot be encoded as UTF-8, so no client can send it as
# text: it arrives as the bytes a lenient encoder writes (WTF-8), here sent raw.
SURROGATE = "\ud800"

CORPUS: tuple[str, ...] = (
    "9" * 100_000,  # a huge number
    "督" * 34_000,  # 100 kB of text
    "²",  # str.isdigit() says yes, int() says no
    "٣",  # an Arabic-Indic three: int() reads it
    "\x00",
    "a\x00b",
    SURROGATE,
    str(2**63),
    str(2**31),
    str(10**20),
    "-1",
    "0",
    "NaN",
    "inf",
    "-inf",
    "1e309",
    "9999-W52",
    "0001-01",
    "0001Q1",
    "9999-12-31",
    "0001-01-01",
    "tasks",
    "//evil.example",
    "javascript:alert(1)",
)
TEXT_BREAKERS = ("9" * 100_000, "督" * 34_000, "²", "\x00", SURROGATE)
INT_PATH_VALUES = ("0", str(2**31), str(2**63), str(10**20))
# What a path segment can hold (no "/", and what a browser sends).
PATH_CORPUS = tuple(v for v in CORPUS if "/" not in v and v != SURROGATE and "\x00" not in v)

# What every page may be asked: where to go back to, which page of a list,
# which office's record, a search.
COMMON_QUERY = ("next", "page", "office", "q")
# What each page reads from its query string besides: by hand (each gets the
# whole corpus), or through a filter form (Django's fields read them: a sample).
TASK_FILTERS = ("plan", "unit", "leader", "state", "meeting", "due", "sort", "closed")
BOARD_FILTERS = ("level", "rule", "unit", "leader", "plan")
PROJECT_FILTERS = ("stage", "level", "industry", "park", "district")
# The audit log's (as its administrator: tests/audit/test_reading.py).
AUDIT_FILTERS = ("from", "to", "person", "action", "outcome", "address", "before", "after")
PAGE_QUERY: dict[str, tuple[str, ...]] = {
    "task_list": TASK_FILTERS,
    "export_tasks": TASK_FILTERS,
    "task_create": ("meeting", "parent", "plan"),
    "report_edit": ("period",),
    "reporting_status": ("period", "cadence", "unit"),
    "indicator_list": ("year", "indicator", "unit"),
    "batch_detail": ("as_of", "by"),
    "cockpit": ("as_of",),
    "cockpit_screen": ("as_of", "cycle", "refresh"),
    "cockpit_data": ("as_of",),
    "warning_board": BOARD_FILTERS,
    "export_warnings": BOARD_FILTERS,
    "project_list": PROJECT_FILTERS,
    "export_projects": PROJECT_FILTERS,
    "message_list": ("unread",),
    "outbox": ("state",),
    "login": ("password",),
    "oidc_authentication_callback": ("code", "state"),
    "cas_login": ("ticket",),
    "chat_callback": ("code", "state", "auth_code", "authCode"),
    "audit_log": AUDIT_FILTERS,
    "audit_export": AUDIT_FILTERS,
}
# Every POST may carry these besides its form: where to go back to, the
# version an edit started from, the button that was pressed.
EXTRA_FIELDS = ("next", "version", "decision")
NEXT_VALUES = ("tasks", "//evil.example", "javascript:alert(1)", "²", "\x00", "9" * 100_000)
FILTERS = {*TASK_FILTERS, *BOARD_FILTERS, *PROJECT_FILTERS} - {"meeting", "plan", "unit"}
# The exports read the same filters as their lists: a taste of the corpus is enough.
EXPORTS = ("export_tasks", "export_warnings", "export_projects")
# A page in the matrix twice (the reporting page, with and without a unit) is fuzzed once.
ROWS = [
    row
    for i, row in enumerate(MATRIX)
    if (row.name, row.method) not in {(r.name, r.method) for r in MATRIX[:i]}
]


def _pick(key: str, values: tuple[str, ...], k: int) -> list[str]:
    """``k`` of ``values``, the same ones every run, a different run of them
    for each ``key`` (so that over the rows every value is tried)."""
    if k >= len(values):
        return list(values)
    start = zlib.crc32(key.encode()) % len(values)
    return [values[(start + i * 7) % len(values)] for i in range(k)]


def _looks_typed(value: Any) -> bool:
    """A valid value that is a number, a date, an id or a period: the field is
    parsed, so it gets the whole corpus."""
    text = str(value)
    return bool(text) and (text[0].isdigit() or text[0] == "-") and len(text) < 40


def _wire(value: str) -> str | bytes:
    """A value as the test client sends it in a form (the surrogate as raw bytes)."""
    return value.encode("utf-8", "surrogatepass") if value == SURROGATE else value


def _query(name: str, value: str) -> str:
    return f"{quote(name)}={quote(value.encode('utf-8', 'surrogatepass'))}"


@dataclass(frozen=True)
class Attempt:
    method: str
    url: str
    what: str  # the field, parameter or path part that holds the hostile value
    value: str
    field: str | None = None  # a POST: the form field replaced

    def __str__(self) -> str:
        shown = self.value if len(self.value) < 40 else f"{self.value[:12]}… ({len(self.value)})"
        return f"{self.method} {self.url[:100]} {self.what}={shown!r}"


def _personas(row: Row) -> tuple[list[str], list[str]]:
    """Who may use the page (they get the corpus), and the others (a taste of it)."""
    allowed = [
        p
        for i, p in enumerate(PERSONAS)
        if row.expect[i] in (200, 302) and (p != "anonymous" or row.name in PUBLIC)
    ]
    if not allowed:  # nobody may (single sign-on not set up, a GET on a POST form)
        allowed = ["office"]
    return allowed, [p for p in PERSONAS if p not in allowed]


def _path_attempts(row: Row, url: str) -> Iterator[Attempt]:
    """The page's address with each of its parts in turn replaced: an id by
    the numbers no column holds, a label (a quarter, a month) by the corpus."""
    match = resolve(url.partition("?")[0])
    for name, valid in match.kwargs.items():
        values = INT_PATH_VALUES if isinstance(valid, int) else PATH_CORPUS
        for value in values:
            target = reverse(match.url_name, kwargs={**match.kwargs, name: value})
            yield Attempt(row.method, target, f"<{name}>", value)


def _get_attempts(row: Row, url: str, k_common: int, k_page: int | None) -> Iterator[Attempt]:
    base, _sep, query = url.partition("?")
    joiner = f"{base}?{query}&" if query else f"{base}?"
    for param in COMMON_QUERY:
        for value in _pick(f"{row.name}:{param}", CORPUS, k_common):
            yield Attempt("GET", joiner + _query(param, value), param, value)
    for param in PAGE_QUERY.get(row.name, ()):
        k = k_page
        if param in FILTERS:  # a form field: Django reads it
            k = min(k or 6, 3 if row.name in EXPORTS else 6)
        values = CORPUS if k is None else _pick(f"{row.name}:{param}", CORPUS, k)
        for value in values:
            yield Attempt("GET", joiner + _query(param, value), param, value)


def _post_attempts(row: Row, url: str, valid: dict[str, Any], k: int | None) -> Iterator[Attempt]:
    for field in [*valid, *(name for name in EXTRA_FIELDS if name not in valid)]:
        if isinstance(valid.get(field), (list, SimpleUploadedFile)):
            continue  # files: tests/work/test_bad_input.py
        if k is not None:
            values: tuple[str, ...] = tuple(_pick(f"{row.name}:{field}", CORPUS, k))
        elif field == "next":
            values = NEXT_VALUES
        elif field not in valid:
            values = tuple(_pick(f"{row.name}:{field}", CORPUS, 4))
        elif _looks_typed(valid[field]):
            values = CORPUS
        else:
            values = (*TEXT_BREAKERS, *_pick(f"{row.name}:{field}", CORPUS, 3))
        for value in dict.fromkeys(values):
            yield Attempt("POST", url, field, value, field=field)


def _send(client: Any, attempt: Attempt, world: World, row: Row) -> Any:
    if attempt.method == "GET":
        return client.get(attempt.url)
    data = row.data(world) if row.data else {}  # afresh: an upload is read once
    if attempt.field is not None:
        data[attempt.field] = _wire(attempt.value)
    return client.post(attempt.url, data)


def _problem(response: Any) -> str | None:
    """What is wrong with an answer to hostile input, if anything: a server
    error, or a refusal (400, 403) that does not say why."""
    if response.status_code >= 500:
        return str(response.status_code)
    if response.status_code in (400, 403) and response["Content-Type"].startswith("text/html"):
        if 'role="alert"' not in response.content.decode():
            return f"{response.status_code} without a reason"
    return None


@pytest.fixture
def world(office, leader, liaison_a, plan, task, unit_a):
    return World(office, leader, liaison_a, plan, task, unit_a)


def _row_id(row: Row) -> str:
    return f"{row.name} {row.method}"


def _writes_nothing(row: Row, persona: str, allowed: list[str]) -> bool:
    """Whether nothing this persona sends to the page may write: a GET (but
    opening a message reads it), or a page the persona may not use."""
    if row.method == "GET":
        return row.name != "message_open"
    return persona not in allowed


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_hostile_input_never_answers_a_server_error(as_, request, world, row):
    """Every page, as every persona: no 5xx; a 400 or 403 says why; a GET, or a
    request from someone who may not use the page, writes nothing."""
    allowed, others = _personas(row)
    failures: list[str] = []
    for persona in others + allowed:
        main = persona == allowed[-1]  # the corpus; the others, a taste
        who = None if persona == "anonymous" else request.getfixturevalue(persona)
        client = as_(who)
        client.raise_request_exception = False
        url = row.url(world)
        attempts: list[Attempt] = []
        if row.method == "GET":
            attempts += _get_attempts(row, url, 4 if main else 1, None if main else 1)
        else:
            valid = row.data(world) if row.data else {}
            attempts += _post_attempts(row, url, valid, None if main else 2)
        if main:
            attempts += _path_attempts(row, url)
        before = f.snapshot() if _writes_nothing(row, persona, allowed) else None
        for attempt in attempts:
            problem = _problem(_send(client, attempt, world, row))
            if problem:
                failures.append(f"{persona}: {attempt} -> {problem}")
        if before is not None and f.snapshot() != before:
            failures.append(f"{persona}: {row.method} {url} wrote something")
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


def test_every_named_page_is_fuzzed():
    assert set(_named_urls(get_resolver().url_patterns)) <= {row.name for row in ROWS}
    assert set(PAGE_QUERY) <= {row.name for row in ROWS}


# --- the cases the fuzzing of the demo office found (issue 12) ----------------------------
# 6,186 requests, 58 answers of 500. Each refusal below is a 4xx that says why,
# in the person's language, and writes nothing.

NOT_FOUND = "This page does not exist, or it is outside what you may see."


def _zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


def _action(world: World, action: str) -> tuple[str, str, dict[str, str], int]:
    """A task page action that goes back with ``next``: its address, who takes
    it, its form and the task whose page it belongs to."""
    if action == "claim":
        return f"/tasks/{world.fresh.pk}/claim/", "liaison_a", {}, world.fresh.pk
    if action == "review":
        report = world.report
        return f"/reports/{report.pk}/review/", "office", {"decision": "accept"}, report.task_id
    if action == "decide deadline":
        change = world.change
        url = f"/deadline-changes/{change.pk}/decide/"
        return url, "office", {"decision": "approve"}, change.task_id
    if action == "decide close":
        close = world.close
        return (
            f"/close-requests/{close.pk}/decide/",
            "office",
            {"decision": "approve"},
            close.task_id,
        )
    instruction = world.instruction
    return f"/instructions/{instruction.pk}/read/", "liaison_a", {}, instruction.task_id


ACTIONS = ["claim", "review", "decide deadline", "decide close", "read"]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    "target",
    [
        "tasks",  # was NoReverseMatch: redirect() took it for the name of a URL
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/tasks/\n",
        "/" + "a" * 3000,
    ],
)
def test_a_next_that_is_not_a_path_here_goes_back_to_the_task_page(
    as_, request, world, action, target
):
    url, who, data, task_pk = _action(world, action)
    response = as_(request.getfixturevalue(who)).post(url, {**data, "next": target})
    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{task_pk}/"


@pytest.mark.parametrize("action", ACTIONS)
def test_a_next_that_is_a_path_here_is_followed(as_, request, world, action):
    url, who, data, _task = _action(world, action)
    response = as_(request.getfixturevalue(who)).post(url, {**data, "next": "/inbox/?tab=all"})
    assert response["Location"] == "/inbox/?tab=all"


def test_the_inbox_marks_an_instruction_read_and_stays_on_the_inbox(as_, world, liaison_a):
    assert world.instruction.read_at is None
    client = as_(liaison_a)
    page = client.get("/inbox/").content.decode()
    assert f'action="/instructions/{world.instruction.pk}/read/"' in page
    form = page.split(f'action="/instructions/{world.instruction.pk}/read/"')[1].split("</form>")[0]
    assert 'name="next" value="/inbox/"' in form


HOSTILE_IDS = ["²", "٣", str(2**63), str(10**20), str(2**31), "0", "-1", "1.5", " 1", "1e3"]


@pytest.mark.parametrize("value", HOSTILE_IDS)
@pytest.mark.parametrize("param", ["meeting", "parent"])
def test_an_id_the_task_form_cannot_read_is_not_found(as_, office, world, param, value):
    assert world.meeting.pk  # a meeting and a task exist: "٣" or " 1" is still not theirs
    client = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.get(f"/tasks/new/?{param}={quote(value)}")
    assert response.status_code == 404
    assert _zh(NOT_FOUND) in response.content.decode()


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_a_filter_id_that_cannot_be_read_is_ignored(as_, office, world, value):
    assert world.target.pk
    client = as_(office)
    indicators = client.get(f"/indicators/?indicator={quote(value)}&unit={quote(value)}")
    assert indicators.status_code == 200
    assert [p.target for p, _reason in indicators.context["rows"]] == [world.target]
    reporting = client.get(f"/reporting/?unit={quote(value)}")
    assert reporting.status_code == 200 and reporting.context["missing"] is None
    # An office that is not one: 404, as for an office outside one's scope.
    assert client.get(f"/assessment/2026Q1/?office={quote(value)}").status_code == 404
    # A suggested plan that cannot be read is no suggestion.
    assert client.get(f"/tasks/new/?plan={quote(value)}").status_code == 200


@pytest.mark.parametrize("year", ["0001", "9999", "²", "10" * 20, "1999", "2101"])
def test_a_year_of_indicators_that_cannot_be_shown_shows_this_year(as_, office, year):
    response = as_(office).get(f"/indicators/?year={quote(year)}")
    assert response.status_code == 200
    assert response.context["year"] == f.TODAY.year


@pytest.mark.parametrize(
    "url",
    [
        "/assessment/0001Q1/",
        "/assessment/9999Q4/",
        "/assessment/٢٠٢٥Q1/",
        "/assessment/0001Q1/ranking.xlsx",
        "/assessment/0001Q1/lock/",
        "/reviews/0001-01/",
        "/reviews/9999-12/",
        "/reviews/0001-01/bulletin.docx",
    ],
)
def test_a_period_outside_the_years_of_the_record_is_not_found(as_, office, url):
    client = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans")
    before = f.snapshot()
    response = client.post(url) if url.endswith("/lock/") else client.get(url)
    assert response.status_code == 404
    assert _zh(NOT_FOUND) in response.content.decode()
    assert f.snapshot() == before


@pytest.mark.parametrize("label", ["9999-W52", "0001-01", "2101-W01", "٢٠٢٦-W05"])
def test_the_reporting_page_shows_the_last_period_for_one_it_cannot_show(as_, office, label):
    response = as_(office).get(f"/reporting/?period={quote(label)}")
    assert response.status_code == 200
    assert response.context["period"].label == "2026-W11"  # the week before today's


@pytest.mark.parametrize("points", ["NaN", "-NaN", "sNaN", "inf", "-inf", "1e309", "²", "abc"])
def test_adjustment_points_that_are_not_a_number_are_refused(as_, office, world, points):
    before = f.snapshot()
    response = as_(office).post(
        f"/assessment/2026Q1/units/{world.unit_a.pk}/adjust/",
        {"points": points, "reason": "专项工作突出"},
    )
    assert response.status_code == 400
    assert "Enter a number, such as 2 or -1.5." in response.content.decode()
    assert f.snapshot() == before


def test_adjustment_points_that_are_not_a_number_are_refused_in_chinese(as_, office, world):
    client = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans")
    url = f"/assessment/2026Q1/units/{world.unit_a.pk}/adjust/"
    response = client.post(url, {"points": "NaN", "reason": "专项工作突出"})
    assert response.status_code == 400
    assert _zh("Enter a number, such as 2 or -1.5.") in response.content.decode()


def test_the_assessment_service_refuses_nan_points(office, world):
    from duban.assessment import services as assessment
    from duban.lib.periods import quarter_from_label

    before = f.snapshot()
    for points in ("NaN", Decimal("NaN"), "Infinity"):
        with pytest.raises(ValidationError) as error:
            assessment.adjustment_set(
                actor=office,
                quarter=quarter_from_label("2026Q1"),
                office=f.zone(),
                unit=world.unit_a,
                points=points,
                reason="专项工作突出",
            )
        assert error.value.message_dict == {"points": ["Enter a number, such as 2 or -1.5."]}
    assert f.snapshot() == before


AMOUNTS = [
    ("1e309", "not_a_number"),
    ("NaN", "not_a_number"),
    ("inf", "not_a_number"),
    ("²", "not_a_number"),  # NFKC would read it as 2
    ("٣", "not_a_number"),
    ("9223372036854775808", "too_large"),
    ("1000000000", "too_large"),  # 10 万亿元: the unit is wrong
    ("-1", "negative"),
    ("0.0000001", "too_precise"),
]


def _said(code: str, amount: str) -> str:
    """The refusal of ``amount`` (typed in 万元) as the page says it, in the active language."""
    from duban.lib import investment

    params = {"text": amount, "limit": "100,000", "places": 6}
    return html.escape(gettext(investment.MESSAGES[code]) % params)


def _money_form(world: World, form: str) -> tuple[str, str, dict[str, str], str]:
    project = world.project
    if form == "report":
        return f"/projects/{project.pk}/report/", "liaison_a", {"year": "2026", "month": "1"}, ""
    if form == "plan":
        data = {"year": "2026", "first_month": "1", "last_month": "12"}
        return f"/projects/{project.pk}/plan/", "office", data, ""
    data = {
        "name": project.name,
        "level": "zone",
        "industry": str(project.industry_id),
        "investor": project.investor,
        "unit": str(world.unit_a.pk),
        "version": str(project.version),
    }
    return f"/projects/{project.pk}/edit/", "office", data, "total_investment"


@pytest.mark.parametrize(("amount", "code"), AMOUNTS)
@pytest.mark.parametrize("form", ["report", "plan", "project"])
def test_an_amount_of_money_the_record_cannot_keep_is_refused(
    as_, request, world, form, amount, code
):
    url, who, data, field = _money_form(world, form)
    before = f.snapshot()
    response = as_(request.getfixturevalue(who)).post(url, {**data, field or "amount": amount})
    assert response.status_code == 400
    assert _said(code, amount) in response.content.decode()
    assert f.snapshot() == before
    # The project's page still reads (a plan of 2^63 万元 once made it a 500 for everyone).
    assert as_(world.office).get(f"/projects/{world.project.pk}/").status_code == 200


@pytest.mark.parametrize(("amount", "code"), [AMOUNTS[0], AMOUNTS[5]])
def test_an_amount_of_money_the_record_cannot_keep_is_refused_in_chinese(
    as_, world, liaison_a, amount, code
):
    client = as_(liaison_a, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.post(
        f"/projects/{world.project.pk}/report/", {"year": "2026", "month": "1", "amount": amount}
    )
    assert response.status_code == 400
    with translation.override("zh-hans"):
        expected = _said(code, amount)
    assert "不是金额" in expected or "亿元" in expected
    assert expected in response.content.decode()


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (Decimal("9223372036854775808") * 10_000, "too_large"),
        (Decimal("1e309"), "too_large"),
        (Decimal("NaN"), "not_a_number"),
        (Decimal("-Infinity"), "not_a_number"),
        (Decimal("-0.01"), "negative"),
        (Decimal("0.001"), "too_precise"),
        (Decimal(10) ** 13, "too_large"),
    ],
)
def test_the_investment_services_refuse_an_amount_the_record_cannot_keep(
    world, office, liaison_a, amount, code
):
    from duban.lib import investment
    from duban.projects import services as projects

    project = world.project
    before = f.snapshot()
    with pytest.raises(ValidationError) as plan:
        projects.investment_plan_set(actor=office, project=project, year=2026, amount=amount)
    with pytest.raises(ValidationError) as report:
        projects.investment_report_file(
            actor=liaison_a, project=project, year=2026, month=1, amount=amount
        )
    with pytest.raises(ValidationError) as total:
        projects.project_update(
            actor=office, project=project, version=project.version, total_investment=amount
        )
    assert f.snapshot() == before
    said = investment.MESSAGES[code] % {"text": str(amount), "limit": "100,000", "places": 2}
    assert plan.value.message_dict == report.value.message_dict == {"amount": [said]}
    assert total.value.message_dict == {"total_investment": [said]}


def test_the_largest_amount_the_record_keeps_is_accepted(world, office):
    from duban.projects import services as projects

    largest = Decimal("9999999999999.99")  # yuan: just under 10 万亿元
    plan = projects.investment_plan_set(
        actor=office, project=world.project, year=2026, amount=largest
    )
    plan.refresh_from_db()
    assert plan.amount == largest


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (Decimal("1e309"), "Ensure that there are no more than 16 digits in total."),
        (
            Decimal("100000000000000"),
            "Ensure that there are no more than 14 digits before the decimal point.",
        ),
        (Decimal("1.001"), "Ensure that there are no more than 2 decimal places."),
        (Decimal("NaN"), "“NaN” value must be a decimal number."),
    ],
)
def test_an_indicator_figure_the_column_cannot_hold_is_refused(
    world, office, liaison_a, value, message
):
    from duban.projects import indicators

    target = world.target
    before = f.snapshot()
    with pytest.raises(ValidationError) as actual:
        indicators.actual_report(actor=liaison_a, target=target, month=1, value=value)
    assert actual.value.message_dict == {"value": [message]}
    with pytest.raises(ValidationError) as goal:
        indicators.target_set(
            actor=office, indicator=target.indicator, unit=target.unit, year=2026, target=value
        )
    assert goal.value.message_dict == {"target": [message]}
    assert f.snapshot() == before


def test_a_version_changed_by_hand_is_said_so(as_, office, world):
    client = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans")
    task = world.task
    data = {
        "title": "改过的标题",
        "source": task.source,
        "lead_unit": task.lead_unit_id,
        "start_date": task.start_date.isoformat(),
        "cadence": task.cadence,
        "weight": "1",
        "version": "²",
    }
    before = f.snapshot()
    response = client.post(f"/tasks/{task.pk}/edit/", data)
    assert response.status_code == 400
    assert _zh("This form was changed outside the page: open the page again.") in (
        response.content.decode()
    )
    assert f.snapshot() == before


def test_a_refused_action_whose_form_the_page_does_not_show_still_says_why(as_, world, liaison_a):
    notice = world.notice
    client = as_(liaison_a, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert client.post(f"/notices/{notice.pk}/answer/", {"answer": "已整改。"}).status_code == 302
    before = f.snapshot()
    again = client.post(f"/notices/{notice.pk}/answer/", {"answer": "再答一次。"})
    assert again.status_code == 400
    page = again.content.decode()
    assert 'data-testid="refused"' in page
    assert _zh("This notice has already been answered.") in page
    assert f.snapshot() == before


def test_a_refusal_to_someone_who_may_not_act_says_why(as_, world, leader):
    """The leader may not ask for a new deadline: the page has no such form for
    them, so the reason the typed date was refused is said at the top."""
    url = f"/tasks/{world.free.pk}/deadline/"
    before = f.snapshot()
    response = as_(leader).post(url, {"new_deadline": "0001Q1", "reason": "延期"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="refused"' in page and "Enter a valid date." in page
    assert f.snapshot() == before


def test_an_unknown_webhook_action_says_so(as_, office, world):
    endpoint = world.webhook
    response = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        f"/webhooks/{endpoint.pk}/", {"action": "²"}
    )
    assert response.status_code == 400
    assert _zh("Choose one of the page's buttons: there is no such action.") in (
        response.content.decode()
    )


def test_two_test_events_in_the_same_instant_are_two(as_, office, world):
    """Under a frozen clock (or within the clock's resolution) a second press
    was a unique-key error."""
    endpoint = world.webhook
    client = as_(office)
    for _press in range(2):
        assert client.post(f"/webhooks/{endpoint.pk}/", {"action": "ping"}).status_code == 302
    assert endpoint.deliveries.filter(subject="ping").count() == 2


def test_an_address_too_long_to_send_back_to_is_a_bad_request_that_says_why(as_):
    """Anonymous: the sign-in redirect would carry a 100 kB ``next`` (Django
    refuses redirects over 16 kB)."""
    response = as_(None, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/tasks/?q=" + "9" * 100_000)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page
    assert (
        _zh(
            "This request cannot be read: its address or its form is too long, or holds characters "
            "the site does not accept. Go back and try again; if it happens again, tell the "
            "supervision office."
        )
        in page
    )


def test_the_new_messages_are_translated():
    for message in (
        "This link names nothing that exists.",
        "This form was changed outside the page: open the page again.",
        "Not done:",
        "Choose one of the page's buttons: there is no such action.",
        "Bad request",
    ):
        assert _zh(message) != message, message
