"""What the pages and the API refused, and the API's writes, into the log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from .log import record
from .models import Outcome

WRITES = ("POST", "PUT", "PATCH", "DELETE")


class AuditRefusalsAndApiWrites:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        status = response.status_code
        token = getattr(request, "api_token", None)
        where: dict[str, Any] = {
            "path": request.path[:200],
            "method": request.method,
            "status": status,
        }
        if token is not None:
            where["token"] = token.prefix
        if status == 403 or (status == 401 and request.path.startswith("/api/")):
            record("access.refused", request=request, outcome=Outcome.REFUSED, detail=where)
        elif token is not None and request.method in WRITES:
            outcome = Outcome.OK if status < 400 else Outcome.FAILED
            record("api.write", request=request, outcome=outcome, detail=where)
        return response
