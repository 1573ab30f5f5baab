"""DingTalk, WeCom and Feishu played by one HTTP server on 127.0.0.1, for the
chat sign-in tests (tests/sso/test_chat.py).

It answers each platform's documented calls as the platform does, shapes
and status codes included (duban.sso.chat's docstring lists them):

- the sign-in pages (DingTalk's /oauth2/auth, WeCom's in-app
  /connect/oauth2/authorize and desktop /wwlogin/sso/login, Feishu's
  /open-apis/authen/v1/authorize) check the app's id and send the browser back
  to redirect_uri with a fresh authorization code and the state, for whoever
  the request's ``X-Signed-In`` header names (the person signed in to the app,
  or who scanned the QR code);
- the code exchanges accept only codes this server issued, each once, not
  expired, for the app it was issued to (and, for Feishu, the same
  redirect_uri), and only the app's own secret;
- the user calls accept only the tokens they handed out.

Every request is recorded (``server.seen``) so the tests can check what duban
sent."""

from __future__ import annotations

import json
import secrets
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class App:
    """One platform app as its console shows it."""

    client_id: str  # DingTalk's Client ID (AppKey), WeCom's corpid, Feishu's App ID
    secret: str  # Client Secret, the app's Secret, App Secret
    agent_id: str = ""  # WeCom's AgentId


APPS = {
    "dingtalk": App("dingvkxq1a2b3c4d5e6f", "dt-secret-0123456789"),
    "wecom": App("ww5f3a9e0c1d2b4a67", "wecom-secret-abcdef", "1000002"),
    "feishu": App("cli_a5b6c7d8e9f01234", "feishu-secret-xyz987"),
}


@dataclass
class Seen:
    verb: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class Code:
    method: str
    account: str
    redirect_uri: str
    used: bool = False
    expired: bool = False


@dataclass
class Platforms:
    """The server's state: the members of each platform (account → what the
    platform says of them), the codes and tokens it issued, what it saw."""

    port: int = 0
    members: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {"dingtalk": {}, "wecom": {}, "feishu": {}}
    )
    codes: dict[str, Code] = field(default_factory=dict)
    tokens: dict[str, tuple[str, str]] = field(default_factory=dict)  # token → (method, account)
    seen: list[Seen] = field(default_factory=list)
    garbage: bool = False  # answer every API call with a gateway's HTML error page
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def issue(self, method: str, account: str, redirect_uri: str = "") -> str:
        """A fresh authorization code for ``account``, as the platform's sign-in page gives."""
        code = secrets.token_hex(16)
        with self.lock:
            self.codes[code] = Code(method, account, redirect_uri)
        return code

    def expire(self) -> None:
        """Time passes at the platform: every code not yet used expires (DingTalk's
        and Feishu's last five minutes, WeCom's five)."""
        with self.lock:
            for code in self.codes.values():
                code.expired = True

    def calls(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]

    @property
    def api_calls(self) -> list[Seen]:
        pages = ("/oauth2/auth", "/connect/oauth2/authorize", "/wwlogin/sso/login")
        return [
            s for s in self.seen if s.path not in pages and not s.path.endswith("/v1/authorize")
        ]

    # --- the platforms' answers: (HTTP status, JSON body) ------------------------------

    def _take(self, method: str, code: str, *, redirect_uri: str | None = None) -> str | None:
        """The account the code was issued to, spending it; None if it is not good."""
        with self.lock:
            found = self.codes.get(code)
            if (
                found is None
                or found.used
                or found.expired
                or found.method != method
                or (redirect_uri is not None and found.redirect_uri != redirect_uri)
            ):
                return None
            found.used = True
            return found.account

    def _token(self, method: str, account: str) -> str:
        token = secrets.token_hex(16)
        with self.lock:
            self.tokens[token] = (method, account)
        return token

    def _owner(self, method: str, token: str) -> str | None:
        with self.lock:
            found = self.tokens.get(token)
        return found[1] if found and found[0] == method else None

    def answer(
        self, verb: str, path: str, query: dict[str, str], body: Any, headers: dict[str, str]
    ) -> tuple[int, Any]:
        route = {
            ("POST", "/v1.0/oauth2/userAccessToken"): self.dingtalk_token,
            ("GET", "/v1.0/contact/users/me"): self.dingtalk_me,
            ("GET", "/cgi-bin/gettoken"): self.wecom_gettoken,
            ("GET", "/cgi-bin/auth/getuserinfo"): self.wecom_getuserinfo,
            ("POST", "/open-apis/authen/v2/oauth/token"): self.feishu_token,
            ("GET", "/open-apis/authen/v1/user_info"): self.feishu_user_info,
        }.get((verb, path))
        if route is None:
            return 404, {"message": f"no such API: {verb} {path}"}
        if self.garbage:
            return 502, "<html><body><h1>502 Bad Gateway</h1></body></html>"
        return route(query, body if isinstance(body, dict) else {}, headers)

    # DingTalk: https://open.dingtalk.com/document/orgapp/obtain-user-token
    def dingtalk_token(self, query: dict, body: dict, headers: dict) -> tuple[int, Any]:
        app = APPS["dingtalk"]
        if body.get("clientId") != app.client_id:
            return 400, {"code": "invalidClientId", "message": "无效的clientId"}
        if body.get("clientSecret") != app.secret:
            return 400, {"code": "invalidClientSecret", "message": "无效的clientSecret"}
        if body.get("grantType") != "authorization_code":
            return 400, {"code": "invalidGrantType", "message": "grantType不合法"}
        account = self._take("dingtalk", str(body.get("code") or ""))
        if account is None:
            return 400, {"code": "invalidAuthCode", "message": "不合法的临时授权码"}
        return 200, {
            "accessToken": self._token("dingtalk", account),
            "refreshToken": secrets.token_hex(16),
            "expireIn": 7200,
            "corpId": "ding0123456789abcdef",
        }

    # https://open.dingtalk.com/document/orgapp/dingtalk-retrieve-user-information
    def dingtalk_me(self, query: dict, body: dict, headers: dict) -> tuple[int, Any]:
        account = self._owner("dingtalk", headers.get("x-acs-dingtalk-access-token", ""))
        if account is None:
            return 401, {"code": "InvalidAuthentication", "message": "不合法的access_token"}
        return 200, {"stateCode": "86", **self.members["dingtalk"][account]}

    # WeCom: https://developer.work.weixin.qq.com/document/path/91039
    def wecom_gettoken(self, query: dict, body: dict, headers: dict) -> tuple[int, Any]:
        app = APPS["wecom"]
        if query.get("corpid") != app.client_id:
            return 200, {"errcode": 40013, "errmsg": "invalid corpid"}
        if query.get("corpsecret") != app.secret:
            return 200, {"errcode": 40001, "errmsg": "invalid credential, hint: [secret]"}
        return 200, {
            "errcode": 0,
            "errmsg": "ok",
            "access_token": self._token("wecom", ""),  # the app's token, no one's
            "expires_in": 7200,
        }

    # https://developer.work.weixin.qq.com/document/path/91023
    def wecom_getuserinfo(self, query: dict, body: dict, headers: dict) -> tuple[int, Any]:
        if self._owner("wecom", query.get("access_token", "")) is None:
            return 200, {"errcode": 40014, "errmsg": "invalid access_token"}
        account = self._take("wecom", query.get("code", ""))
        if account is None:
            return 200, {"errcode": 40029, "errmsg": "invalid code"}
        member = self.members["wecom"][account]
        if "userid" not in member:  # not in the organisation: WeCom gives only an openid
            return 200, {"errcode": 0, "errmsg": "ok", **member}
        return 200, {
            "errcode": 0,
            "errmsg": "ok",
            "userid": member["userid"],
            "user_ticket": secrets.token_hex(16),
            "expires_in": 1800,
        }

    # Feishu: https://open.feishu.cn/document/authentication-management/access-token/get-user-access-token
    def feishu_token(self, query: dict, body: dict, headers: dict) -> tuple[int, Any]:
        app = APPS["feishu"]
        if body.get("grant_type") != "authorization_code":
            return 400, {
                "code": 20001,
                "error": "invalid_request",
                "error_description": "The grant_type is not supported.",
            }
        if body.get("client_id") != app.client_id or body.get("client_secret") != app.secret:
            return 400, {
                "code": 20002,
                "error": "invalid_client",
                "error_description": "The client secret is invalid.",
            }
        account = self._take(
            "feishu", str(body.get("code") or ""), redirect_uri=str(body.get("redirect_uri") or "")
        )
        if account is None:
            return 400, {
                "code": 20003,
                "error": "invalid_grant",
                "error_description": "The authorization code is not found or has been used.",
            }
        return 200, {
            "code": 0,
            "access_token": self._token("feishu", account),
            "expires_in": 7200,
            "token_type": "Bearer",
            "scope": "auth:user.id:read",
        }

    # https://open.feishu.cn/document/server-docs/authentication-management/login-state-management/get
    def feishu_user_info(self, query: dict, body: dict, headers: dict) -> tuple[int, Any]:
        bearer = headers.get("authorization", "")
        account = self._owner("feishu", bearer.removeprefix("Bearer "))
        if not bearer.startswith("Bearer ") or account is None:
            return 401, {"code": 99991668, "msg": "Invalid access token for authorization."}
        return 200, {"code": 0, "msg": "success", "data": self.members["feishu"][account]}

    # --- the sign-in pages the browser is sent to ----------------------------------------

    def sign_in_page(self, path: str, query: dict[str, str], account: str) -> tuple[int, str]:
        """Where the platform's sign-in page sends the browser (a Location), or
        why it refuses (an error page)."""
        pages = {  # path → the platform, the query key naming the app, what it insists on
            "/oauth2/auth": ("dingtalk", "client_id", {"response_type": "code", "scope": "openid"}),
            "/connect/oauth2/authorize": (
                "wecom",
                "appid",
                {
                    "response_type": "code",
                    "scope": "snsapi_base",
                    "agentid": APPS["wecom"].agent_id,
                },
            ),
            "/wwlogin/sso/login": (
                "wecom",
                "appid",
                {"login_type": "CorpApp", "agentid": APPS["wecom"].agent_id},
            ),
            "/open-apis/authen/v1/authorize": ("feishu", "client_id", {}),
        }
        if path not in pages:
            return 404, "no such page"
        method, app_key, wanted = pages[path]
        app_id = query.get(app_key)
        if app_id != APPS[method].client_id:
            return 400, "unknown app"
        for key, value in wanted.items():
            if query.get(key) != value:
                return 400, f"{key} must be {value}"
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri.startswith("http://testserver/"):  # the app's trusted domain
            return 400, "redirect_uri is not the app's trusted domain"
        if account not in self.members[method]:
            return 403, "not a member"
        code = self.issue(method, account, redirect_uri)
        back = {"authCode" if method == "dingtalk" else "code": code, "state": query["state"]}
        return 302, f"{redirect_uri}?{urllib.parse.urlencode(back)}"


def _handler(platforms: Platforms) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                body: Any = json.loads(raw.decode("utf-8")) if raw else None
            except ValueError:
                body = raw
            with platforms.lock:
                platforms.seen.append(Seen(self.command, parts.path, query, body, headers))
            if self.command == "GET" and "x-signed-in" in headers:
                status, text = platforms.sign_in_page(parts.path, query, headers["x-signed-in"])
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", text)
                data = text.encode()
                self.send_header("Content-Type", "text/html; charset=utf-8")
            else:
                status, answer = platforms.answer(self.command, parts.path, query, body, headers)
                self.send_response(status)
                if isinstance(answer, str):
                    data = answer.encode()
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                else:
                    data = json.dumps(answer, ensure_ascii=False).encode()
                    self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve  # noqa: N815 - the http.server names

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


class PlatformServer:
    """``with PlatformServer() as platforms:`` serves on 127.0.0.1 until the
    block ends, or until ``stop()`` (then nothing listens on the port)."""

    def __init__(self) -> None:
        self.platforms = Platforms()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.platforms))
        self.server.daemon_threads = True
        self.platforms.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.stopped = False

    def __enter__(self) -> PlatformServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)

    def __exit__(self, *exc: Any) -> None:
        self.stop()
