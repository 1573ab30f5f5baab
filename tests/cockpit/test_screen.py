"""The cockpit's big screen and the figures it reloads: for everyone signed in,
scoped like the overview, no inline script, a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.cockpit.charts import overview
from duban.cockpit.views import screen_pages
from duban.supervision.scan import scan

from .. import factories as f

OVERDUE = {"start": f.TODAY - dt.timedelta(days=30), "deadline": f.TODAY - dt.timedelta(days=2)}


def _config(html: str) -> dict:
    found = re.search(
        r'<script id="screen-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "the screen's settings and charts are in a json_script"
    return json.loads(found.group(1))


def _chart(data, name):
    return next(c for c in data["charts"] if c["id"] == name)


@pytest.mark.parametrize("who", ["leader", "office", "liaison_a"])
def test_the_screen_shows_for_everyone_signed_in(as_, request, office, unit_a, who):
    f.task(office, unit_a, **OVERDUE)
    scan(today=f.TODAY)
    response = as_(request.getfixturevalue(who), HTTP_ACCEPT_LANGUAGE="en").get("/cockpit/screen/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en" class="screen">' in html
    assert "Supervision cockpit" in html and "Leave big screen" in html
    assert 'href="/cockpit/"' in html
    assert 'data-total="red">1<' in html and 'data-total="open">1<' in html
    assert "2026-03-18" in html  # the time of the data
    assert 'data-chart="lights"' in html and "duban/screen.js" in html
    assert "vendor/echarts/echarts.min.js" in html and "duban/screen.css" in html
    # No script but files and JSON data (the site may get a CSP).
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "<style" not in html and " style=" not in html and "onclick" not in html
    config = _config(html)
    assert config["cycle"] == 20 and config["refresh"] == 300
    assert config["data"] == "/cockpit/data.json"
    assert [c["id"] for c in config["charts"]] == [c["id"] for c in overview(office)["charts"]]


def test_the_screen_speaks_chinese_too(as_, leader):
    html = as_(leader, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/cockpit/screen/").content.decode()
    assert '<html lang="zh-CN" class="screen">' in html


def test_anonymous_people_are_sent_to_sign_in(as_, anonymous):
    for url in ("/cockpit/screen/", "/cockpit/data.json"):
        response = as_(anonymous).get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/login/?next={url}"


def test_the_charts_are_laid_out_a_page_at_a_time(as_, office, unit_a):
    empty = as_(office).get("/cockpit/screen/").content.decode()
    assert 'data-testid="nothing"' in empty and "data-chart=" not in empty
    assert "Nothing here yet" in empty and "No data yet:" not in empty  # said once
    f.task(office, unit_a, **OVERDUE)
    scan(today=f.TODAY)
    html = as_(office).get("/cockpit/screen/?cycle=0").content.decode()
    charts = overview(office)["charts"]
    shown = re.findall(r'data-chart="([\w-]+)"', html)
    assert shown == [c["id"] for c in charts if not c["empty"]]
    assert {"lights", "states", "rules", "units"} <= set(shown)
    assert "funnel" not in shown  # no project yet
    pages = re.findall(r'data-screen-page="\d+" data-count="(\d+)"', html)
    assert [int(n) for n in pages] == screen_pages(len(shown))
    hidden = re.findall(r'data-screen-page="\d+" data-count="\d+" hidden>', html)
    assert len(hidden) == len(pages) - 1  # the first page shows, the others wait
    # The charts without data are named in the foot.
    idle = unescape(html.split('class="idle"')[1].split("</p>")[0])
    assert [c["title"] for c in charts if c["empty"] and c["title"] not in idle] == [], idle
    assert _config(html)["cycle"] == 0


@pytest.mark.parametrize(
    ("count", "pages"),
    [(0, []), (1, [1]), (4, [4]), (5, [3, 2]), (6, [3, 3]), (7, [4, 3]), (9, [3, 3, 3])],
)
def test_pages_are_filled_evenly(count, pages):
    assert screen_pages(count) == pages


@pytest.mark.parametrize(
    ("query", "cycle"), [("", 20), ("?cycle=2", 2), ("?cycle=0", 0), ("?cycle=x", 20)]
)
def test_the_cycle_comes_from_the_address(as_, leader, query, cycle):
    html = as_(leader).get(f"/cockpit/screen/{query}").content.decode()
    assert _config(html)["cycle"] == cycle


def test_the_figures_reload_as_json_scoped_like_the_overview(
    as_, office, liaison_a, liaison_b, unit_a, unit_b
):
    f.task(office, unit_a, **OVERDUE)
    f.task(office, unit_b)
    scan(today=f.TODAY)
    response = as_(office).get("/cockpit/data.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    data = response.json()
    assert set(data) == {"totals", "charts", "generated_at"}
    assert data["totals"] == {"open": 2, "red": 1, "yellow": 0}
    assert dt.datetime.fromisoformat(data["generated_at"]) == f.NOW
    assert data["generated_at"] == timezone.localtime(f.NOW).isoformat()
    # The overview's charts as they are, options and links included.
    assert data["charts"] == json.loads(
        json.dumps(overview(office)["charts"], cls=DjangoJSONEncoder)
    )
    units = json.dumps(_chart(data, "units")["option"], ensure_ascii=False)
    assert str(unit_a) in units and f"/warnings/?level=4&unit={unit_a.pk}" in units
    # Unit B's liaison sees unit B's task only: not unit A's red one, nor its name.
    mine = as_(liaison_b).get("/cockpit/data.json")
    theirs = mine.json()
    assert theirs["totals"] == {"open": 1, "red": 0, "yellow": 0}
    assert _chart(theirs, "units")["empty"] and _chart(theirs, "rules")["empty"]
    assert str(unit_a) not in mine.content.decode("unicode_escape")
    page = as_(liaison_b).get("/cockpit/screen/").content.decode()
    assert 'data-total="open">1<' in page and 'data-total="red">0<' in page
    assert str(unit_a) not in page
    assert as_(liaison_a).get("/cockpit/data.json").json()["totals"]["red"] == 1


def test_data_json_is_read_only(as_, office):
    assert as_(office).post("/cockpit/data.json").status_code == 405


def test_a_bounded_number_of_queries(as_, office, unit_a, unit_b, django_assert_max_num_queries):
    def overview_queries() -> int:
        fresh = type(office).objects.get(pk=office.pk)  # nothing cached, as in a request
        with CaptureQueriesContext(connection) as queries:
            overview(fresh)
        return len(queries)

    for unit in (unit_a, unit_b) * 4:
        f.task(office, unit, **OVERDUE)
    scan(today=f.TODAY)
    inner = overview_queries()
    assert inner <= 25  # the overview's own bound ("about twenty", whatever the data)
    # Beside the overview: the session and the person, and on the page the menu's
    # badges (the inbox count is kept in the session) which the screen does not show.
    client = as_(office)
    with django_assert_max_num_queries(inner + 10):
        assert client.get("/cockpit/screen/").status_code == 200
    with django_assert_max_num_queries(inner + 2):
        assert client.get("/cockpit/data.json").status_code == 200


def test_the_screen_and_its_figures_as_of_a_past_date(as_, office, unit_a, clock):
    clock.move_to(f.at(2026, 3, 10, 9))
    f.task(office, unit_a, **OVERDUE)
    clock.move_to(f.NOW)
    f.task(office, unit_a)  # assigned today: not there on the 12th
    client = as_(office)
    body = client.get("/cockpit/data.json?as_of=2026-03-12").json()
    assert body["totals"]["open"] == 1 and body["generated_at"].startswith("2026-03-12T23:59")
    assert client.get("/cockpit/data.json").json()["totals"]["open"] == 2
    page = client.get("/cockpit/screen/?as_of=2026-03-12").content.decode()
    assert 'href="/cockpit/?as_of=2026-03-12" data-testid="leave"' in page
    assert "2026-03-12 23:59" in page
