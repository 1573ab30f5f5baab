"""Signing in from DingTalk, WeCom and Feishu, end to end against the
platforms' documented calls, played by a real HTTP server on 127.0.0.1
(chat_server.py). The browser's part at the platform (scanning the QR code,
or the in-app browser answering the OAuth redirect by itself) is an HTTP
client that follows the platform's sign-in page; duban's part is the test
client. duban exchanges the code with the platform itself, over HTTP."""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.test import Client

from duban.org.models import Person, Role
from duban.sso.models import Identity
from tests import factories as f

from .chat_server import APPS, Platforms, PlatformServer
from .servers import free_port

pytestmark = pytest.mark.django_db

METHODS = ["dingtalk", "wecom", "feishu"]
LABELS = {"dingtalk": "DingTalk", "wecom": "WeCom", "feishu": "Feishu"}
LABELS_ZH = {"dingtalk": "钉钉", "wecom": "企业微信", "feishu": "飞书"}
PHONE_MATCHED = ["dingtalk", "feishu"]

DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
WECHAT = (  # WeChat, not WeCom: no 免登, the QR code as on the desktop
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN"
)
IN_APP = {
    "dingtalk": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Mobile/15E148 AliApp(DingTalk/7.5.20) com.laiwang.DingTalk/34007889 "
        "Channel/201200 language/zh-Hans-CN UT4Aplus/0.0.6 WK"
    ),
    "wecom": (
        "Mozilla/5.0 (Linux; Android 13; V2218A) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5075 MMWEBSDK/20230504 "
        "wxwork/4.1.22 MicroMessenger/7.0.1 NetType/WIFI Language/zh Lang/zh ColorScheme/Light"
    ),
    "feishu": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Mobile/15E148 Lark/7.14.5 LarkLocale/zh_CN ChannelName/Feishu TTWebView/0141"
    ),
}
MORE_IN_APP = [  # the same apps elsewhere: DingTalk on Android, WeCom's desktop client, Feishu's
    (
        "dingtalk",
        "Mozilla/5.0 (Linux; U; Android 13; zh-CN; PGT-AN10) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Version/4.0 Chrome/69.0.3497.100 Mobile Safari/537.36 DingTalk/7.5.20",
    ),
    (
        "wecom",
        "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/98.0.4758.102 Safari/537.36 wxwork/4.1.20 (MicroMessenger/6.2) WindowsWechat",
    ),
    (
        "feishu",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36 Feishu/7.14.5 Lark/7.14.5 LarkLocale/zh_CN",
    ),
]
PHONE = "13800001111"


def callback(method: str) -> str:
    return f"http://testserver/login/{method}/callback/"


# --- the platforms, and duban pointed at them ------------------------------------------


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    # httpx honours proxy variables: every request in these tests goes straight
    # to 127.0.0.1.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "*")


def point_at(settings, base: str, *, off: tuple[str, ...] = ()) -> None:
    """Every platform's app configured and every address at ``base``; ``off``
    left without its credentials (not set up)."""
    chat = {method: dict(values) for method, values in settings.DUBAN_CHAT_LOGIN.items()}
    for method, values in chat.items():
        if method not in APPS:
            continue  # 政务钉钉 has its own server and tests (test_zwdd.py)
        app = APPS[method]
        values.update(client_id=app.client_id, secret=app.secret, agent_id=app.agent_id)
        for key in values:
            if key.endswith("_url"):
                values[key] = base
        if method in off:
            values.update(client_id="", secret="")
    settings.DUBAN_CHAT_LOGIN = chat
    settings.OIDC_TIMEOUT = 5


@pytest.fixture
def server(settings) -> Iterator[PlatformServer]:
    with PlatformServer() as running:
        point_at(settings, running.platforms.url)
        yield running


@pytest.fixture
def platforms(server) -> Platforms:
    return server.platforms


SUBJECTS = {"dingtalk": "unionId", "wecom": "userid", "feishu": "union_id"}


def member(
    platforms: Platforms,
    method: str,
    account: str,
    *,
    mobile: str | None = PHONE,
    userid: str = "liaison_a",
    name: str = "张联络",
) -> str:
    """A member of the organisation at the platform; returns the platform's
    stable id for them (what duban remembers)."""
    if method == "dingtalk":
        said: dict[str, Any] = {
            "nick": name,
            "unionId": f"iPiSdRkKhM8{account}iEiE",
            "openId": f"5Wf0Mk{account}Zs9",
            "email": f"{account}@example.gov.cn",
            "avatarUrl": "",
        }
        if mobile is not None:  # given only with the Contact.User.mobile permission
            said["mobile"] = mobile
    elif method == "wecom":
        said = {"userid": userid}
    else:
        said = {
            "name": name,
            "en_name": "Zhang",
            "open_id": f"ou_{account}c9a1",
            "union_id": f"on_{account}7d2e",
            "user_id": userid,
            "email": f"{account}@example.com",
            "enterprise_email": f"{account}@example.gov.cn",
            "employee_no": "E-0042",
            "tenant_key": "736588c9260f175d",
        }
        if mobile is not None:
            said["mobile"] = mobile if mobile.startswith("+") else f"+86{mobile}"
    platforms.members[method][account] = said
    return str(said[SUBJECTS[method]])


def outsider(platforms: Platforms, account: str) -> None:
    """Someone WeCom knows who is not in the organisation: it gives only an openid."""
    platforms.members["wecom"][account] = {"openid": "oAAAAAEq9K4c7dRkQ1X2", "external_userid": ""}


def give(person: Person, **fields: Any) -> Person:
    Person.objects.filter(pk=person.pk).update(**fields)
    person.refresh_from_db()
    return person


@pytest.fixture
def zhang(liaison_a) -> Person:
    """liaison_a, with the mobile number DingTalk and Feishu give (WeCom matches the user name)."""
    return give(liaison_a, phone=PHONE)


# --- the browser --------------------------------------------------------------------------


def start(client: Client, method: str, next_url: str | None = "/tasks/", agent=DESKTOP) -> str:
    """Press the button: where duban sends the browser."""
    response = client.get(
        f"/login/{method}/", {"next": next_url} if next_url else {}, HTTP_USER_AGENT=agent
    )
    assert response.status_code == 302, response
    assert response["Cache-Control"].startswith("max-age=0")  # never_cache
    return response["Location"]


def at_platform(location: str, account: str) -> str:
    """The person at the platform's sign-in page (signed in to the app, or
    scanning the QR code): where the platform sends the browser back to."""
    response = httpx.get(
        location, headers={"X-Signed-In": account}, follow_redirects=False, timeout=5
    )
    assert response.status_code == 302, response.text
    back = response.headers["location"]
    assert back.startswith("http://testserver/"), back
    return back


def come_back(client: Client, back: str, agent=DESKTOP, **headers: Any):
    return client.get(back.removeprefix("http://testserver"), HTTP_USER_AGENT=agent, **headers)


def sign_in(client: Client, method: str, account: str, next_url="/tasks/", agent=DESKTOP):
    return come_back(client, at_platform(start(client, method, next_url, agent), account), agent)


def query_of(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def with_query(url: str, **changes: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = {**dict(urllib.parse.parse_qsl(parts.query)), **changes}
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def who_is_signed_in(client: Client) -> Person | None:
    pk = client.session.get(AUTH_SESSION_KEY)
    return Person.objects.get(pk=pk) if pk else None


def refusal(client: Client, response, *, still: Person | None = None, **headers: Any) -> str:
    """A refusal: back to the password form (not the platform again, which
    inside its app would loop), nobody signed in (or only whoever ``still``
    was before); the messages it shows."""
    assert response.status_code == 302, response
    assert response["Location"] == "/login/?password=1"
    assert who_is_signed_in(client) == still
    page = client.get(response["Location"], HTTP_USER_AGENT=DESKTOP, **headers)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="password"' in text
    found = re.findall(r'<li class="msg-error" role="status">(.*?)</li>', text, re.S)
    assert found, "no message on the sign-in page"
    return html.unescape(" ".join(found))


# --- the sign-in page -----------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_the_sign_in_page_offers_each_configured_platform(client, platforms, method):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    button = re.search(rf'<a [^>]*href="([^"]*)"[^>]*data-testid="sso-{method}">([^<]*)</a>', page)
    assert button, page
    assert button.group(1) == f"/login/{method}/"
    assert button.group(2) == f"使用{LABELS_ZH[method]}登录"
    assert 'name="password"' in page  # the password form stays
    page = client.get("/login/?next=/tasks/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="/login/{method}/?next=/tasks/" data-testid="sso-{method}"' in page
    assert f"Sign in with {LABELS[method]}" in page


@pytest.mark.parametrize("missing", ["client_id", "secret"])
@pytest.mark.parametrize("method", METHODS)
def test_a_platform_not_set_up_has_no_button_and_no_sign_in(client, settings, method, missing):
    point_at(settings, f"http://127.0.0.1:{free_port()}")
    settings.DUBAN_CHAT_LOGIN[method][missing] = ""
    page = client.get("/login/").content.decode()
    assert f'data-testid="sso-{method}"' not in page
    others = [m for m in METHODS if m != method]
    assert all(f'data-testid="sso-{m}"' in page for m in others)
    assert client.get(f"/login/{method}/").status_code == 404
    assert client.get(f"/login/{method}/callback/?code=abc&state=xyz").status_code == 404
    # Inside that app the password form shows, rather than a sign-in that is not there.
    response = client.get("/login/", HTTP_USER_AGENT=IN_APP[method])
    assert response.status_code == 200 and 'name="password"' in response.content.decode()


def test_with_no_platform_set_up_the_page_has_no_buttons(client, settings):
    point_at(settings, f"http://127.0.0.1:{free_port()}", off=tuple(METHODS))
    page = client.get("/login/").content.decode()
    assert "sso-" not in page and 'name="password"' in page
    assert client.get("/login/sms/").status_code == 404  # not a method at all


# --- starting: the platform's QR code on the desktop, its OAuth page inside the app ---------


def test_on_the_desktop_dingtalk_starts_at_its_qr_sign_in(client, platforms):
    location = start(client, "dingtalk")
    parts = urllib.parse.urlsplit(location)
    assert (f"{parts.scheme}://{parts.netloc}", parts.path) == (platforms.url, "/oauth2/auth")
    query = query_of(location)
    state = query.pop("state")
    assert query == {
        "client_id": APPS["dingtalk"].client_id,
        "redirect_uri": callback("dingtalk"),
        "response_type": "code",
        "scope": "openid",
        "prompt": "consent",
    }
    assert len(state) >= 32
    assert client.session["duban_sso"][state] == {"method": "dingtalk", "next": "/tasks/"}
    assert APPS["dingtalk"].secret not in location


@pytest.mark.parametrize("agent", [DESKTOP, WECHAT], ids=["desktop", "wechat"])
def test_on_the_desktop_wecom_starts_at_its_qr_sign_in_for_the_corp_app(client, platforms, agent):
    location = start(client, "wecom", agent=agent)
    parts = urllib.parse.urlsplit(location)
    assert (f"{parts.scheme}://{parts.netloc}", parts.path) == (platforms.url, "/wwlogin/sso/login")
    assert parts.fragment == ""
    query = query_of(location)
    state = query.pop("state")
    assert query == {
        "login_type": "CorpApp",
        "appid": APPS["wecom"].client_id,
        "agentid": "1000002",
        "redirect_uri": callback("wecom"),
    }
    assert client.session["duban_sso"][state]["method"] == "wecom"
    assert APPS["wecom"].secret not in location


def test_on_the_desktop_feishu_starts_at_its_authorize_page(client, platforms):
    location = start(client, "feishu")
    parts = urllib.parse.urlsplit(location)
    assert (f"{parts.scheme}://{parts.netloc}", parts.path) == (
        platforms.url,
        "/open-apis/authen/v1/authorize",
    )
    query = query_of(location)
    state = query.pop("state")
    assert query == {"client_id": APPS["feishu"].client_id, "redirect_uri": callback("feishu")}
    assert client.session["duban_sso"][state]["method"] == "feishu"
    assert APPS["feishu"].secret not in location


@pytest.mark.parametrize(
    "agent", [IN_APP["wecom"], MORE_IN_APP[1][1]], ids=["wecom-mobile", "wecom-desktop-client"]
)
def test_inside_wecom_the_start_is_its_oauth_page_that_answers_by_itself(client, platforms, agent):
    location = start(client, "wecom", agent=agent)
    assert location.endswith("#wechat_redirect")
    parts = urllib.parse.urlsplit(location)
    assert (f"{parts.scheme}://{parts.netloc}", parts.path, parts.fragment) == (
        platforms.url,
        "/connect/oauth2/authorize",
        "wechat_redirect",
    )
    query = query_of(location)
    state = query.pop("state")
    assert query == {
        "appid": APPS["wecom"].client_id,
        "redirect_uri": callback("wecom"),
        "response_type": "code",
        "scope": "snsapi_base",
        "agentid": "1000002",
    }
    assert list(query_of(location)) == [  # the order WeCom's documentation gives
        "appid",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
        "agentid",
    ]
    assert client.session["duban_sso"][state]["method"] == "wecom"


@pytest.mark.parametrize("method", ["dingtalk", "feishu"])
def test_inside_dingtalk_and_feishu_the_start_is_the_same_authorize_page(client, platforms, method):
    # Their in-app browsers answer the ordinary authorize page for the signed-in member.
    inside = urllib.parse.urlsplit(start(client, method, agent=IN_APP[method]))
    desktop = urllib.parse.urlsplit(start(client, method))
    assert inside.path == desktop.path
    assert {k for k in query_of(inside.geturl()) if k != "state"} == {
        k for k in query_of(desktop.geturl()) if k != "state"
    }


def test_each_start_has_its_own_state_and_two_tabs_both_work(client, platforms, zhang):
    member(platforms, "dingtalk", "zhang")
    first = start(client, "dingtalk", "/tasks/")
    second = start(client, "dingtalk", "/inbox/")
    assert query_of(first)["state"] != query_of(second)["state"]
    assert len(client.session["duban_sso"]) == 2
    response = come_back(client, at_platform(first, "zhang"))
    assert response["Location"] == "/tasks/"
    assert who_is_signed_in(client) == zhang


# --- inside the app: straight to the platform (免登) -------------------------------------


@pytest.mark.parametrize(
    "method, agent",
    [(m, IN_APP[m]) for m in METHODS] + MORE_IN_APP,
    ids=[*METHODS, "dingtalk-android", "wecom-desktop-client", "feishu-desktop"],
)
def test_inside_the_app_the_sign_in_page_goes_straight_to_that_platform(
    client, platforms, method, agent
):
    response = client.get("/login/", HTTP_USER_AGENT=agent)
    assert response.status_code == 302 and response["Location"] == f"/login/{method}/"
    response = client.get("/login/?next=/tasks/", HTTP_USER_AGENT=agent)
    assert response.status_code == 302
    assert urllib.parse.urlsplit(response["Location"]).path == f"/login/{method}/"
    assert query_of(response["Location"]) == {"next": "/tasks/"}
    # Asking for the password form (and every refusal, which comes back there) shows it.
    response = client.get("/login/?password=1", HTTP_USER_AGENT=agent)
    assert response.status_code == 200 and 'name="password"' in response.content.decode()


@pytest.mark.parametrize("agent", [DESKTOP, WECHAT], ids=["desktop", "wechat"])
def test_outside_the_apps_the_sign_in_page_shows(client, platforms, agent):
    response = client.get("/login/", HTTP_USER_AGENT=agent)
    assert response.status_code == 200 and 'name="password"' in response.content.decode()


def test_inside_the_app_a_person_already_signed_in_is_not_sent_round_again(as_, platforms, zhang):
    response = as_(zhang).get("/login/", HTTP_USER_AGENT=IN_APP["dingtalk"])
    assert response.status_code == 200


def test_inside_the_app_where_they_were_going_survives_the_detour(client, platforms, zhang):
    # The page they wanted has a query of its own: it must reach chat_start whole.
    member(platforms, "dingtalk", "zhang")
    wanted = "/tasks/?status=open&unit=3"
    agent = IN_APP["dingtalk"]
    first = client.get("/login/", {"next": wanted}, HTTP_USER_AGENT=agent)
    assert first.status_code == 302 and query_of(first["Location"]) == {"next": wanted}
    started = client.get(first["Location"], HTTP_USER_AGENT=agent)
    response = come_back(client, at_platform(started["Location"], "zhang"), agent)
    assert response.status_code == 302 and response["Location"] == wanted
    assert who_is_signed_in(client) == zhang


# --- signing in ---------------------------------------------------------------------------


def what_duban_sent(platforms: Platforms, method: str, code: str) -> None:
    """duban's calls to the platform: the app's own id and secret, the code
    once, the token the platform gave; nothing else."""
    app = APPS[method]
    calls = platforms.api_calls
    if method == "dingtalk":
        exchange, me = calls
        assert (exchange.verb, exchange.path) == ("POST", "/v1.0/oauth2/userAccessToken")
        assert exchange.headers["content-type"] == "application/json"
        assert exchange.body == {
            "clientId": app.client_id,
            "clientSecret": app.secret,
            "code": code,
            "grantType": "authorization_code",
        }
        assert (me.verb, me.path) == ("GET", "/v1.0/contact/users/me")
        token = me.headers["x-acs-dingtalk-access-token"]
        assert platforms.tokens[token] == ("dingtalk", "zhang")
    elif method == "wecom":
        gettoken, userinfo = calls
        assert (gettoken.verb, gettoken.path) == ("GET", "/cgi-bin/gettoken")
        assert gettoken.query == {"corpid": app.client_id, "corpsecret": app.secret}
        assert (userinfo.verb, userinfo.path) == ("GET", "/cgi-bin/auth/getuserinfo")
        assert set(userinfo.query) == {"access_token", "code"}
        assert userinfo.query["code"] == code
        assert platforms.tokens[userinfo.query["access_token"]][0] == "wecom"
    else:
        exchange, info = calls
        assert (exchange.verb, exchange.path) == ("POST", "/open-apis/authen/v2/oauth/token")
        assert exchange.headers["content-type"] == "application/json"
        assert exchange.body == {
            "grant_type": "authorization_code",
            "client_id": app.client_id,
            "client_secret": app.secret,
            "code": code,
            "redirect_uri": callback("feishu"),
        }
        assert (info.verb, info.path) == ("GET", "/open-apis/authen/v1/user_info")
        scheme, token = info.headers["authorization"].split(" ")
        assert scheme == "Bearer" and platforms.tokens[token] == ("feishu", "zhang")


@pytest.mark.parametrize("inside", [False, True], ids=["desktop", "in-app"])
@pytest.mark.parametrize("method", METHODS)
def test_the_person_matched_is_signed_in_and_lands_where_they_were_going(
    client, platforms, zhang, method, inside
):
    subject = member(platforms, method, "zhang")
    agent = IN_APP[method] if inside else DESKTOP
    if inside:  # opened from the app's workbench: the sign-in page sends them on by itself
        page = client.get("/login/?next=/tasks/", HTTP_USER_AGENT=agent)
        location = client.get(page["Location"], HTTP_USER_AGENT=agent)["Location"]
    else:  # the button on the sign-in page
        location = start(client, method, "/tasks/")
    back = at_platform(location, "zhang")
    assert query_of(back)["state"] == query_of(location)["state"]
    code = query_of(back)["authCode" if method == "dingtalk" else "code"]

    response = come_back(client, back, agent)
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert who_is_signed_in(client) == zhang
    assert client.session[BACKEND_SESSION_KEY] == "duban.sso.backends.SignedInElsewhere"
    assert client.session["duban_sso"] == {}  # the state is spent
    page = client.get("/tasks/", HTTP_USER_AGENT=agent)
    assert page.status_code == 200 and page.context["user"] == zhang
    identity = Identity.objects.get()
    assert (identity.method, identity.subject, identity.person) == (method, subject, zhang)
    assert identity.last_used_at == f.NOW
    what_duban_sent(platforms, method, code)
    assert all(c.used for c in platforms.codes.values())


@pytest.mark.parametrize("method", METHODS)
def test_the_identity_is_remembered_and_finds_the_person_after_their_details_change(
    client, platforms, zhang, method
):
    member(platforms, method, "zhang")
    assert sign_in(client, method, "zhang")["Location"] == "/tasks/"
    Identity.objects.update(last_used_at=None)
    # The platform's mobile number changes, and duban's user name is corrected:
    # neither matches any more, but the platform's id for the person is the same.
    member(platforms, method, "zhang", mobile="13912345678", userid="liaison_a")
    give(zhang, username="zhang.lianluo", phone="010-6655 4433")

    again = Client()
    response = sign_in(again, method, "zhang", next_url="/inbox/")
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert who_is_signed_in(again) == zhang
    identity = Identity.objects.get()
    assert identity.person == zhang and identity.last_used_at == f.NOW


@pytest.mark.parametrize(
    "method, in_duban, platform_says",
    [
        ("dingtalk", "13800001111", "13800001111"),
        ("dingtalk", "+8613800001111", "13800001111"),
        ("dingtalk", "13800001111", "+86 138-0000-1111"),
        ("feishu", "13800001111", "+8613800001111"),
        ("feishu", "+86 13800001111", "+8613800001111"),
        ("dingtalk", "+86 138-0000-1111", "13800001111"),
        ("feishu", "138 0000 1111", "+8613800001111"),
        ("feishu", "(+86) 138.0000.1111", "13800001111"),
    ],
)
def test_the_mobile_number_matches_whichever_way_it_is_written(
    client, platforms, liaison_a, method, in_duban, platform_says
):
    give(liaison_a, phone=in_duban)
    member(platforms, method, "zhang", mobile=platform_says)
    response = sign_in(client, method, "zhang")
    assert response["Location"] == "/tasks/"
    assert who_is_signed_in(client) == liaison_a


@pytest.mark.parametrize("method", PHONE_MATCHED)
def test_a_near_miss_on_the_mobile_number_is_no_match(client, platforms, liaison_a, method):
    give(liaison_a, phone="13800001112")
    member(platforms, method, "zhang")
    message = refusal(client, sign_in(client, method, "zhang"))
    assert "duban has no person with that mobile number" in message


def test_two_people_with_the_same_mobile_number_are_refused(client, platforms, zhang, liaison_b):
    give(liaison_b, phone="+86 13800001111")
    member(platforms, "dingtalk", "zhang")
    message = refusal(client, sign_in(client, "dingtalk", "zhang"))
    assert "Several people in duban have the mobile number 13800001111" in message
    assert not Identity.objects.exists()


def test_where_they_were_going_must_be_duban(client, platforms, zhang):
    member(platforms, "feishu", "zhang")
    response = sign_in(client, "feishu", "zhang", next_url="https://evil.example/phish")
    assert response.status_code == 302 and response["Location"] == "/"
    assert who_is_signed_in(client) == zhang


def test_with_no_next_they_land_at_home(client, platforms, zhang):
    member(platforms, "wecom", "zhang")
    response = sign_in(client, "wecom", "zhang", next_url=None)
    assert response.status_code == 302 and response["Location"] == "/"


# --- refused: never signed in, never a 500, the reason on the sign-in page ---------------------


REFUSED_CODE = {
    "dingtalk": "不合法的临时授权码",
    "wecom": "invalid code",
    "feishu": "The authorization code is not found or has been used.",
}


@pytest.mark.parametrize("method", METHODS)
def test_a_code_the_platform_never_issued_is_refused(client, platforms, zhang, method):
    member(platforms, method, "zhang")
    back = at_platform(start(client, method), "zhang")
    forged = with_query(back, **{"authCode" if method == "dingtalk" else "code": "f0rg3d"})
    message = refusal(client, come_back(client, forged), HTTP_ACCEPT_LANGUAGE="en")
    assert message == (
        f"{LABELS[method]} did not accept the sign-in ({REFUSED_CODE[method]}): it may have "
        "expired or been used already. Sign in again."
    )
    assert not Identity.objects.exists()


@pytest.mark.parametrize("method", METHODS)
def test_an_expired_code_is_refused(client, platforms, zhang, method):
    member(platforms, method, "zhang")
    back = at_platform(start(client, method), "zhang")
    platforms.expire()  # they took too long
    message = refusal(client, come_back(client, back))
    assert f"{LABELS[method]} did not accept the sign-in" in message


@pytest.mark.parametrize("method", METHODS)
def test_a_code_used_once_is_refused_the_second_time(client, platforms, zhang, method):
    member(platforms, method, "zhang")
    back = at_platform(start(client, method), "zhang")
    assert come_back(client, back)["Location"] == "/tasks/"
    key = "authCode" if method == "dingtalk" else "code"
    used = query_of(back)[key]

    # The very same address again (the back button): its state is spent; they
    # stay who they were.
    message = refusal(client, come_back(client, back), still=zhang)
    assert message == "This sign-in was not started here or has expired. Sign in again."
    thief = Client()
    # The code with a state the thief's own browser started: the platform refuses it.
    fresh = at_platform(start(thief, method), "zhang")
    replayed = with_query(fresh, **{key: used})
    message = refusal(thief, come_back(thief, replayed))
    assert f"{LABELS[method]} did not accept the sign-in ({REFUSED_CODE[method]})" in message


@pytest.mark.parametrize("method", METHODS)
def test_a_state_this_browser_did_not_start_is_refused_and_the_code_not_spent(
    client, platforms, zhang, method
):
    member(platforms, method, "zhang")
    back = at_platform(start(client, method), "zhang")

    stranger = Client()  # another browser, handed the address (login CSRF)
    message = refusal(stranger, come_back(stranger, back))
    assert message == "This sign-in was not started here or has expired. Sign in again."
    assert platforms.api_calls == []  # duban did not even spend the code
    # A made-up state in the right browser, and none at all, likewise.
    for state in ("made-up", ""):
        message = refusal(client, come_back(client, with_query(back, state=state)))
        assert "not started here" in message
    assert platforms.api_calls == []
    # The browser that started it still signs in with it.
    assert come_back(client, back)["Location"] == "/tasks/"
    assert who_is_signed_in(client) == zhang


def test_a_state_started_for_another_platform_is_refused(client, platforms, zhang):
    member(platforms, "feishu", "zhang")
    dingtalk_state = query_of(start(client, "dingtalk"))["state"]
    back = at_platform(start(client, "feishu"), "zhang")
    message = refusal(client, come_back(client, with_query(back, state=dingtalk_state)))
    assert "not started here" in message
    assert platforms.api_calls == []


def test_the_refusals_are_in_the_persons_language(platforms, zhang):
    member(platforms, "dingtalk", "zhang")
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    stale = at_platform(start(browser, "dingtalk"), "zhang")
    come_back(browser, stale)
    browser.logout()
    message = refusal(browser, come_back(browser, stale))
    assert message == "此次登录不是从本页发起的或已过期，请重新登录。"
    forged = with_query(at_platform(start(browser, "dingtalk"), "zhang"), authCode="f0rg3d")
    message = refusal(browser, come_back(browser, forged))
    assert message == (
        "钉钉未通过此次登录（不合法的临时授权码）：授权可能已过期或已被使用，请重新登录。"
    )


def test_someone_wecom_says_is_not_a_member_is_refused(client, platforms, zhang):
    outsider(platforms, "visitor")
    people = Person.objects.count()
    message = refusal(client, sign_in(client, "wecom", "visitor"))
    assert message == "WeCom says you are not a member of this organisation's WeCom."
    assert Person.objects.count() == people and not Identity.objects.exists()
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    message = refusal(zh, sign_in(zh, "wecom", "visitor"))
    assert message == "企业微信显示您不是本单位企业微信的成员。"


@pytest.mark.parametrize(
    "method, known_as, what",
    [
        ("dingtalk", "13999999999", "mobile number"),
        ("wecom", "wangwu", "user name"),
        ("feishu", "+8613999999999", "mobile number"),
    ],
)
def test_a_person_unknown_to_duban_is_refused_with_why_and_nothing_made(
    client, platforms, zhang, method, known_as, what
):
    member(platforms, method, "wang", mobile="13999999999", userid="wangwu", name="王五")
    people = Person.objects.count()
    message = refusal(client, sign_in(client, method, "wang"), HTTP_ACCEPT_LANGUAGE="en")
    assert message == (
        f"{LABELS[method]} knows you as {known_as}, but duban has no person with that {what}: "
        "ask the supervision office to add you or correct your record."
    )
    assert Person.objects.count() == people and not Identity.objects.exists()
    assert client.get("/tasks/").status_code == 302  # not signed in


def test_a_person_unknown_to_duban_is_told_so_in_chinese(platforms, zhang):
    member(platforms, "feishu", "wang", mobile="13999999999", name="王五")
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    message = refusal(browser, sign_in(browser, "feishu", "wang"))
    assert message == (
        "飞书中您的身份是 +8613999999999，但督办中没有该手机号的人员："
        "请联系督查室添加您或更正您的信息。"
    )


@pytest.mark.parametrize("method", PHONE_MATCHED)
def test_a_platform_that_does_not_give_the_mobile_number_is_refused(
    client, platforms, zhang, method
):
    member(platforms, method, "zhang", mobile=None)  # the app lacks the permission
    message = refusal(client, sign_in(client, method, "zhang"))
    assert message == (
        f"{LABELS[method]} did not give your mobile number, which duban matches people by."
    )


@pytest.mark.parametrize("method", METHODS)
def test_a_person_switched_off_stays_out(client, platforms, zhang, method):
    member(platforms, method, "zhang")
    assert sign_in(client, method, "zhang")["Location"] == "/tasks/"  # remembered
    give(zhang, is_active=False)
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    message = refusal(browser, sign_in(browser, method, "zhang"))
    assert message == "您的督办账号已停用，请联系督查室。"
    # Never remembered: matched by the field, and refused as switched off too
    # (not taken for a stranger), nothing remembered.
    Identity.objects.all().delete()
    message = refusal(browser, sign_in(browser, method, "zhang"))
    assert message == "您的督办账号已停用，请联系督查室。"
    assert not Identity.objects.exists()


@pytest.mark.parametrize("method", METHODS)
def test_with_creation_on_a_person_switched_off_gets_no_second_account(
    client, platforms, settings, zhang, method
):
    settings.DUBAN_SSO_CREATE = True
    give(zhang, is_active=False)
    member(platforms, method, "zhang")
    people = Person.objects.count()
    message = refusal(client, sign_in(client, method, "zhang"))
    assert message == "Your duban account is switched off: ask the supervision office."
    assert Person.objects.count() == people and not Identity.objects.exists()


def test_a_service_account_never_signs_in_this_way(client, platforms, zhang):
    give(zhang, is_service=True)
    member(platforms, "wecom", "zhang")
    refusal(client, sign_in(client, "wecom", "zhang"))
    Identity.objects.create(method="wecom", subject="liaison_a", person=zhang)
    message = refusal(client, sign_in(client, "wecom", "zhang"))
    assert message == "Your duban account is switched off: ask the supervision office."


@pytest.mark.parametrize("method", METHODS)
def test_a_sign_in_cancelled_at_the_platform_is_refused(client, platforms, zhang, method):
    # Feishu sends ?error=access_denied&state=…; the others come back without a code.
    state = query_of(start(client, method))["state"]
    back = f"/login/{method}/callback/?error=access_denied&state={state}"
    message = refusal(client, client.get(back))
    assert message == "The sign-in came back without its code. Sign in again."
    assert platforms.api_calls == []


@pytest.mark.parametrize(
    "method, reason",
    [
        ("dingtalk", "无效的clientSecret"),
        ("wecom", "invalid credential, hint: [secret]"),
        ("feishu", "The client secret is invalid."),
    ],
)
def test_a_wrong_secret_in_the_settings_is_refused_by_the_platform(
    client, platforms, settings, zhang, method, reason
):
    member(platforms, method, "zhang")
    settings.DUBAN_CHAT_LOGIN[method]["secret"] = "not-the-secret"
    message = refusal(client, sign_in(client, method, "zhang"))
    assert f"{LABELS[method]} did not accept the sign-in ({reason})" in message


@pytest.mark.parametrize("method", METHODS)
def test_the_platform_unreachable_is_said_so(client, settings, zhang, method):
    point_at(settings, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    state = query_of(start(client, method))["state"]
    key = "authCode" if method == "dingtalk" else "code"
    response = client.get(f"/login/{method}/callback/?{key}=abc123&state={state}")
    message = refusal(client, response)
    assert message == f"{LABELS[method]} cannot be reached just now; try again in a moment."


def test_the_platform_going_down_mid_sign_in_is_said_so_in_chinese(server, zhang):
    member(server.platforms, "dingtalk", "zhang")
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    back = at_platform(start(browser, "dingtalk"), "zhang")
    server.stop()
    message = refusal(browser, come_back(browser, back))
    assert message == "暂时无法连接钉钉，请稍后再试。"


@pytest.mark.parametrize("method", METHODS)
def test_a_gateway_error_page_instead_of_the_platform_is_said_so(client, platforms, zhang, method):
    member(platforms, method, "zhang")
    back = at_platform(start(client, method), "zhang")
    platforms.garbage = True
    message = refusal(client, come_back(client, back))
    assert message == f"{LABELS[method]} answered what duban cannot read (HTTP 502)."


# --- DUBAN_SSO_CREATE: a newcomer becomes a liaison of no unit ------------------------------


@pytest.mark.parametrize(
    "method, username, full_name, phone",
    [
        ("dingtalk", "dingtalk-iPiSdRkKhM8wangiEiE", "王五", "13999999999"),
        ("wecom", "wangwu", "wangwu", ""),
        ("feishu", "feishu-on_wang7d2e", "王五", "+8613999999999"),
    ],
)
def test_with_creation_on_a_newcomer_is_a_liaison_of_no_unit(
    client, platforms, settings, zhang, method, username, full_name, phone
):
    settings.DUBAN_SSO_CREATE = True
    subject = member(platforms, method, "wang", mobile="13999999999", userid="wangwu", name="王五")
    response = sign_in(client, method, "wang")
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    newcomer = Person.objects.get(username=username)
    assert who_is_signed_in(client) == newcomer
    assert (newcomer.role, newcomer.full_name, newcomer.phone, list(newcomer.units.all())) == (
        Role.LIAISON,
        full_name,
        phone,
        [],
    )
    assert newcomer.is_active and not newcomer.is_staff and not newcomer.has_usable_password()
    identity = Identity.objects.get()
    assert (identity.method, identity.subject, identity.person) == (method, subject, newcomer)
    assert client.get("/tasks/").context["page"].paginator.count == 0  # sees nothing yet
    # Next time the identity finds them; nobody else is made.
    people = Person.objects.count()
    again = Client()
    assert sign_in(again, method, "wang")["Location"] == "/tasks/"
    assert who_is_signed_in(again) == newcomer and Person.objects.count() == people


def test_with_creation_on_a_wecom_outsider_is_still_refused(client, platforms, settings):
    settings.DUBAN_SSO_CREATE = True
    outsider(platforms, "visitor")
    people = Person.objects.count()
    refusal(client, sign_in(client, "wecom", "visitor"))
    assert Person.objects.count() == people
