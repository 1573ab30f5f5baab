"""Keyset ("cursor") pagination over any of the lists' sort orders: the next
page starts after the last row's sort key, so a row added or removed while a
client pages through never shifts or repeats the others (an offset would),
and each page costs the same however deep it is."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q, QuerySet


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Key:
    """One column of a sort order: ``field`` (a model field or an annotation,
    never NULL), descending or not, and how its value reads back from JSON."""

    field: str
    desc: bool = False
    kind: type = int


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decode(raw: Any, kind: type) -> Any:
    try:
        if kind is int and isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if kind is str and isinstance(raw, str):
            return raw
        if kind is Decimal and isinstance(raw, str):
            return Decimal(raw)
        if kind is dt.date and isinstance(raw, str):
            return dt.date.fromisoformat(raw)
        if kind is dt.datetime and isinstance(raw, str):
            return dt.datetime.fromisoformat(raw)
    except (ValueError, InvalidOperation):
        pass
    raise BadCursor(f"bad value {raw!r}")


def _value(row: Any, field: str) -> Any:
    for part in field.split("__"):
        row = getattr(row, part)
    return row


def encode(name: str, keys: Sequence[Key], row: Any) -> str:
    payload = {"s": name, "v": [_encode(_value(row, k.field)) for k in keys]}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def after(name: str, keys: Sequence[Key], cursor: str) -> Q:
    """The rows after the cursor, in the order ``keys`` give."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise BadCursor("unreadable") from error
    if not isinstance(payload, dict) or payload.get("s") != name:
        raise BadCursor("made for another sort order")
    values = payload.get("v")
    if not isinstance(values, list) or len(values) != len(keys):
        raise BadCursor("wrong length")
    decoded = [_decode(v, k.kind) for v, k in zip(values, keys, strict=True)]
    condition = Q()
    for i, key in enumerate(keys):
        step = Q(**{f"{key.field}__{'lt' if key.desc else 'gt'}": decoded[i]})
        for earlier, value in zip(keys[:i], decoded[:i], strict=True):
            step &= Q(**{earlier.field: value})
        condition |= step
    return condition


def page(
    rows: QuerySet[Any], name: str, keys: Sequence[Key], cursor: str | None, size: int
) -> tuple[list[Any], str | None]:
    """One page of ``rows`` ordered by ``keys``, and the cursor of the next (None: last)."""
    if cursor:
        rows = rows.filter(after(name, keys, cursor))
    ordered = rows.order_by(*[f"-{k.field}" if k.desc else k.field for k in keys])
    found = list(ordered[: size + 1])
    more = len(found) > size
    found = found[:size]
    return found, (encode(name, keys, found[-1]) if more and found else None)
