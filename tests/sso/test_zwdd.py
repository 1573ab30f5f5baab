"""Signing in from 政务钉钉 (浙政钉, 专有钉钉): the QR sign-in on the desktop and
免登 inside the app through its JS bridge, against a local server on
127.0.0.1 that answers as the platform's documented open-platform calls do,
signature check included (done here from the documentation, not with duban's
function)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from duban.org.models import Person
from duban.sso.models import Identity

QR_KEY, QR_SECRET = "zwdd-qr-key", "zwdd-qr-secret"
H5_KEY, H5_SECRET = "zwdd-h5-key", "zwdd-h5-secret"
TAURUS = "Mozilla/5.0 (Linux; Android 12) AppleWebKit/537.36 TaurusApp(zwdd/2.0.0) DingTalk(6.0)"


@dataclass
class Platform:
    """The platform's state: accounts, the codes it gave out (each usable once),
    the tokens it issued, and every call received."""

    port: int = 0
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (kind, account)
    tokens: dict[str, str] = field(default_factory=dict)  # token → app key
    calls: list[tuple[str, str, dict[str, str], dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def code_for(self, account: str, kind: str) -> str:
        code = secrets.token_hex(16)
        with self.lock:
            self.codes[code] = (kind, account)
        return code


def signed_correctly(headers: Any, verb: str, path: str, params: dict[str, str]) -> bool:
    key = headers.get("apiKey")
    secret = {QR_KEY: QR_SECRET, H5_KEY: H5_SECRET}.get(key or "")
    if not secret or headers.get("X-Hmac-Auth-Version") != "1.0":
        return False
    text = "&".join(f"{name}={params[name]}" for name in sorted(params))
    message = "\n".join(
        [verb, headers["X-Hmac-Auth-Timestamp"], headers["X-Hmac-Auth-Nonce"], path, text]
    )
    expected = base64.b64encode(
        hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    ).decode()
    return hmac.compare_digest(expected, headers.get("X-Hmac-Auth-Signature", ""))


def handler(platform: Platform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def answer(self, status: int, body: Any, location: str = "") -> None:
            data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            parts = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parts.query))
            if parts.path == "/oauth2/auth.htm":  # the QR page: the member scans and agrees
                assert query["client_id"] == "duban-qr" and query["authType"] == "QRCODE"
                code = platform.code_for(platform.accounts["scanned"]["account"], "qr")
                back = f"{query['redirect_uri']}?code={code}&state={query['state']}"
                return self.answer(302, None, back)
            self.api("GET", parts.path, query)

        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            self.api(
                "POST", urllib.parse.urlsplit(self.path).path, dict(urllib.parse.parse_qsl(raw))
            )

        def api(self, verb: str, path: str, params: dict[str, str]) -> None:
            with platform.lock:
                platform.calls.append((verb, path, params, dict(self.headers)))
            if not signed_correctly(self.headers, verb, path, params):
                return self.answer(
                    200,
                    {
                        "success": False,
                        "errorCode": "OPF-B001-05-16-0009",
                        "errorMsg": "SignatureDoesNotMatch",
                    },
                )
            if path == "/gettoken.json" and verb == "GET":
                secret = {QR_KEY: QR_SECRET, H5_KEY: H5_SECRET}.get(params.get("appkey", ""))
                if secret != params.get("appsecret"):
                    return self.answer(200, {"success": False, "errorMsg": "appsecret error"})
                token = "app_" + secrets.token_hex(12)
                with platform.lock:
                    platform.tokens[token] = params["appkey"]
                return self.answer(
                    200,
                    {
                        "success": True,
                        "content": {
                            "data": {"accessToken": token, "expiresIn": "7200"},
                            "responseMessage": "OK",
                            "responseCode": "0",
                            "success": True,
                        },
                    },
                )
            kinds = {
                "/rpc/oauth2/getuserinfo_bycode.json": ("qr", "code", QR_KEY),
                "/rpc/oauth2/dingtalk_app_user.json": ("app", "auth_code", H5_KEY),
            }
            if path not in kinds or verb != "POST":
                return self.answer(404, {"success": False, "errorMsg": "no such api"})
            kind, name, app = kinds[path]
            if platform.tokens.get(params.get("access_token", "")) != app:
                return self.answer(
                    200,
                    {
                        "success": True,
                        "content": {
                            "success": False,
                            "responseCode": "240133",
                            "responseMessage": "应用accessToken失效或不存在",
                        },
                    },
                )
            with platform.lock:
                given = platform.codes.pop(params.get(name, ""), None)
            if not given or given[0] != kind:
                return self.answer(
                    200,
                    {
                        "success": True,
                        "content": {
                            "success": False,
                            "responseCode": "240111",
                            "responseMessage": "code失效或不存在",
                        },
                    },
                )
            account = next(a for a in platform.accounts.values() if a["account"] == given[1])
            return self.answer(
                200,
                {
                    "success": True,
                    "content": {
                        "data": account,
                        "success": True,
                        "responseMessage": "成功",
                        "responseCode": "0",
                    },
                },
            )

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


@pytest.fixture
def platform(settings, monkeypatch) -> Iterator[Platform]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "*")
    state = Platform(
        accounts={
            "scanned": {
                "accountId": 100135,
                "account": "liaison_a",
                "lastName": "张联络",
                "employeeCode": "GE_0042",
                "tenantUserId": "12371$100135",
                "realmName": "高新区",
            }
        }
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(state))
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    chat = {method: dict(values) for method, values in settings.DUBAN_CHAT_LOGIN.items()}
    chat["zwdd"].update(
        client_id=QR_KEY,
        secret=QR_SECRET,
        qr_client_id="duban-qr",
        app_key=H5_KEY,
        app_secret=H5_SECRET,
        login_url=state.url,
        api_url=state.url,
    )
    settings.DUBAN_CHAT_LOGIN = chat
    settings.OIDC_TIMEOUT = 5
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def scan(client, platform: Platform, next_url: str = "/tasks/"):
    start = client.get(f"/login/zwdd/?next={next_url}")
    assert start.status_code == 302
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(start["Location"]).query))
    assert query["scope"] == "get_user_info" and query["response_type"] == "code"
    assert query["redirect_uri"] == "http://testserver/login/zwdd/callback/"
    import httpx

    back = httpx.get(start["Location"], follow_redirects=False).headers["location"]
    return client.get(back.removeprefix("http://testserver"))


def test_the_sign_in_page_offers_government_dingtalk_in_both_languages(client, platform, db):
    assert (
        "使用政务钉钉登录" in client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )
    assert (
        "Sign in with Government DingTalk"
        in client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_a_scan_on_the_desktop_signs_in_the_matched_person(client, platform, liaison_a):
    response = scan(client, platform)
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert client.get("/inbox/").context["user"] == liaison_a
    assert Identity.objects.get().subject == "100135"
    token_call, user_call = platform.calls
    assert token_call[:2] == ("GET", "/gettoken.json") and token_call[3]["apiKey"] == QR_KEY
    assert user_call[:2] == ("POST", "/rpc/oauth2/getuserinfo_bycode.json")


def test_matching_on_the_employee_code(client, platform, settings, liaison_b):
    settings.DUBAN_CHAT_LOGIN["zwdd"].update(claim="employeeCode", match="employee_no")
    Person.objects.filter(pk=liaison_b.pk).update(employee_no="GE_0042")
    scan(client, platform)
    assert client.get("/inbox/").context["user"] == liaison_b


def test_inside_the_app_the_page_gets_the_code_from_the_bridge(client, platform, liaison_a):
    opened = client.get("/login/?next=/tasks/%3Fdue%3Dweek", HTTP_USER_AGENT=TAURUS)
    assert opened.status_code == 302 and opened["Location"].startswith("/login/zwdd/")
    page = client.get(opened["Location"], HTTP_USER_AGENT=TAURUS)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="/static/vendor/zwdd/signin.js"' in html
    state = html.split('data-state="')[1].split('"')[0]
    assert 'data-callback="/login/zwdd/callback/"' in html
    # What the bundled script does with the bridge's answer:
    code = platform.code_for("liaison_a", "app")
    done = client.get(f"/login/zwdd/callback/?auth_code={code}&state={state}")
    assert done.status_code == 302 and done["Location"] == "/tasks/?due=week"
    assert client.get("/inbox/").context["user"] == liaison_a
    token_call, user_call = platform.calls
    assert token_call[3]["apiKey"] == H5_KEY  # the H5 app's keys, not the QR app's
    assert user_call[:2] == ("POST", "/rpc/oauth2/dingtalk_app_user.json")
    # The password form stays one link away inside the app.
    assert client.get("/login/?password=1", HTTP_USER_AGENT=TAURUS).status_code == 200


@pytest.mark.parametrize(
    "language, words", [("en", "did not accept the sign-in"), ("zh-hans", "未通过此次登录")]
)
def test_a_used_or_made_up_code_signs_nobody_in(client, platform, liaison_a, language, words):
    start = client.get("/login/zwdd/", HTTP_USER_AGENT=TAURUS).content.decode()
    state = start.split('data-state="')[1].split('"')[0]
    response = client.get(
        f"/login/zwdd/callback/?auth_code=made-up&state={state}", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 302 and response["Location"] == "/login/?password=1"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert words in page and "code失效或不存在" in page
    assert client.get("/inbox/").status_code == 302


def test_a_wrong_secret_is_refused_by_the_platform_and_said(client, platform, settings, liaison_a):
    settings.DUBAN_CHAT_LOGIN["zwdd"]["secret"] = "not-the-secret"
    response = scan(client, platform)
    assert response["Location"] == "/login/?password=1"
    assert "SignatureDoesNotMatch" in client.get("/login/?password=1").content.decode()
    assert client.get("/inbox/").status_code == 302


def test_an_unknown_member_is_refused_with_why(client, platform, db):
    response = scan(client, platform)
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Government DingTalk knows you as liaison_a, but duban has no person" in page
    assert not Person.objects.filter(username="liaison_a").exists()


def test_the_platform_down_is_said_not_a_500(client, platform, settings, liaison_a):
    settings.DUBAN_CHAT_LOGIN["zwdd"]["api_url"] = "http://127.0.0.1:9"
    response = scan(client, platform)
    assert response.status_code == 302
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Government DingTalk cannot be reached just now" in page


def test_not_set_up_it_does_not_exist(client, liaison_a):
    assert client.get("/login/zwdd/").status_code == 404
    assert client.get("/login/", HTTP_USER_AGENT=TAURUS).status_code == 200  # the form
