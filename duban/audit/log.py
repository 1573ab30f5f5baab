"""Writing and checking the security audit log.

Each row's ``hash`` is SHA-256 over the previous row's hash and the row's own
fields (``canonical``); the first row follows 64 zeros. An edited field, a
removed row or a row put in between breaks the chain at that row, which
``verify`` (``duban audit verify``) names. Appends are serialised by a lock
on the chain's head row, inside the caller's transaction: a change that is
rolled back takes its audit row with it; a refusal is recorded after the
refused work was undone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, AuditHead, Outcome

GENESIS = "0" * 64


def current_algorithm() -> str | None:
    return "sm3" if getattr(settings, "DUBAN_CRYPTO", "") == "gm" else None


def canonical(row: AuditEvent) -> bytes:
    at = row.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    fields = [
        row.prev_hash,
        str(row.id),
        at,
        "" if row.actor_id is None else str(row.actor_id),
        row.actor,
        row.action,
        row.outcome,
        row.address or "",
        row.user_agent,
        row.object_type,
        row.object_id,
        json.dumps(row.detail, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
    ]
    if row.algorithm:  # named in what it covers (rows of SHA-256 predate the field)
        fields.append(row.algorithm)
    return "\x1f".join(fields).encode()


def digest(row: AuditEvent) -> str:
    if row.algorithm == "sm3":
        sm3 = hashes.Hash(hashes.SM3())
        sm3.update(canonical(row))
        return sm3.finalize().hex()
    if row.algorithm:
        raise ValueError(f"unknown hash {row.algorithm!r}")
    return hashlib.sha256(canonical(row)).hexdigest()


def _address(request: Any) -> str | None:
    raw = (getattr(request, "META", {}) or {}).get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def _storable(value: Any) -> Any:
    """The detail as every database keeps it: no NUL character (PostgreSQL's
    JSON refuses one; a hostile filter or file name may carry it)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {str(k).replace("\x00", "\ufffd"): _storable(v) for k, v in value.items()}
    return value


def record(
    action: str,
    *,
    request: Any = None,
    actor: Any = None,
    outcome: str = Outcome.OK,
    target: Any = None,
    object_type: str = "",
    object_id: Any = "",
    detail: dict[str, Any] | None = None,
    **more: Any,
) -> AuditEvent:
    """Append one row. ``actor``: the person (else the request's signed-in
    user, else nobody); ``target``: the object acted on (its model name and
    id), or ``object_type``/``object_id``; ``detail``: what else to keep
    (never a password, a token or a secret), as ``detail`` or keywords."""
    detail = {**(detail or {}), **more}
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if getattr(user, "is_authenticated", False) else None
    if target is not None:
        object_type = object_type or target._meta.model_name
        object_id = object_id or target.pk
    agent = ""
    if request is not None:
        agent = str(request.META.get("HTTP_USER_AGENT", ""))[:300]
    with transaction.atomic():
        head, _created = AuditHead.objects.select_for_update().get_or_create(pk=1)
        row = AuditEvent(
            id=head.last_id + 1,
            at=timezone.now(),
            actor_id=getattr(actor, "pk", None),
            actor=str(getattr(actor, "username", "") or "")[:150],
            action=action[:40],
            outcome=outcome,
            address=_address(request),
            user_agent=agent.replace("\x00", ""),
            object_type=str(object_type)[:40],
            object_id=str(object_id).replace("\x00", "")[:64],
            detail=_storable(json.loads(json.dumps(detail, default=str))),
            prev_hash=head.last_hash,
            algorithm=current_algorithm(),
        )
        row.hash = digest(row)
        row.save(force_insert=True)
        AuditHead.objects.filter(pk=1).update(last_id=row.id, last_hash=row.hash)
    return row


def _pruned_up_to(first: AuditEvent) -> bool:
    """Whether a recorded pruning removed exactly the rows before ``first``."""
    return any(
        p.detail.get("first_kept") == first.id
        and p.detail.get("first_kept_prev_hash") == first.prev_hash
        for p in AuditEvent.objects.filter(action="audit.pruned", id__gt=first.id)
    )


@dataclass
class Break:
    id: int
    why: str


def verify(batch: int = 2000) -> Iterator[Break]:
    """Every place the chain does not hold, from the oldest row kept."""
    previous: AuditEvent | None = None
    after = 0
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=after).order_by("id")[:batch])
        if not rows:
            break
        for row in rows:
            if previous is None and row.id != 1 and not _pruned_up_to(row):
                yield Break(row.id, f"rows 1–{row.id - 1} are missing and were not pruned")
            if previous is not None:
                if row.id != previous.id + 1:
                    yield Break(row.id, f"rows {previous.id + 1}–{row.id - 1} are missing")
                if row.prev_hash != previous.hash:
                    yield Break(row.id, "it does not follow the row before it")
            try:
                matches = digest(row) == row.hash
            except ValueError:
                matches = False
            if not matches:
                yield Break(row.id, "its content does not match its hash (edited)")
            previous = row
        after = rows[-1].id
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and previous is not None and head.last_id != previous.id:
        yield Break(head.last_id, "the newest rows are missing")
    if head is not None and previous is None and head.last_id:
        yield Break(head.last_id, "every row is missing")
