"""What each row of the security audit log says, in the reader's language.

An action is stored as a stable key (``login.failed``, ``export``); the page,
its filter and the export show its label from :data:`ACTIONS`, and a row's
``detail`` in words through :func:`describe`. A key recorded somewhere must
have its label here (tests/audit/test_reading.py looks for every
``record("…")`` in the package); a key without one is shown as it is stored.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, Outcome

ACTIONS: dict[str, Any] = {
    "login": _("Sign-in"),
    "login.failed": _("Failed sign-in"),
    "login.lockout": _("Locked out after failed sign-ins"),
    "logout": _("Sign-out"),
    "access.refused": _("Access refused"),
    "api.write": _("Change through the API"),
    "api.token.used": _("API token used"),
    "person.created": _("Person created"),
    "person.role": _("Role changed"),
    "person.units": _("Units changed"),
    "export": _("File exported"),
    "attachment.downloaded": _("Attachment downloaded"),
    "import.done": _("List imported"),
    "import.refused": _("Import refused"),
    "assessment.locked": _("Quarter's scores locked"),
    "assessment.reopened": _("Quarter reopened"),
    "audit.exported": _("Security audit log exported"),
    "audit.pruned": _("Old audit rows removed"),
    "backup.created": _("Backup made"),
    "backup.restored": _("Backup restored"),
    "password.changed": _("Password changed"),
    "password.set": _("Password set by an administrator"),
    "session.ended": _("Session ended"),
    "lockout.released": _("Lockout released"),
    "2fa.added": _("Second factor set up"),
    "2fa.removed": _("Second factor removed"),
    "2fa.verified": _("Second factor passed"),
    "2fa.failed": _("Wrong second-factor code"),
    "secrets.reseal": _("Stored secrets encrypted again"),
}

# The outcomes as this log means them ("ok" is a sign-in that succeeded, not a task done).
OUTCOMES: dict[str, Any] = {
    Outcome.OK: _("Succeeded"),
    Outcome.REFUSED: _("Refused"),
    Outcome.FAILED: _("Failed"),
}

# The names of what a row's detail holds.
FIELDS: dict[str, Any] = {
    "method": _("method"),
    "path": _("page address"),
    "status": _("HTTP status"),
    "token": _("token"),
    "username": _("name typed"),
    "role": _("role"),
    "units": _("units"),
    "before": _("before"),
    "after": _("after"),
    "kind": _("kind"),
    "file": _("file"),
    "rows": _("rows"),
    "size": _("bytes"),
    "task": _("task"),
    "plan": _("plan"),
    "query": _("filter"),
    "filters": _("filter"),
    "created": _("rows created"),
    "updated": _("rows updated"),
    "unchanged": _("rows unchanged"),
    "units_created": _("units created"),
    "problems": _("problems"),
    "meeting": _("meeting"),
    "notice": _("notice"),
    "month": _("month"),
    "source": _("through"),
    "quarter": _("quarter"),
    "office": _("office"),
    "scores": _("scores"),
    "reason": _("reason"),
    "removed": _("rows removed"),
    "older_than": _("older than"),
    "first_kept": _("first row kept"),
    "archive": _("archive"),
    "created_at": _("made at"),
    "own": _("by themselves"),
    "recovery_code": _("with a recovery code"),
    "session": _("session"),
    "count": _("how many"),
    "ended": _("other sessions ended"),
    "algorithm": _("algorithm"),
    "rewritten": _("rewritten"),
}
# Kept in the chain, of no use to a reader.
HIDDEN = {"first_kept_prev_hash"}

# What was exported or imported (the ``kind`` of an export, an import).
KINDS: dict[str, Any] = {
    "tasks": _("task list"),
    "warnings": _("warning board"),
    "ranking": _("assessment ranking"),
    "assignment": _("meeting's assignment"),
    "notice": _("supervision notice"),
    "bulletin": _("monthly bulletin"),
    "projects": _("project list"),
    "audit": _("security audit log"),
}


def label(action: str) -> str:
    """The action in the reader's language (the key itself when unknown)."""
    return str(ACTIONS[action]) if action in ACTIONS else action


def outcome(value: str) -> str:
    return str(OUTCOMES[value]) if value in OUTCOMES else value


def choices() -> list[tuple[str, str]]:
    """Every known action, as a select offers them, by label."""
    return sorted(((key, str(name)) for key, name in ACTIONS.items()), key=lambda c: c[1])


def _value(key: str, value: Any) -> str:
    if key == "kind" and value in KINDS:
        return str(KINDS[value])
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items() if v not in ("", None))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


def describe(event: AuditEvent) -> str:
    """The row's detail in words: "kind: task list · rows: 12 · file: …"."""
    parts = []
    for key, value in (event.detail or {}).items():
        if key in HIDDEN or value in ("", None, {}, []):
            continue
        name = str(FIELDS[key]) if key in FIELDS else key
        parts.append(_("%(name)s: %(value)s") % {"name": name, "value": _value(key, value)})
    return " · ".join(parts)


@cache
def _model_names() -> dict[str, Any]:
    # Looked up by name, not imported: the log sits below every app it names.
    return {str(model._meta.model_name): model._meta.verbose_name for model in apps.get_models()}


def target(event: AuditEvent) -> str:
    """What the action was on, in words: "attachment 12" ("附件 12"), "" for nothing."""
    if not event.object_type:
        return ""
    kind = _model_names().get(event.object_type, event.object_type)
    return f"{kind} {event.object_id}".strip()
