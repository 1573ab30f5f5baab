from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from duban.org.http import AuthedRequest

from .charts import overview


@login_required
def cockpit(request: AuthedRequest) -> HttpResponse:
    return render(request, "cockpit/overview.html", overview(request.user))
