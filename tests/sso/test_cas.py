"""Signing in through a CAS server: a real one (django-cas-server, in its own
Django process, tests/sso/cas_server/) on 127.0.0.1, the browser's part
played by an HTTP client that fills in the server's sign-in form, duban's
part by the test client. duban validates the service ticket with the server
itself, over HTTP (/p3/serviceValidate for CAS 3.0, /serviceValidate for 2.0)."""

from __future__ import annotations

import contextlib
import html
import importlib.util
import json
import re
import signal
import socket
import sys
import time
import urllib.parse
from collections.abc import Iterator

import httpx
import pytest

from duban.org.models import Person, Role
from duban.sso.models import Identity
from tests import factories as f

from .servers import ROOT, free_port, missing, running

pytestmark = [pytest.mark.real_clock, pytest.mark.django_db]  # tickets expire in real time

LABEL = "统一认证平台"
SERVICE = "http://testserver/login/cas/"
ACCOUNTS = {
    "liaison_a": {
        "password": "pw-liaison-a",
        "attributes": {"displayName": "张联络", "mail": "zhang@example.gov.cn"},
    },
    "stranger": {
        "password": "pw-stranger",
        "attributes": {
            "displayName": "陌生人",
            "mail": "stranger@example.gov.cn",
            "employeeNumber": "E-9",
        },
    },
    "zhao": {
        "password": "pw-zhao",
        "attributes": {"displayName": "赵联络", "employeeNumber": "E-0042"},
    },
}


@pytest.fixture(scope="module")
def cas_server(tmp_path_factory) -> Iterator[str]:
    """django-cas-server on a free port, with its own SQLite file; stopped by PID."""
    if importlib.util.find_spec("cas_server") is None:
        missing("django-cas-server (pip install -e '.[dev]')")
    port = free_port()
    env = {
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.sso.cas_server.settings",
        "CAS_TEST_DB": str(tmp_path_factory.mktemp("cas_server") / "cas.sqlite3"),
        "CAS_TEST_ACCOUNTS": json.dumps(ACCOUNTS),
    }
    with running(
        [sys.executable, "-m", "tests.sso.cas_server", str(port)], port, env=env, cwd=ROOT
    ):
        yield f"http://127.0.0.1:{port}/cas/"


@pytest.fixture
def cas(settings, cas_server, monkeypatch) -> str:
    # requests (python-cas) and httpx honour proxy variables: every request in
    # these tests goes straight to 127.0.0.1.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "*")
    settings.CAS_SERVER_URL = cas_server
    settings.CAS_VERSION = "3"
    settings.DUBAN_CAS_ON = True
    settings.DUBAN_CAS_LABEL = LABEL
    settings.DUBAN_CAS_ATTRIBUTE = ""
    settings.DUBAN_CAS_MATCH = "username"
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "duban.sso.backends.CASBackend",
    ]
    return cas_server


def form_fields(page: str) -> dict[str, str]:
    """The sign-in form's fields as the browser would send them (hidden ``lt``,
    ``service`` and the CSRF token included; the "warn me" box left unticked)."""
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        name = re.search(r'\bname="([^"]*)"', tag)
        if not name or 'type="checkbox"' in tag:
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        fields[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
    return fields


def through_the_server(location: str, account: str, password: str | None = None) -> str:
    """Play the browser at the CAS server: sign in as ``account`` and return
    where the server sends the browser back to (duban, with a ticket)."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        page = browser.get(location)
        assert page.status_code == 200, page.text[:500]
        action = re.search(r'<form[^>]*id="login_form"[^>]*>', page.text)
        assert action, page.text[:500]
        target = re.search(r'\baction="([^"]*)"', action.group(0))
        url = urllib.parse.urljoin(
            str(page.url), html.unescape(target.group(1)) if target else str(page.url)
        )
        fields = form_fields(page.text)
        assert fields.get("lt", "").startswith("LT-") and fields.get("csrfmiddlewaretoken")
        fields.update(username=account, password=password or ACCOUNTS[account]["password"])
        back = browser.post(url, data=fields, headers={"Referer": str(page.url)})
        assert back.is_redirect, back.text[:1000]
        return back.headers["location"]


def ticket_for(client, account: str, next_url: str = "/tasks/", **headers) -> str:
    """Start at duban, sign in at the server; the path duban is sent back to."""
    start = client.get("/login/cas/", {"next": next_url}, **headers)
    assert start.status_code == 302
    login = urllib.parse.urlsplit(start["Location"])
    assert start["Location"].startswith(f"{login.scheme}://{login.netloc}/cas/login?")
    service = urllib.parse.parse_qs(login.query)["service"][0]
    assert service == f"{SERVICE}?{urllib.parse.urlencode({'next': next_url})}"
    back = through_the_server(start["Location"], account)
    assert back.startswith(f"{service}&ticket=ST-"), back
    return back.removeprefix("http://testserver")


def sign_in(client, account: str, next_url: str = "/tasks/", **headers):
    return client.get(ticket_for(client, account, next_url, **headers), **headers)


def signed_in_as(client) -> Person | None:
    response = client.get("/inbox/")
    return response.context["user"] if response.status_code == 200 else None


def login_page(client, language: str = "en") -> str:
    return client.get("/login/", HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_the_sign_in_page_offers_the_cas_server(client, cas):
    page = login_page(client, "zh-hans")
    button = re.search(r'<a [^>]*data-testid="sso-cas"[^>]*>([^<]*)</a>', page)
    assert button and button.group(1) == f"使用{LABEL}登录"
    assert 'href="/login/cas/"' in button.group(0)
    assert 'name="password"' in page  # the password form stays by default
    english = login_page(client, "en")
    assert f"Sign in with {LABEL}" in english


def test_a_known_person_signs_in_by_user_name_and_lands_where_they_were_going(
    client, cas, liaison_a
):
    response = sign_in(client, "liaison_a", "/tasks/?status=open")
    assert response.status_code == 302 and response["Location"] == "/tasks/?status=open"
    assert signed_in_as(client) == liaison_a
    identity = Identity.objects.get()
    assert (identity.method, identity.subject, identity.person) == ("cas", "liaison_a", liaison_a)
    assert identity.last_used_at is not None
    # Signed in already: straight on, without the CAS server.
    again = client.get("/login/cas/", {"next": "/inbox/"})
    assert again.status_code == 302 and again["Location"] == "/inbox/"


def test_the_identity_keeps_finding_its_person_after_the_user_name_changes(client, cas, liaison_a):
    sign_in(client, "liaison_a")
    client.post("/logout/")
    assert signed_in_as(client) is None
    Person.objects.filter(pk=liaison_a.pk).update(username="zhang.lianluo")
    response = sign_in(client, "liaison_a")
    assert response["Location"] == "/tasks/"
    assert signed_in_as(client) == liaison_a
    assert Identity.objects.count() == 1


def test_matching_on_a_released_attribute_the_employee_number(client, cas, settings, liaison_b):
    settings.DUBAN_CAS_ATTRIBUTE, settings.DUBAN_CAS_MATCH = "employeeNumber", "employee_no"
    Person.objects.filter(pk=liaison_b.pk).update(employee_no="E-0042")
    response = sign_in(client, "zhao")
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert signed_in_as(client) == liaison_b
    identity = Identity.objects.get()
    assert (identity.subject, identity.person) == ("zhao", liaison_b)


def test_a_missing_attribute_is_refused_with_what_was_missing(client, cas, settings, liaison_a):
    settings.DUBAN_CAS_ATTRIBUTE, settings.DUBAN_CAS_MATCH = "employeeNumber", "employee_no"
    response = sign_in(client, "liaison_a")  # released no employeeNumber
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert f"{LABEL} did not give your employee number" in login_page(client)
    assert signed_in_as(client) is None and not Identity.objects.exists()


def test_a_person_unknown_to_duban_is_refused_with_why_and_nothing_made(client, cas, liaison_a):
    people = Person.objects.count()
    response = sign_in(client, "stranger")
    assert response.status_code == 302 and response["Location"] == "/login/"
    page = login_page(client, "en")
    assert f"{LABEL} knows you as stranger, but duban has no person with that user name" in page
    assert Person.objects.count() == people and not Identity.objects.exists()
    assert signed_in_as(client) is None


def test_the_refusal_is_in_chinese_for_a_chinese_browser(client, cas, liaison_a):
    response = sign_in(client, "stranger", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response["Location"] == "/login/"
    page = login_page(client, "zh-hans")
    assert f"{LABEL}中您的身份是 stranger，但督办中没有该用户名的人员" in page
    assert signed_in_as(client) is None


def test_with_creation_on_a_newcomer_is_a_liaison_of_no_unit(client, cas, settings):
    settings.CAS_CREATE_USER = settings.DUBAN_SSO_CREATE = True
    response = sign_in(client, "stranger")
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    newcomer = Person.objects.get(username="stranger")
    assert (newcomer.role, newcomer.full_name, newcomer.email, list(newcomer.units.all())) == (
        Role.LIAISON,
        "陌生人",
        "stranger@example.gov.cn",
        [],
    )
    assert not newcomer.is_staff and not newcomer.has_usable_password()
    assert signed_in_as(client) == newcomer
    assert Identity.objects.get().person == newcomer
    assert client.get("/tasks/").context["page"].paginator.count == 0  # sees nothing yet


def test_a_made_up_ticket_signs_nobody_in(client, cas, liaison_a):
    response = client.get(
        "/login/cas/", {"next": "/tasks/", "ticket": "ST-made-up"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert f"通过{LABEL}登录未成功，请重试或联系督查室。" in login_page(client, "zh-hans")
    assert signed_in_as(client) is None and not Identity.objects.exists()


def test_a_ticket_works_once(client, cas, liaison_a):
    back = ticket_for(client, "liaison_a")
    assert client.get(back)["Location"] == "/tasks/"
    assert signed_in_as(client) == liaison_a
    other = f.signed_in(None)  # the same ticket again, from another browser
    replayed = other.get(back)
    assert replayed.status_code == 302 and replayed["Location"] == "/login/"
    assert f"Signing in through {LABEL} did not succeed" in login_page(other)
    assert signed_in_as(other) is None


def test_a_ticket_for_another_service_address_is_refused(client, cas, liaison_a):
    back = ticket_for(client, "liaison_a", "/tasks/")
    ticket = urllib.parse.parse_qs(urllib.parse.urlsplit(back).query)["ticket"][0]
    response = client.get("/login/cas/", {"next": "/inbox/", "ticket": ticket})
    assert response["Location"] == "/login/"  # issued for ?next=/tasks/, not ?next=/inbox/
    assert signed_in_as(client) is None


def test_a_switched_off_person_and_a_service_account_cannot_sign_in(client, cas, liaison_a):
    sign_in(client, "liaison_a")
    client.post("/logout/")
    Person.objects.filter(pk=liaison_a.pk).update(is_active=False)
    response = sign_in(client, "liaison_a")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "Your duban account is switched off" in login_page(client)
    assert signed_in_as(client) is None
    Person.objects.filter(pk=liaison_a.pk).update(is_active=True, is_service=True)
    response = sign_in(client, "liaison_a")
    assert response["Location"] == "/login/"
    assert signed_in_as(client) is None


def test_a_switched_off_person_never_signed_in_before_is_not_matched(client, cas, liaison_a):
    Person.objects.filter(pk=liaison_a.pk).update(is_active=False)
    response = sign_in(client, "liaison_a")
    assert response["Location"] == "/login/"
    assert signed_in_as(client) is None and not Identity.objects.exists()


def test_cas_2_service_validate_also_works(client, cas, settings, liaison_b):
    settings.CAS_VERSION = "2"
    settings.DUBAN_CAS_ATTRIBUTE, settings.DUBAN_CAS_MATCH = "employeeNumber", "employee_no"
    Person.objects.filter(pk=liaison_b.pk).update(employee_no="E-0042")
    response = sign_in(client, "zhao")
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert signed_in_as(client) == liaison_b


def test_somewhere_else_to_go_afterwards_is_not_followed(client, cas, liaison_a):
    response = sign_in(client, "liaison_a", "https://elsewhere.example/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_as(client) == liaison_a
    again = client.get("/login/cas/", {"next": "//elsewhere.example/"})
    assert again.status_code == 302 and again["Location"] == "/"
    client.post("/logout/")
    # No ``next``: django-cas-ng goes back to the Referer, but only to duban's own.
    start = client.get("/login/cas/", HTTP_REFERER="https://elsewhere.example/page")
    back = through_the_server(start["Location"], "liaison_a")
    assert client.get(back.removeprefix("http://testserver"))["Location"] == "/"
    client.post("/logout/")
    start = client.get("/login/cas/", HTTP_REFERER="http://testserver/inbox/")
    back = through_the_server(start["Location"], "liaison_a")
    assert client.get(back.removeprefix("http://testserver"))["Location"] == "/inbox/"
    # A form posted with a foreign ``next`` is a bad request, not a server error.
    client.raise_request_exception = False
    assert client.post("/login/cas/", {"next": "https://elsewhere.example/"}).status_code == 400


def test_the_cas_server_down_signs_nobody_in_and_says_so(client, cas, settings, liaison_a):
    settings.CAS_SERVER_URL = f"http://127.0.0.1:{free_port()}/cas/"  # nothing listens there
    response = client.get("/login/cas/", {"next": "/tasks/", "ticket": "ST-whatever"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert f"Signing in through {LABEL} did not succeed" in login_page(client)
    assert signed_in_as(client) is None


def test_a_cas_server_that_never_answers_is_given_up_on(client, cas, settings, liaison_a):
    settings.OIDC_TIMEOUT = 1  # DUBAN_SSO_TIMEOUT, every sign-in's wait for its server

    def still_waiting(*_args):
        raise AssertionError("duban still waits for the CAS server")

    with contextlib.closing(socket.socket()) as silent:  # connects, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        settings.CAS_SERVER_URL = f"http://127.0.0.1:{silent.getsockname()[1]}/cas/"
        before = signal.signal(signal.SIGALRM, still_waiting)
        signal.alarm(15)  # rather than hang the run, should the timeout be lost
        started = time.monotonic()
        try:
            response = client.get("/login/cas/", {"next": "/tasks/", "ticket": "ST-whatever"})
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, before)
    assert time.monotonic() - started < 10
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert signed_in_as(client) is None


def test_when_it_is_not_set_up_its_address_does_not_exist(client, settings):
    assert not settings.DUBAN_CAS_ON
    assert client.get("/login/cas/").status_code == 404
    assert client.get("/login/cas/", {"ticket": "ST-x"}).status_code == 404
    assert client.post("/login/cas/").status_code == 404
    assert 'data-testid="sso-cas"' not in login_page(client)
