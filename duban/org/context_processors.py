from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def person(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from duban.work.queries import inbox_count

    return {"inbox_count": inbox_count(user)}
