"""What the pages and the API refused, and the API's writes, into the log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from .log import record
from .models import Outcome

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _where(request: HttpRequest, status: int) -> dict[str, Any]:
    where: dict[str, Any] = {"path": request.path[:200], "method": request.method, "status": status}
    token = getattr(request, "api_token", None)
    if token is not None:
        where["token"] = token.prefix
    return where


def record_api_write(request: HttpRequest, status: int) -> bool:
    """The ``api.write`` row of a token's write, in the caller's transaction
    (False: not a token's write, nothing recorded). The API writes it before
    its own transaction commits (one transaction, not two, and never a write
    without its row) and, once committed, marks the request ``audited``; the
    middleware below then leaves it. A write refused or failed before that
    gets its row from the middleware."""
    if getattr(request, "api_token", None) is None or request.method not in WRITES:
        return False
    outcome = Outcome.OK if status < 400 else Outcome.FAILED
    record("api.write", request=request, outcome=outcome, detail=_where(request, status))
    return True


def audited(request: HttpRequest) -> None:
    request._duban_write_audited = True  # type: ignore[attr-defined]


class AuditRefusalsAndApiWrites:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        status = response.status_code
        if status == 403 or (status == 401 and request.path.startswith("/api/")):
            where = _where(request, status)
            record("access.refused", request=request, outcome=Outcome.REFUSED, detail=where)
        elif not getattr(request, "_duban_write_audited", False):
            record_api_write(request, status)
        return response
