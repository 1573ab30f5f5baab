"""Errors as ``application/problem+json`` (RFC 9457), worded in the caller's
language (``Accept-Language``, read by Django's LocaleMiddleware)."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils.translation import gettext as _

PROBLEM = "application/problem+json"


def _title(status: int) -> str:
    titles = {
        400: _("Bad request"),
        401: _("Not signed in"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        412: _("Changed by someone else"),
        413: _("Too large"),
        422: _("Cannot be done as asked"),
        428: _("Precondition required"),
        429: _("Too many requests"),
    }
    return titles.get(status, _("Error"))


def problem(
    status: int,
    detail: str,
    *,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _title(status),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        status=status,
        content_type=PROBLEM,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response
