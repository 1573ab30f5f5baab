"""``Idempotency-Key`` on POSTs: a retried request (a timeout, a lost answer)
is done once. The first answer is stored with the key, in the same
transaction as the work; the same key with the same request gets that answer
again (``Idempotent-Replayed: true``), with another request a 422."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from ninja import Schema

from duban.audit.middleware import audited, record_api_write
from duban.org.models import Person
from duban.org.scope import scope_of

from .models import AnsweredRequest
from .problems import problem

Answer = tuple[int, type[Schema], Any]
MAX_KEY = 255


def render(status: int, schema: type[Schema], data: Any) -> HttpResponse:
    body = schema.model_validate(data).model_dump_json(by_alias=False)
    return HttpResponse(body, status=status, content_type="application/json")


def _replay(stored: AnsweredRequest) -> HttpResponse:
    response = HttpResponse(
        bytes(stored.body), status=stored.status, content_type=stored.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _fingerprint(request: HttpRequest) -> str:
    """Method, path and what was sent: the body, or for a multipart request
    (already read into POST and FILES) its fields and each file's content."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    try:
        digest.update(request.body)
    except RawPostDataException:
        for name, values in sorted(request.POST.lists()):
            digest.update(f"{name}={values}\n".encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                digest.update(f"{name}:{upload.name}:{upload.size}\n".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    return digest.hexdigest()


def answer_once(request: HttpRequest, work: Callable[[], Answer]) -> HttpResponse:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        scope_of(request.user)
        with transaction.atomic():
            response = render(*work())
            recorded = record_api_write(request, response.status_code)
        if recorded:
            audited(request)
        return response
    if len(key) > MAX_KEY or not key.isprintable():
        return problem(400, _("An Idempotency-Key is up to 255 printable characters."))
    person = cast(Person, request.user)
    fingerprint = _fingerprint(request)
    earlier = AnsweredRequest.objects.filter(person=person, key=key).first()
    if earlier is not None:
        if earlier.fingerprint != fingerprint:
            return problem(
                422, _("This Idempotency-Key was used for another request: use a new key.")
            )
        return _replay(earlier)
    # Every write checks the caller's scope: read it (it is kept on the
    # person) before the transaction, which on SQLite holds the write lock.
    # The write's audit row commits with it.
    scope_of(person)
    try:
        with transaction.atomic():
            response = render(*work())
            AnsweredRequest.objects.create(
                person=person,
                key=key,
                fingerprint=fingerprint,
                status=response.status_code,
                body=response.content,
                content_type=response["Content-Type"],
            )
            recorded = record_api_write(request, response.status_code)
    except IntegrityError:
        # The same request at the same moment: the other one did the work, and
        # this one's writes were rolled back with it.
        earlier = AnsweredRequest.objects.filter(person=person, key=key).first()
        if earlier is None:
            raise
        return _replay(earlier)
    if recorded:
        audited(request)
    return response
