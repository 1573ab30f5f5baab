"""Chat robots: which addresses are accepted, and the post each provider expects.

DingTalk:  POST {"msgtype": "markdown", "markdown": {"title", "text"}}; with
           "加签", `timestamp` (ms) and `sign` = base64(HMAC-SHA256(secret,
           "{timestamp}\\n{secret}")) are added to the address. Answers {"errcode": 0}.
WeCom:     POST {"msgtype": "markdown", "markdown": {"content"}}. Answers {"errcode": 0}.
Feishu:    POST {"msg_type": "text", "content": {"text"}}; with a secret, the body
           carries `timestamp` (s) and `sign` = base64(HMAC-SHA256(key="{timestamp}\\n
           {secret}", msg="")). Answers {"code": 0} (older: {"StatusCode": 0}).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import HookKind

PROVIDERS = {
    HookKind.DINGTALK: ({"oapi.dingtalk.com"}, "/robot/send", "access_token"),
    HookKind.WECOM: ({"qyapi.weixin.qq.com"}, "/cgi-bin/webhook/send", "key"),
    HookKind.FEISHU: ({"open.feishu.cn", "open.larksuite.com"}, "/open-apis/bot/v2/hook/", None),
}


def validate_hook_url(kind: str, url: str) -> str:
    """The address, cleaned, or a ValidationError that says what is wrong."""
    url = (url or "").strip()
    # urlsplit quietly drops tabs and newlines inside an address; the saved
    # address would keep them and every post to it would fail.
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise ValidationError(_("This is not a web address."))
    try:
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        raise ValidationError(_("This is not a web address.")) from None
    if parts.scheme not in ("http", "https") or not host:
        raise ValidationError(_("This is not a web address: it must start with https://."))
    netloc = f"{host}:{port}" if port else host
    if host in settings.DUBAN_WEBHOOK_EXTRA_HOSTS or netloc in settings.DUBAN_WEBHOOK_EXTRA_HOSTS:
        return url
    if kind not in PROVIDERS:
        raise ValidationError(_("Choose the kind of chat robot."))
    hosts, path, token = PROVIDERS[HookKind(kind)]
    label = HookKind(kind).label
    if parts.scheme != "https":
        raise ValidationError(_("A chat robot address must start with https://."))
    if host not in hosts or port not in (None, 443):
        raise ValidationError(
            _("A %(kind)s address is on %(hosts)s, not on %(host)s.")
            % {"kind": label, "hosts": " / ".join(sorted(hosts)), "host": netloc}
        )
    if token:
        query = urllib.parse.parse_qs(parts.query)
        if parts.path != path or not query.get(token, [""])[0]:
            raise ValidationError(
                _("A %(kind)s address looks like https://%(host)s%(path)s?%(token)s=…")
                % {"kind": label, "host": sorted(hosts)[0], "path": path, "token": token}
            )
    elif not parts.path.startswith(path) or len(parts.path) <= len(path):
        raise ValidationError(
            _("A %(kind)s address looks like https://%(host)s%(path)s…")
            % {"kind": label, "host": sorted(hosts)[0], "path": path}
        )
    return url


def redacted(url: str) -> str:
    """An address without what opens it, for the outbox and the logs: the query
    (DingTalk's access_token, WeCom's key) and any long part of the path
    (Feishu's token) become "…"."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "…"
    path = "/".join("…" if len(part) >= 16 else part for part in parts.path.split("/"))
    return f"{parts.scheme}://{parts.hostname or ''}{path}" + ("?…" if parts.query else "")


def _sign(secret: str, string: str, *, key_is_string: bool) -> str:
    if key_is_string:  # Feishu: the string is the key, the message is empty
        digest = hmac.new(string.encode(), b"", hashlib.sha256).digest()
    else:
        digest = hmac.new(secret.encode(), string.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def build(
    kind: str, url: str, secret: str, title: str, body: str, link: str, now: float | None = None
) -> tuple[str, dict[str, Any]]:
    """The address to post to and the JSON body, for one message."""
    now = time.time() if now is None else now
    if kind == HookKind.DINGTALK:
        text = f"#### {title}\n\n" + "\n\n".join(body.splitlines())
        if link:
            text += f"\n\n[{link}]({link})"
        payload: dict[str, Any] = {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": text},
        }
        if secret:
            stamp = str(int(now * 1000))
            sign = _sign(secret, f"{stamp}\n{secret}", key_is_string=False)
            query = urllib.parse.urlencode({"timestamp": stamp, "sign": sign})
            url = f"{url}{'&' if '?' in url else '?'}{query}"
        return url, payload
    if kind == HookKind.WECOM:
        content = f"**{title}**\n" + body
        if link:
            content += f"\n[{link}]({link})"
        return url, {"msgtype": "markdown", "markdown": {"content": content}}
    text = f"{title}\n{body}" + (f"\n{link}" if link else "")
    payload = {"msg_type": "text", "content": {"text": text}}
    if secret:
        stamp = str(int(now))
        payload["timestamp"] = stamp
        payload["sign"] = _sign(secret, f"{stamp}\n{secret}", key_is_string=True)
    return url, payload


class SendError(Exception):
    pass


def post(kind: str, url: str, secret: str, title: str, body: str, link: str) -> None:
    """Post one message; raise SendError with the reason when it did not arrive."""
    target, payload = build(kind, url, secret, title, body, link)
    try:
        response = httpx.post(target, json=payload, timeout=settings.DUBAN_WEBHOOK_TIMEOUT)
    except httpx.HTTPError as error:
        raise SendError(f"{type(error).__name__}: {error}") from None
    if response.status_code >= 300:
        raise SendError(f"HTTP {response.status_code}: {response.text[:300]}")
    try:
        answer = response.json()
    except ValueError:
        raise SendError(f"HTTP {response.status_code}, not JSON: {response.text[:300]}") from None
    if not isinstance(answer, dict):
        raise SendError(f"unexpected answer: {response.text[:300]}")
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    if code not in (0, "0", None):
        message = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
        raise SendError(f"refused: code {code} {message}".strip())
