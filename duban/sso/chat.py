"""Signing in from DingTalk, WeCom and Feishu: on the desktop by scanning a
QR code, inside their apps without a second password (免登: their in-app
browser answers the OAuth redirect for the signed-in member by itself).

Each platform's documented calls, from the authorization code to who the
person is (the addresses are settings, so 专有钉钉 and Lark deployments, and
the tests' local server, stand in for the public ones):

DingTalk   GET  {login}/oauth2/auth?client_id&redirect_uri&response_type=code
                &scope=openid&state&prompt=consent   → back with ?authCode=&state=
           POST {api}/v1.0/oauth2/userAccessToken {clientId, clientSecret, code,
                grantType: "authorization_code"}     → {accessToken, expireIn}
           GET  {api}/v1.0/contact/users/me (x-acs-dingtalk-access-token)
                                                     → {unionId, openId, nick, mobile, email}
WeCom      GET  {oauth}/connect/oauth2/authorize?appid&redirect_uri&response_type=code
                &scope=snsapi_base&state&agentid#wechat_redirect   (in the app)
           GET  {qr}/wwlogin/sso/login?login_type=CorpApp&appid&agentid&redirect_uri&state
                                                     (the desktop's QR code) → ?code=&state=
           GET  {api}/cgi-bin/gettoken?corpid&corpsecret → {errcode: 0, access_token}
           GET  {api}/cgi-bin/auth/getuserinfo?access_token&code → {errcode: 0, userid}
Feishu     GET  {accounts}/open-apis/authen/v1/authorize?client_id&redirect_uri&state
                                                     → ?code=&state=
           POST {api}/open-apis/authen/v2/oauth/token {grant_type: "authorization_code",
                client_id, client_secret, code, redirect_uri} → {code: 0, access_token}
           GET  {api}/open-apis/authen/v1/user_info (Bearer) → {code: 0, data: {union_id,
                open_id, user_id, name, mobile, email, employee_no}}
政务钉钉    GET  {login}/oauth2/auth.htm?response_type=code&client_id&redirect_uri
(浙政钉,         &scope=get_user_info&authType=QRCODE&state   (the desktop's QR code)
 专有钉钉)                                              → ?code=&state=
           inside the app: the JS bridge's getAuthCode() (gdt-jsapi) → auth_code
           GET  {api}/gettoken.json?appkey&appsecret   → {success, content: {success,
                data: {accessToken, expiresIn}}}
           POST {api}/rpc/oauth2/getuserinfo_bycode.json access_token&code     (QR)
           POST {api}/rpc/oauth2/dingtalk_app_user.json access_token&auth_code (in the app)
                → {success, content: {success, data: {accountId, account, lastName,
                   employeeCode, tenantUserId, …}, responseCode, responseMessage}}
           Every call is signed (the platform's HMAC scheme): headers apiKey,
           X-Hmac-Auth-Timestamp (2026-12-01T10:00:00.000+08:00), X-Hmac-Auth-Nonce,
           X-Hmac-Auth-Version 1.0 and X-Hmac-Auth-Signature = base64(HMAC-SHA256(app
           secret, "METHOD\ntimestamp\nnonce\npath\nk1=v1&k2=v2" with the parameters
           sorted by name)).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Method

CHAT_METHODS = (Method.DINGTALK, Method.WECOM, Method.FEISHU, Method.ZWDD)


class PlatformError(Exception):
    """The platform refused the code (wrong, used or expired) or could not be
    reached; the message says which, in the person's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Who:
    """What the platform says of the person."""

    subject: str  # the platform's stable id, remembered as the Identity
    claims: dict[str, str]  # the values duban may match on: userid, mobile, email, …
    name: str = ""
    email: str = ""


def enabled(method: str) -> bool:
    config = settings.DUBAN_CHAT_LOGIN.get(method) or {}
    return bool(config.get("client_id") and config.get("secret"))


def config(method: str) -> dict[str, str]:
    return settings.DUBAN_CHAT_LOGIN[method]


def in_app(user_agent: str) -> str | None:
    """Which platform's in-app browser this is (their user agents say so;
    政务钉钉's says TaurusApp, and often DingTalk too)."""
    agent = user_agent or ""
    if "TaurusApp" in agent:
        return Method.ZWDD
    if "wxwork" in agent:
        return Method.WECOM
    if "DingTalk" in agent or "AliApp(DingTalk" in agent:
        return Method.DINGTALK
    if "Lark" in agent or "Feishu" in agent:
        return Method.FEISHU
    return None


def authorize_url(method: str, redirect_uri: str, state: str, *, inside: bool) -> str:
    c = config(method)
    if method == Method.DINGTALK:
        query = {
            "client_id": c["client_id"],
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "openid",
            "state": state,
            "prompt": "consent",
        }
        return f"{c['login_url']}/oauth2/auth?{urllib.parse.urlencode(query)}"
    if method == Method.WECOM:
        if inside:
            query = {
                "appid": c["client_id"],
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": "snsapi_base",
                "state": state,
                "agentid": c["agent_id"],
            }
            return (
                f"{c['oauth_url']}/connect/oauth2/authorize?{urllib.parse.urlencode(query)}"
                "#wechat_redirect"
            )
        query = {
            "login_type": "CorpApp",
            "appid": c["client_id"],
            "agentid": c["agent_id"],
            "redirect_uri": redirect_uri,
            "state": state,
        }
        return f"{c['qr_url']}/wwlogin/sso/login?{urllib.parse.urlencode(query)}"
    if method == Method.ZWDD:
        query = {
            "response_type": "code",
            "client_id": c.get("qr_client_id") or c["client_id"],
            "redirect_uri": redirect_uri,
            "scope": "get_user_info",
            "authType": "QRCODE",
            "state": state,
        }
        return f"{c['login_url']}/oauth2/auth.htm?{urllib.parse.urlencode(query)}"
    query = {"client_id": c["client_id"], "redirect_uri": redirect_uri, "state": state}
    return f"{c['login_url']}/open-apis/authen/v1/authorize?{urllib.parse.urlencode(query)}"


def _unreachable(method: str) -> PlatformError:
    return PlatformError(
        _("%(platform)s cannot be reached just now; try again in a moment.")
        % {"platform": str(Method(method).label)}
    )


def _refused(method: str, reason: Any) -> PlatformError:
    return PlatformError(
        _(
            "%(platform)s did not accept the sign-in (%(reason)s): it may have expired or "
            "been used already. Sign in again."
        )
        % {"platform": str(Method(method).label), "reason": reason}
    )


def _call(method: str, verb: str, url: str, **kwargs: Any) -> dict[str, Any]:
    label = str(Method(method).label)
    try:
        response = httpx.request(verb, url, timeout=settings.OIDC_TIMEOUT, **kwargs)
    except httpx.HTTPError:
        raise _unreachable(method) from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise PlatformError(
            _("%(platform)s answered what duban cannot read (HTTP %(status)s).")
            % {"platform": label, "status": response.status_code}
        )
    refused = response.status_code >= 400 or answer.get("errcode") not in (None, 0)
    refused = refused or answer.get("code") not in (None, 0)
    if refused:
        reason = (
            answer.get("errmsg")
            or answer.get("message")
            or answer.get("msg")
            or answer.get("error_description")  # Feishu's OAuth v2 token errors
            or ""
        )
        raise _refused(method, str(reason)[:200] or response.status_code)
    return answer


def zwdd_signature(secret: str, verb: str, stamp: str, nonce: str, path: str, params: dict) -> str:
    text = "&".join(f"{key}={params[key]}" for key in sorted(params))
    digest = hmac.new(
        secret.encode(), f"{verb}\n{stamp}\n{nonce}\n{path}\n{text}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def _zwdd(c: dict[str, str], verb: str, path: str, params: dict, key: str, secret: str) -> Any:
    """One signed call to 政务钉钉's open platform; its ``content.data``."""
    now = timezone.localtime(timezone.now(), dt.timezone(dt.timedelta(hours=8)))
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+08:00"
    nonce = f"{int(now.timestamp() * 1000)}{secrets.randbelow(10000):04d}"
    headers = {
        "apiKey": key,
        "X-Hmac-Auth-Timestamp": stamp,
        "X-Hmac-Auth-Nonce": nonce,
        "X-Hmac-Auth-Version": "1.0",
        "X-Hmac-Auth-IP": c.get("client_ip") or "127.0.0.1",
        "X-Hmac-Auth-MAC": c.get("client_mac") or "00:00:00:00:00:00",
        "X-Hmac-Auth-Signature": zwdd_signature(secret, verb, stamp, nonce, path, params),
    }
    url = f"{c['api_url']}{path}"
    try:
        response = httpx.request(
            verb,
            url,
            headers=headers,
            params=params if verb == "GET" else None,
            data=params if verb != "GET" else None,
            timeout=settings.OIDC_TIMEOUT,
        )
        answer = response.json()
    except httpx.HTTPError:
        raise _unreachable(Method.ZWDD) from None
    except ValueError:
        answer = None
    content = answer.get("content") if isinstance(answer, dict) else None
    if not isinstance(content, dict) or not answer.get("success") or not content.get("success"):
        reason = ""
        if isinstance(content, dict):
            reason = str(content.get("responseMessage") or content.get("responseCode") or "")
        elif isinstance(answer, dict):
            reason = str(answer.get("errorMsg") or answer.get("errorCode") or "")
        raise _refused(Method.ZWDD, reason[:200] or response.status_code)
    return content.get("data")


def _identify_zwdd(c: dict[str, str], code: str, *, in_app: bool) -> Who:
    # The QR login is its own app at the platform (扫码登录应用); the in-app
    # sign-in belongs to the H5 app people open in the workbench.
    key, secret = (c["client_id"], c["secret"])
    if in_app and c.get("app_key"):
        key, secret = c["app_key"], c["app_secret"]
    token = _zwdd(c, "GET", "/gettoken.json", {"appkey": key, "appsecret": secret}, key, secret)
    access = str((token or {}).get("accessToken") or "")
    if in_app:
        data = _zwdd(
            c,
            "POST",
            "/rpc/oauth2/dingtalk_app_user.json",
            {"access_token": access, "auth_code": code},
            key,
            secret,
        )
    else:
        data = _zwdd(
            c,
            "POST",
            "/rpc/oauth2/getuserinfo_bycode.json",
            {"access_token": access, "code": code},
            key,
            secret,
        )
    data = data if isinstance(data, dict) else {}
    return Who(
        subject=str(data.get("accountId") or ""),
        claims={
            "account": str(data.get("account") or ""),
            "employeeCode": str(data.get("employeeCode") or ""),
            "accountId": str(data.get("accountId") or ""),
        },
        name=str(data.get("lastName") or data.get("nickNameCn") or ""),
    )


def identify(method: str, code: str, redirect_uri: str, *, in_app: bool = False) -> Who:
    """Who the authorization code belongs to, from the platform itself
    (``in_app``: 政务钉钉's JS bridge gave it, not its QR sign-in)."""
    if not code or len(code) > 512:
        raise PlatformError(_("The sign-in came back without its code. Sign in again."))
    c = config(method)
    if method == Method.ZWDD:
        return _identify_zwdd(c, code, in_app=in_app)
    if method == Method.DINGTALK:
        token = _call(
            method,
            "POST",
            f"{c['api_url']}/v1.0/oauth2/userAccessToken",
            json={
                "clientId": c["client_id"],
                "clientSecret": c["secret"],
                "code": code,
                "grantType": "authorization_code",
            },
        ).get("accessToken")
        me = _call(
            method,
            "GET",
            f"{c['api_url']}/v1.0/contact/users/me",
            headers={"x-acs-dingtalk-access-token": str(token or "")},
        )
        return Who(
            subject=str(me.get("unionId") or ""),
            claims={
                "userid": str(me.get("unionId") or ""),
                "mobile": str(me.get("mobile") or ""),
                "email": str(me.get("email") or ""),
            },
            name=str(me.get("nick") or ""),
            email=str(me.get("email") or ""),
        )
    if method == Method.WECOM:
        token = _call(
            method,
            "GET",
            f"{c['api_url']}/cgi-bin/gettoken",
            params={"corpid": c["client_id"], "corpsecret": c["secret"]},
        ).get("access_token")
        user = _call(
            method,
            "GET",
            f"{c['api_url']}/cgi-bin/auth/getuserinfo",
            params={"access_token": str(token or ""), "code": code},
        )
        userid = str(user.get("userid") or user.get("UserId") or "")
        if not userid:
            raise PlatformError(_("WeCom says you are not a member of this organisation's WeCom."))
        return Who(subject=userid, claims={"userid": userid})
    token = _call(
        method,
        "POST",
        f"{c['api_url']}/open-apis/authen/v2/oauth/token",
        json={
            "grant_type": "authorization_code",
            "client_id": c["client_id"],
            "client_secret": c["secret"],
            "code": code,
            "redirect_uri": redirect_uri,
        },
    ).get("access_token")
    data = _call(
        method,
        "GET",
        f"{c['api_url']}/open-apis/authen/v1/user_info",
        headers={"Authorization": f"Bearer {token or ''}"},
    ).get("data")
    data = data if isinstance(data, dict) else {}
    return Who(
        subject=str(data.get("union_id") or data.get("open_id") or ""),
        claims={
            "userid": str(data.get("user_id") or ""),
            "mobile": str(data.get("mobile") or ""),
            "email": str(data.get("enterprise_email") or data.get("email") or ""),
            "employee_no": str(data.get("employee_no") or ""),
        },
        name=str(data.get("name") or ""),
        email=str(data.get("email") or ""),
    )
