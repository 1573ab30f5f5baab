"""What one request may carry, before it is read.

The services check the files a request brings (duban.work.attachments:
each file's type and size, how many and how large together, the unit's
quota) and answer on the form, with what the person typed kept. A request
far larger than any form of duban takes is refused before Django reads its
body (Django bounds a form's fields, DATA_UPLOAD_MAX_MEMORY_SIZE, and the
number of its files, DATA_UPLOAD_MAX_NUMBER_FILES, but not the size of its
files): :class:`BoundedRequest`, first of FILE_UPLOAD_HANDLERS, looks at its
declared length. The refusal, like Django's own for too many files or
fields, goes to :func:`bad_request` (the site's handler400), which says
which limit it was, in the person's language.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


class RequestTooLarge(RequestDataTooBig):
    """A multipart request declaring more bytes than duban accepts."""


def request_limit() -> int:
    """The most bytes a multipart request may declare: the files' limit
    together and the form's fields beside them."""
    return settings.DUBAN_MAX_UPLOAD_REQUEST_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class BoundedRequest(FileUploadHandler):
    """Refuses a multipart body longer than :func:`request_limit` before a
    byte of it is read (nothing is written to disk); otherwise lets the
    next handlers receive the files."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        if content_length > request_limit():
            raise RequestTooLarge(f"multipart body of {content_length} bytes")

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def limits_text() -> str:
    return _(
        "A form can send at most %(files)s files at once, %(each)s each and %(total)s together."
    ) % {
        "files": settings.DUBAN_MAX_UPLOAD_FILES,
        "each": filesizeformat(settings.DUBAN_MAX_UPLOAD_BYTES),
        "total": filesizeformat(settings.DUBAN_MAX_UPLOAD_REQUEST_BYTES),
    }


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 400 page (413 for a request too large), saying why when it was
    the size or the number of files or fields. Rendered without the
    request's context, as Django's own: no menu, no forms."""
    status, reason = 400, ""
    if isinstance(exception, RequestDataTooBig):
        if isinstance(exception, RequestTooLarge):
            status = 413
        reason = _("This request is too large for the site.") + " " + limits_text()
    elif isinstance(exception, TooManyFilesSent):
        reason = _("This request sends too many files.") + " " + limits_text()
    elif isinstance(exception, TooManyFieldsSent):
        reason = _("This form sends too many fields; open the page again and send it from there.")
    body = loader.render_to_string("400.html", {"reason": reason})
    return HttpResponse(body, status=status)
