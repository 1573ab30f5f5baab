"""What the server log says about a request that went wrong.

Django logs every 4xx answer with the exception that caused it, so an ordinary
403 (a liaison opening another unit's task) printed a whole traceback and
buried the 5xx ones that matter. A 4xx is the client's: one line with the
method, the path, the status and who asked is enough. A 5xx keeps its
traceback. Set on the console handler and on ``django.request`` (settings.LOGGING).
"""

from __future__ import annotations

import logging


class OneLineClientErrors(logging.Filter):
    """A 4xx record of a request becomes one line without a traceback:
    ``403 GET /tasks/12/ user=7: Forbidden (Permission denied)``."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        request = getattr(record, "request", None)
        if not isinstance(status, int) or not 400 <= status < 500 or request is None:
            return True
        if getattr(record, "one_line", False):
            return True  # already rewritten (the logger's filter, then the handler's)
        what = record.getMessage().split(":", 1)[0]
        record.msg = "%s %s %s user=%s: %s"
        record.args = (
            status,
            getattr(request, "method", "-"),
            _escaped(getattr(request, "path", "-")),
            _user_id(request),
            what,
        )
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        record.one_line = True
        return True


def _user_id(request: object) -> str:
    user = getattr(request, "user", None)
    try:
        if user is None or not user.is_authenticated:
            return "-"
        return str(user.pk)
    except Exception:  # noqa: BLE001 - a log line never raises (the session may be gone)
        return "?"


def _escaped(path: object) -> str:
    # As Django escapes the path it logs: no line breaks or control characters injected.
    return str(path).encode("unicode_escape").decode("ascii")
