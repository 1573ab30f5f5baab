"""The office's webhook pages: add one (its secret shown once), see its
deliveries, send a test event, switch it off, make a new secret, remove it."""

from __future__ import annotations

import re
import socket

import pytest

from duban.notify import outbox, webhooks
from duban.notify.models import Delivery, Endpoint
from duban.org.models import Role, Unit
from tests import factories as f

ADD = {
    "name": "区OA系统",
    "url": "https://oa.example.gov.cn/duban/events",
    "events": ["task.assigned", "report.submitted"],
}


@pytest.fixture(autouse=True)
def _zone(db):
    f.zone()


def secret_on(page: str) -> str:
    return re.search(r'data-testid="secret">([^<]+)<', page).group(1)


def test_the_office_adds_a_webhook_and_sees_its_secret_once(as_, office):
    client = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.post("/webhooks/", ADD)
    assert response.status_code == 200
    page = response.content.decode()
    endpoint = Endpoint.objects.get()
    assert secret_on(page) == endpoint.secret and endpoint.secret.startswith("whsec_")
    assert "只显示这一次" in page
    assert (endpoint.name, endpoint.url, endpoint.events) == (
        "区OA系统",
        ADD["url"],
        ["task.assigned", "report.submitted"],
    )
    assert endpoint.office == f.zone() and endpoint.created_by == office
    assert "no-store" in response["Cache-Control"]  # no copy of the secret kept anywhere
    listed = client.get("/webhooks/").content.decode()
    assert "区OA系统" in listed and "任务交办" in listed  # the events it hears, in Chinese
    assert endpoint.secret not in listed
    assert endpoint.secret not in client.get(f"/webhooks/{endpoint.pk}/").content.decode()


def test_a_refused_address_keeps_what_was_typed_and_says_why(as_, office):
    response = as_(office).post("/webhooks/", {**ADD, "url": "https://10.0.0.8/hook"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "10.0.0.8 is an internal address" in page
    assert 'value="区OA系统"' in page and 'value="https://10.0.0.8/hook"' in page
    assert not Endpoint.objects.exists()
    chinese = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        "/webhooks/", {**ADD, "url": "http://oa.example.gov.cn/"}
    )
    assert "https://" in chinese.content.decode() and "必须" in chinese.content.decode()
    none_chosen = as_(office).post("/webhooks/", {**ADD, "events": []})
    assert none_chosen.status_code == 400 and not Endpoint.objects.exists()


def test_the_detail_page_shows_each_delivery_and_acts(as_, office, unit_a, monkeypatch):
    def no_such_host(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    client = as_(office)
    client.post("/webhooks/", ADD)
    endpoint = Endpoint.objects.get()
    f.task(office, unit_a, title="招商引资")
    webhooks.fan_out()
    outbox.send_due()  # oa.example.gov.cn is not found: it fails, to be retried
    page = client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert "task.assigned" in page and 'data-testid="delivery"' in page
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.attempts == 1 and delivery.last_error in page
    # Send a test event
    assert client.post(f"/webhooks/{endpoint.pk}/", {"action": "ping"}).status_code == 302
    assert Delivery.objects.filter(endpoint=endpoint, subject="ping").count() == 1
    # A new secret, shown once, and the old one no longer signs
    old = endpoint.secret
    response = client.post(f"/webhooks/{endpoint.pk}/", {"action": "secret"})
    endpoint.refresh_from_db()
    assert endpoint.secret != old and secret_on(response.content.decode()) == endpoint.secret
    # Fewer events
    client.post(f"/webhooks/{endpoint.pk}/", {"action": "events", "events": ["task.closed"]})
    endpoint.refresh_from_db()
    assert endpoint.events == ["task.closed"]
    bad = client.post(f"/webhooks/{endpoint.pk}/", {"action": "events", "events": ["x"]})
    assert bad.status_code == 400
    # Off, then removed
    client.post(f"/webhooks/{endpoint.pk}/", {"action": "off"})
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    refused = client.post(f"/webhooks/{endpoint.pk}/", {"action": "ping"}, follow=True)
    assert "Switch the webhook on first." in refused.content.decode()
    assert client.post(f"/webhooks/{endpoint.pk}/", {"action": "delete"}).status_code == 302
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize("who", ["leader", "liaison_a"])
def test_only_the_office_opens_the_pages(as_, request, office, who):
    as_(office).post("/webhooks/", ADD)
    endpoint = Endpoint.objects.get()
    client = as_(request.getfixturevalue(who))
    assert client.get("/webhooks/").status_code == 403
    assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 403
    assert client.post(f"/webhooks/{endpoint.pk}/", {"action": "delete"}).status_code == 403
    assert Endpoint.objects.exists()


def test_another_offices_staff_neither_see_nor_touch_it(as_, office):
    as_(office).post("/webhooks/", ADD)
    endpoint = Endpoint.objects.get()
    district = f.unit("D", "辛店镇", kind="district", parent=None)
    Unit.objects.filter(pk=district.pk).update(runs_office=True)
    other = as_(f.person("office_d", Role.OFFICE, units=[district]))
    assert "区OA系统" not in other.get("/webhooks/").content.decode()
    assert other.get(f"/webhooks/{endpoint.pk}/").status_code == 404
    assert other.post(f"/webhooks/{endpoint.pk}/", {"action": "secret"}).status_code == 404
    assert other.get(f"/webhooks/?office={f.zone().pk}").status_code == 404
    assert Endpoint.objects.get().secret == endpoint.secret


def test_the_outbox_lists_webhook_deliveries_and_links_to_them(as_, office, unit_a):
    client = as_(office)
    client.post("/webhooks/", ADD)
    endpoint = Endpoint.objects.get()
    f.task(office, unit_a)
    webhooks.fan_out()
    page = client.get("/outbox/").content.decode()
    assert f"/webhooks/{endpoint.pk}/" in page and "区OA系统" in page
    assert 'data-testid="webhooks-link"' in page
