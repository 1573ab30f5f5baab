"""The server log: a 4xx is one line (method, path, status, user id), a 5xx keeps
its traceback (duban/ops/logs.py, settings.LOGGING)."""

from __future__ import annotations

import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.log import log_response

pytestmark = pytest.mark.django_db


def _request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "django.request"]


def test_an_ordinary_403_is_one_line_without_a_traceback(as_, task, leader, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = as_(leader).get(f"/tasks/{task.pk}/report/")
    assert response.status_code == 403
    (record,) = _request_records(caplog)
    assert record.exc_info is None and record.exc_text is None
    line = record.getMessage()
    assert (
        line == f"403 GET /tasks/{task.pk}/report/ user={leader.pk}: Forbidden (Permission denied)"
    )
    assert "\n" not in caplog.text.strip()
    assert "Traceback" not in caplog.text


def test_a_404_names_the_method_path_and_who_asked(as_, task, liaison_b, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = as_(liaison_b).post("/no-such-page/")
    assert response.status_code in (403, 404)  # a POST may meet the CSRF check first
    (record,) = _request_records(caplog)
    assert record.getMessage().startswith(
        f"{response.status_code} POST /no-such-page/ user={liaison_b.pk}: "
    )
    assert record.exc_info is None


def test_an_anonymous_request_is_user_dash_and_the_path_cannot_break_the_line(caplog):
    request = RequestFactory().get("/x")
    request.path = "/x\nFAKE 200 GET /admin/"  # as a hostile client could send it
    with caplog.at_level(logging.WARNING, logger="django.request"):
        try:
            raise PermissionError("nope")
        except PermissionError as error:
            log_response(
                "Forbidden (Permission denied): %s",
                request.path,
                response=HttpResponse(status=403),
                request=request,
                exception=error,
            )
    (record,) = _request_records(caplog)
    assert (
        record.getMessage()
        == "403 GET /x\\nFAKE 200 GET /admin/ user=-: Forbidden (Permission denied)"
    )
    assert record.exc_info is None


def test_a_5xx_keeps_its_traceback(caplog):
    request = RequestFactory().get("/cockpit/")
    with caplog.at_level(logging.WARNING, logger="django.request"):
        try:
            raise ZeroDivisionError("a bug")
        except ZeroDivisionError as error:
            log_response(
                "Internal Server Error: %s",
                request.path,
                response=HttpResponse(status=500),
                request=request,
                exception=error,
            )
    (record,) = _request_records(caplog)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError
    assert record.getMessage() == "Internal Server Error: /cockpit/"
    assert "Traceback" in caplog.text
