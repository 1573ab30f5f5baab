"""Every answer under /api/ that is an error is a problem (RFC 9457), also
the ones Django or ninja give before an operation runs: a path that does not
exist (404), a method the path does not take (405), a body too large to
read (413, duban.work.uploads)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from duban.work.uploads import limits_text

from .problems import PROBLEM, problem

PREFIX = "/api/"


def _detail(status: int) -> str:
    if status == 404:
        return _("There is no such operation: see /api/v1/docs.")
    if status == 405:
        return _("This address does not take that method: see /api/v1/docs.")
    if status == 413:
        return _("This request is too large for the site.") + " " + limits_text()
    return _("The request cannot be answered.")


class ProblemsForTheApi:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith((PROBLEM, "application/json"))
        ):
            replaced = problem(response.status_code, _detail(response.status_code))
            if response.has_header("Allow"):
                replaced["Allow"] = response["Allow"]
            return replaced
        return response
