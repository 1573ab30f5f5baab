"""Versions on the wire: a read carries its ETag (304 when the caller has it
already); a write that edits what the caller read sends it back in
If-Match, so two writers conflict (412) instead of one overwriting the other."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import HttpError

from duban.work import services

from .idempotency import render


def etag(kind: str, obj: Any) -> str:
    return f'"{kind}{obj.pk}-v{obj.version}"'


def if_match(request: HttpRequest, kind: str, obj: Any) -> int:
    """The version the caller last read, from If-Match, for an edit: 428
    without it, 412 when it is not the current one."""
    version = if_sent(request, kind, obj)
    if version is None:
        raise HttpError(
            428, _("Send the ETag you last read in If-Match, so no one's change is lost.")
        )
    return version


def if_sent(request: HttpRequest, kind: str, obj: Any) -> int | None:
    """The same for an action the service checks on its own (a stage move):
    None without If-Match, 412 when it is stale."""
    sent = request.headers.get("If-Match", "").strip()
    if not sent:
        return None
    if sent != "*" and sent.removeprefix("W/") != etag(kind, obj):
        raise services.ConflictError(
            _("Someone else changed this since you read it: read it again, then edit.")
        )
    return int(obj.version)


def read(
    request: HttpRequest, kind: str, obj: Any, data: Any, schema: type[Schema]
) -> HttpResponse:
    """A read with its ETag; 304 when the caller already has this version."""
    tag = etag(kind, obj)
    if request.headers.get("If-None-Match", "").removeprefix("W/") == tag:
        response = HttpResponse(status=304)
    else:
        response = render(200, schema, data)
    response["ETag"] = tag
    return response
