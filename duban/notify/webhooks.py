"""Outgoing webhooks: an office's other systems told of what happens, signed.

What is told comes from the record, never from the services: the task
timeline (``TaskEvent``), the warnings' history (``WarningEvent``) and the
projects' stage moves (``StageMove``), each read past its own cursor by the
worker every minute, as the in-app fan-out reads the timeline. An event goes
to every enabled endpoint of an office whose subtree holds the object's unit
(the task's lead unit, the project's responsible unit): what the office's
staff see on their pages, nothing more. Each (endpoint, event) is one row in
the outbox, so a repeat read queues nothing twice, and the outbox sends it
with its retries and back-off.

The post (documented for receivers in docs/api.md):

    POST <url>
    Content-Type: application/json
    Duban-Event: task.assigned
    Duban-Delivery: 1234            (the outbox row: the same on every retry)
    Duban-Signature: t=1764590400,v1=<hex>

``v1`` is HMAC-SHA256 with the endpoint's secret over ``"{t}." + body`` (the
raw bytes of the body). ``t`` is the time of this attempt, in seconds: a
receiver refuses a signature more than five minutes old, and a replay with it.
Any 2xx answer counts as received; anything else, a redirect included, is
retried.

Addresses: HTTPS, on a public address. An address that names or resolves to a
loopback, private, link-local or otherwise reserved address is refused when
the endpoint is saved and again at each attempt (a name can start resolving
elsewhere), unless its host is listed in ``DUBAN_WEBHOOK_EXTRA_HOSTS``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import urllib.parse
from collections.abc import Sequence
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.lib import rules
from duban.org.models import Unit
from duban.projects.models import StageMove
from duban.supervision.models import WarningEvent
from duban.work.models import EventKind, TaskEvent

from .hooks import SendError
from .models import Channel, Delivery, Endpoint, EventType, FanoutCursor
from .render import absolute

SIGNATURE = "Duban-Signature"
TOLERANCE_SECONDS = 300
BATCH = 500
# Read this far behind each cursor (see duban.notify.fanout.OVERLAP).
OVERLAP = 200

FROM_TIMELINE = {
    EventKind.CREATED: EventType.TASK_ASSIGNED,
    EventKind.CLAIMED: EventType.TASK_CLAIMED,
    EventKind.REPORT_SUBMITTED: EventType.REPORT_SUBMITTED,
    EventKind.REPORT_ACCEPTED: EventType.REPORT_ACCEPTED,
    EventKind.REPORT_RETURNED: EventType.REPORT_RETURNED,
    EventKind.NOTICE_ISSUED: EventType.NOTICE_ISSUED,
    EventKind.CLOSED: EventType.TASK_CLOSED,
}
FROM_WARNINGS = {
    WarningEvent.Kind.RAISED: EventType.WARNING_RAISED,
    WarningEvent.Kind.ESCALATED: EventType.WARNING_ESCALATED,
}


# --- addresses ---------------------------------------------------------------------


def _extra(host: str, port: int | None) -> bool:
    extra = settings.DUBAN_WEBHOOK_EXTRA_HOSTS
    return host in extra or (port is not None and f"{host}:{port}" in extra)


def _refused(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _parts(url: str) -> tuple[urllib.parse.SplitResult, str, int | None]:
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise ValidationError(_("This is not a web address."))
    try:
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        raise ValidationError(_("This is not a web address.")) from None
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise ValidationError(_("This is not a web address: it must start with https://."))
    return parts, host, port


def validate_endpoint_url(url: str) -> str:
    """The address, cleaned, or a ValidationError that says what is wrong."""
    url = (url or "").strip()
    parts, host, port = _parts(url)
    if _extra(host, port):
        return url
    if parts.scheme != "https":
        raise ValidationError(_("A webhook address must start with https://."))
    try:
        literal = _refused(host.strip("[]"))
    except ValueError:
        literal = host == "localhost" or host.endswith(".localhost")
    if literal:
        raise ValidationError(
            _(
                "%(host)s is an internal address: webhooks go to other systems' public "
                "addresses (an operator can allow a host in DUBAN_WEBHOOK_EXTRA_HOSTS)."
            )
            % {"host": host}
        )
    return url


def check_destination(url: str) -> None:
    """Refuse, before a post, an address that now resolves inside the network."""
    try:
        parts, host, port = _parts(url)
    except ValidationError as error:
        raise SendError(" ".join(error.messages)) from None
    if _extra(host, port):
        return
    if parts.scheme != "https":
        raise SendError("the address is not https")
    try:
        found = socket.getaddrinfo(host.strip("[]"), port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise SendError(f"cannot resolve {host}: {error}") from None
    for *_rest, address in found:
        if _refused(str(address[0])):
            raise SendError(f"{host} resolves to an internal address ({address[0]})")


# --- signing -------------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Duban-Signature`` header's value for one post."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def post(endpoint: Endpoint, delivery: Delivery, *, now: float | None = None) -> None:
    """Post one event; raise SendError with the reason when it was not received."""
    check_destination(endpoint.url)
    body = delivery.body.encode()
    stamp = int(time.time() if now is None else now)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "duban-webhooks/1",
        "Duban-Event": delivery.subject,
        "Duban-Delivery": str(delivery.pk),
        SIGNATURE: signature(endpoint.secret, stamp, body),
    }
    try:
        response = httpx.post(
            endpoint.url,
            content=body,
            headers=headers,
            timeout=settings.DUBAN_WEBHOOK_TIMEOUT,
            follow_redirects=False,
        )
    except httpx.HTTPError as error:
        raise SendError(f"{type(error).__name__}: {error}") from None
    if not 200 <= response.status_code < 300:
        raise SendError(f"HTTP {response.status_code}: {response.text[:300]}")


# --- what is told --------------------------------------------------------------------


def _unit(unit: Unit | None) -> dict[str, Any] | None:
    if unit is None:
        return None
    return {"id": unit.pk, "code": unit.code, "name": unit.name, "name_en": unit.name_en}


def _actor(person: Any) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"id": person.pk, "username": person.username, "name": str(person)}


def _task(task: Any) -> dict[str, Any]:
    return {
        "id": task.pk,
        "serial": task.serial,
        "title": task.title,
        "title_en": task.title_en,
        "lead_unit": _unit(task.lead_unit),
        "deadline": None if task.is_long_term else task.deadline.isoformat(),
        "long_term": task.is_long_term,
        "url": absolute(reverse("task_detail", args=[task.pk])),
        "api": absolute(f"/api/v1/tasks/{task.pk}"),
    }


def _from_task_event(event: TaskEvent) -> dict[str, Any]:
    data = event.data or {}
    about: dict[str, Any] = {"task": _task(event.task), "actor": _actor(event.actor)}
    if event.kind in (
        EventKind.REPORT_SUBMITTED,
        EventKind.REPORT_ACCEPTED,
        EventKind.REPORT_RETURNED,
    ):
        about["report"] = {
            "id": data.get("report"),
            "period": data.get("period"),
            "unit": _unit(event.unit),
            **({"percent": data["percent"]} if "percent" in data else {}),
            **({"late": bool(data["late"])} if "late" in data else {}),
            ("text" if event.kind == EventKind.REPORT_SUBMITTED else "comment"): event.text,
        }
    elif event.kind == EventKind.NOTICE_ISSUED:
        about["notice"] = {
            "id": data.get("notice_id"),
            "number": data.get("notice"),
            "answer_by": data.get("new"),
            "reason": event.text,
        }
    elif event.kind == EventKind.CLOSED:
        about["comment"] = event.text
    return about


def _from_warning_event(event: WarningEvent) -> dict[str, Any]:
    warning = event.warning
    return {
        "task": _task(warning.task),
        "warning": {
            "id": warning.pk,
            "rule": warning.rule,
            "level": event.level,
            "unit": _unit(warning.unit),
            # The facts as stored (dates) with their days counted to the event's day.
            "facts": rules.counted(warning.rule, event.facts, timezone.localdate(event.at)),
        },
    }


def _from_stage_move(move: StageMove) -> dict[str, Any]:
    project = move.project
    return {
        "actor": _actor(move.actor),
        "project": {
            "id": project.pk,
            "code": project.code,
            "name": project.name,
            "name_en": project.name_en,
            "unit": _unit(project.unit),
            "url": absolute(reverse("project_detail", args=[project.pk])),
            "api": absolute(f"/api/v1/projects/{project.pk}"),
        },
        "move": {
            "kind": move.kind,
            "from": move.from_stage,
            "to": move.to_stage,
            "on": move.on.isoformat(),
            "reason": move.reason,
        },
    }


def envelope(kind: str, key: str, at: Any, office: Unit, about: dict[str, Any]) -> str:
    return json.dumps(
        {
            "id": key,
            "type": kind,
            "occurred_at": at.isoformat(),
            "office": _unit(office),
            **about,
        },
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=False,
    )


def ping(endpoint: Endpoint, *, now: Any = None) -> Delivery:
    """Queue a test post to one endpoint (each press is a new one)."""
    now = now or timezone.now()
    # A random part: two presses within the clock's resolution (or a double
    # click under a frozen clock) are two pings, not a unique-key error.
    key = f"ping:{endpoint.pk}:{now.timestamp()}:{secrets.token_hex(4)}"
    return Delivery.objects.create(
        channel=Channel.WEBHOOK,
        key=key,
        endpoint=endpoint,
        address=endpoint.url[:254],
        subject="ping",
        body=envelope("ping", key, now, endpoint.office, {"endpoint": endpoint.name}),
        created_at=now,
        next_attempt_at=now,
    )


# --- the fan-out ----------------------------------------------------------------------


class _Lost(Exception):
    """Another worker moved the cursor first."""


SOURCES: dict[str, Any] = {
    "webhook:timeline": TaskEvent,
    "webhook:warnings": WarningEvent,
    "webhook:stages": StageMove,
}


def start_cursors() -> None:
    """Make the cursors that do not exist yet, at the end of their record: an
    endpoint hears of what happens from the moment it is made, not the past."""
    have = set(FanoutCursor.objects.filter(name__in=SOURCES).values_list("name", flat=True))
    for name, model in SOURCES.items():
        if name not in have:
            last = model.objects.aggregate(n=Max("pk"))["n"] or 0
            FanoutCursor.objects.get_or_create(name=name, defaults={"last_id": last})


def fan_out(*, now: Any = None) -> int:
    """Queue the posts for what happened since the last run; the number queued."""
    start_cursors()
    endpoints = list(Endpoint.objects.filter(enabled=True).select_related("office"))
    queued = 0
    for name in SOURCES:
        try:
            with transaction.atomic():
                queued += _read(name, endpoints, now=now or timezone.now())
        except _Lost:
            pass
    return queued


def _batch(name: str, after: int) -> Sequence[Any]:
    if name == "webhook:timeline":
        return list(
            TaskEvent.objects.filter(pk__gt=after, kind__in=list(FROM_TIMELINE))
            .select_related("task__lead_unit", "actor", "unit")
            .order_by("pk")[:BATCH]
        )
    if name == "webhook:warnings":
        return list(
            WarningEvent.objects.filter(pk__gt=after, kind__in=list(FROM_WARNINGS))
            .select_related("warning__task__lead_unit", "warning__unit")
            .order_by("pk")[:BATCH]
        )
    return list(
        StageMove.objects.filter(pk__gt=after)
        .select_related("project__unit", "actor")
        .order_by("pk")[:BATCH]
    )


def _told(name: str, row: Any) -> tuple[str, Unit | None, dict[str, Any]]:
    """The event type, the unit it belongs to, and what the post says."""
    if name == "webhook:timeline":
        return FROM_TIMELINE[row.kind], row.task.lead_unit, _from_task_event(row)
    if name == "webhook:warnings":
        return FROM_WARNINGS[row.kind], row.warning.task.lead_unit, _from_warning_event(row)
    return EventType.STAGE_MOVED, row.project.unit, _from_stage_move(row)


def _read(name: str, endpoints: list[Endpoint], *, now: Any) -> int:
    cursor = FanoutCursor.objects.get(name=name)
    rows = _batch(name, max(cursor.last_id - OVERLAP, 0)) if endpoints else []
    out: list[Delivery] = []
    for row in rows:
        kind, unit, about = _told(name, row)
        at = row.at
        key = f"{kind}:{row.pk}"
        for endpoint in endpoints:
            if kind not in endpoint.events or at < endpoint.created_at:
                continue
            if unit is None or not unit.path.startswith(endpoint.office.path):
                continue
            out.append(
                Delivery(
                    channel=Channel.WEBHOOK,
                    key=key,
                    endpoint=endpoint,
                    address=endpoint.url[:254],
                    subject=kind,
                    body=envelope(kind, key, at, endpoint.office, about),
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    Delivery.objects.bulk_create(out, batch_size=500, ignore_conflicts=True)
    last = cursor.last_id
    if rows:
        last = max(last, rows[-1].pk)
    elif not endpoints:  # nobody to tell: keep up with the record
        last = max(last, SOURCES[name].objects.aggregate(n=Max("pk"))["n"] or 0)
    if last != cursor.last_id:
        moved = FanoutCursor.objects.filter(name=name, last_id=cursor.last_id).update(last_id=last)
        if not moved:
            raise _Lost
    return len(out)
