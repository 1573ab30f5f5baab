"""Signing in through an OpenID Connect provider: a real one
(node-oidc-provider) on 127.0.0.1, the browser's part played by an HTTP
client that follows the provider's pages, duban's part by the test client.
duban exchanges the code with the provider itself, over HTTP, and checks the
ID token against the provider's published keys."""

from __future__ import annotations

import html
import json
import re
import urllib.parse
from collections.abc import Iterator

import httpx
import pytest

from duban.org.models import Person, Role
from duban.sso.models import Identity
from tests import factories as f

from .servers import HERE, ROOT, free_port, node, running

pytestmark = [pytest.mark.real_clock, pytest.mark.django_db]  # tokens carry the real time

CLIENT_ID, CLIENT_SECRET = "duban", "duban-test-secret"
CALLBACK = "http://testserver/login/oidc/callback/"
ACCOUNTS = {
    "a1b2": {"preferred_username": "liaison_a", "name": "张联络", "email": "zhang@example.gov.cn"},
    "c3d4": {"preferred_username": "stranger", "name": "陌生人", "employee_number": "E-9"},
    "e5f6": {"preferred_username": "liaison_b", "employee_number": "E-0042", "name": "赵联络"},
}


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    port = free_port()
    command = [
        node(),
        str(HERE / "oidc_provider.mjs"),
        str(port),
        CLIENT_ID,
        CLIENT_SECRET,
        CALLBACK,
    ]
    env = {"OIDC_ACCOUNTS": json.dumps(ACCOUNTS), "NODE_PATH": str(ROOT / "node_modules")}
    with running(command, port, env=env, cwd=ROOT):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def oidc(settings, provider, monkeypatch) -> str:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "*")
    found = httpx.get(f"{provider}/.well-known/openid-configuration").json()
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = found["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = found["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = found["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = found["jwks_uri"]
    settings.DUBAN_OIDC_ON = True
    settings.DUBAN_OIDC_LABEL = "统一身份认证平台"
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "duban.sso.backends.OIDCBackend",
    ]
    return provider


def through_the_provider(location: str, account: str) -> str:
    """Play the browser at the provider: sign in as ``account``, consent, and
    return where the provider sends the browser back to (duban's callback)."""
    browser = httpx.Client(follow_redirects=False, timeout=10)
    response = browser.get(location)
    for _step in range(12):
        if response.is_redirect:
            location = urllib.parse.urljoin(str(response.url), response.headers["location"])
            if location.startswith("http://testserver/"):
                return location
            response = browser.get(location)
            continue
        page = response.text
        form = re.search(r'<form[^>]*action="([^"]+)"', page)
        assert form, page[:500]
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
        fields.update({"login": account, "password": "any"})
        response = browser.post(
            urllib.parse.urljoin(str(response.url), html.unescape(form.group(1))), data=fields
        )
    raise AssertionError("the provider never sent the browser back")


def sign_in(client, account: str, next_url: str = "/tasks/"):
    start = client.get(f"/login/oidc/?next={next_url}")
    assert start.status_code == 302
    authorize = urllib.parse.urlsplit(start["Location"])
    query = urllib.parse.parse_qs(authorize.query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"]
    back = through_the_provider(start["Location"], account)
    return client.get(back.removeprefix("http://testserver"))


def test_the_sign_in_page_offers_the_provider(client, oidc):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="sso-oidc"' in page and "统一身份认证平台" in page
    assert 'name="password"' in page  # the password form stays by default


def test_a_known_person_signs_in_by_user_name_and_lands_where_they_were_going(
    client, oidc, liaison_a
):
    response = sign_in(client, "a1b2")
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert client.get("/inbox/").context["user"] == liaison_a
    identity = Identity.objects.get()
    assert (identity.method, identity.subject, identity.person) == ("oidc", "a1b2", liaison_a)


def test_a_person_unknown_to_duban_is_refused_with_why_and_nothing_made(client, oidc, liaison_a):
    people = Person.objects.count()
    response = sign_in(client, "c3d4")
    assert response.status_code == 302 and response["Location"] == "/login/"
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "统一身份认证平台 knows you as stranger, but duban has no person" in page
    assert Person.objects.count() == people and not Identity.objects.exists()
    assert client.get("/inbox/").status_code == 302  # not signed in


def test_with_creation_on_a_newcomer_is_a_liaison_of_no_unit(client, oidc, settings):
    settings.OIDC_CREATE_USER = settings.DUBAN_SSO_CREATE = True
    sign_in(client, "c3d4")
    newcomer = Person.objects.get(username="stranger")
    assert (newcomer.role, newcomer.full_name, list(newcomer.units.all())) == (
        Role.LIAISON,
        "陌生人",
        [],
    )
    assert not newcomer.is_staff and not newcomer.has_usable_password()
    assert client.get("/tasks/").context["page"].paginator.count == 0  # sees nothing yet


def test_matching_on_the_employee_number(client, oidc, settings, liaison_b):
    settings.DUBAN_OIDC_CLAIM, settings.DUBAN_OIDC_MATCH = "employee_number", "employee_no"
    Person.objects.filter(pk=liaison_b.pk).update(employee_no="E-0042")
    response = sign_in(client, "e5f6")
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert client.get("/inbox/").context["user"] == liaison_b


def test_an_identity_keeps_finding_its_person_after_the_user_name_changes(client, oidc, liaison_a):
    sign_in(client, "a1b2")
    client.post("/logout/")
    Person.objects.filter(pk=liaison_a.pk).update(username="zhang.lianluo")
    sign_in(client, "a1b2")
    assert client.get("/inbox/").context["user"] == liaison_a


def test_a_switched_off_person_and_a_service_account_cannot_sign_in(client, oidc, liaison_a):
    Person.objects.filter(pk=liaison_a.pk).update(is_active=False)
    response = sign_in(client, "a1b2")
    assert response["Location"] == "/login/"
    assert client.get("/inbox/").status_code == 302
    Person.objects.filter(pk=liaison_a.pk).update(is_active=True, is_service=True)
    sign_in(client, "a1b2")
    assert client.get("/inbox/").status_code == 302


def test_a_callback_this_browser_did_not_start_signs_nobody_in(client, oidc, liaison_a):
    other = f.signed_in(None)
    start = other.get("/login/oidc/")
    back = through_the_provider(start["Location"], "a1b2")
    response = client.get(back.removeprefix("http://testserver"))  # another browser's code
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/inbox/").status_code == 302
    forged = client.get("/login/oidc/callback/?code=made-up&state=made-up")
    assert forged.status_code in (302, 400)
    assert client.get("/inbox/").status_code == 302


def test_when_it_is_not_set_up_its_addresses_do_not_exist(client):
    assert client.get("/login/oidc/").status_code == 404
    assert client.get("/login/oidc/callback/?code=x&state=y").status_code == 404
    assert 'data-testid="sso-oidc"' not in client.get("/login/").content.decode()
