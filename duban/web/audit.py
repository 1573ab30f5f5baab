"""The security audit log's page and its export: the audit administrator's only.

Both ask duban.org.audit_log, which refuses everyone else (403 with the
reason) before the filter is even read.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duban.audit import actions
from duban.audit.models import AuditEvent
from duban.documents import exports
from duban.lib.ids import parse_id
from duban.org import audit_log
from duban.org.http import AuthedRequest, download

# Row numbers are the chain's (a BigIntegerField), so they may pass 2^31.
MAX_ROW = 2**63 - 1


def _action_choices() -> list[tuple[str, str]]:
    return [("", _("Any")), *actions.choices()]


class AuditFilterForm(forms.Form):
    person = forms.CharField(
        label=gettext_lazy("Person (user name)"), max_length=150, required=False
    )
    action = forms.ChoiceField(label=gettext_lazy("What"), required=False, choices=_action_choices)
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        required=False,
        choices=[("", gettext_lazy("Any")), *actions.OUTCOMES.items()],
    )
    address = forms.GenericIPAddressField(label=gettext_lazy("From address"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" and "to" in the address, as a person reads them.
        date = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields = {
            "from": forms.DateField(label=_("First day"), required=False, widget=date),
            "to": forms.DateField(label=_("Last day"), required=False, widget=date),
            **self.fields,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("from"), data.get("to")
        if since and until and since > until:
            raise ValidationError(_("The first day comes after the last."))
        return data

    def filters(self) -> audit_log.AuditFilters:
        data = self.cleaned_data
        return audit_log.AuditFilters(
            since=data.get("from"),
            until=data.get("to"),
            person=(data.get("person") or "").strip(),
            action=data.get("action") or "",
            outcome=data.get("outcome") or "",
            address=data.get("address") or "",
        )


def _query(form: AuditFilterForm) -> str:
    """The filter as a query string, for the pager and the export link."""
    kept = QueryDict(mutable=True)
    for name in form.fields:
        if value := form.data.get(name):
            kept[name] = value
    return kept.urlencode()


def _row(event: AuditEvent) -> dict[str, Any]:
    return {
        "event": event,
        "what": actions.label(event.action),
        "target": actions.target(event),
        "outcome": actions.outcome(event.outcome),
        "detail": actions.describe(event),
        # A refused sign-in has nobody signed in: the name typed stands in.
        "typed": (event.detail or {}).get("username", "") if not event.actor else "",
    }


def _page(
    request: AuthedRequest, form: AuditFilterForm, total: int, status: int = 200, **context: Any
) -> HttpResponse:
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "query": _query(form),
            "limit": f"{audit_log.EXPORT_LIMIT:,}",
            "total": total,
            **context,
        },
        status=status,
    )


@login_required
def audit_log_page(request: AuthedRequest) -> HttpResponse:
    total = audit_log.audit_total(request.user)  # refuses everyone but the audit administrator
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return _page(request, form, total, status=400, rows=[])
    page = audit_log.audit_page(
        request.user,
        form.filters(),
        before=parse_id(request.GET.get("before"), maximum=MAX_ROW),
        after=parse_id(request.GET.get("after"), maximum=MAX_ROW),
    )
    return _page(request, form, total, rows=[_row(e) for e in page.rows], page=page)


@login_required
def audit_export(request: AuthedRequest) -> HttpResponseBase:
    total = audit_log.audit_total(request.user)  # refuses everyone but the audit administrator
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return _page(request, form, total, status=400, rows=[])
    filters = form.filters()
    try:
        rows, count = audit_log.audit_export_rows(request.user, filters)
    except ValidationError as error:
        refused = " ".join(error.messages)
        return _page(request, form, total, status=400, rows=[], refused=refused)
    shown = " · ".join(
        _("%(name)s: %(value)s") % {"name": k, "value": v} for k, v in filters.as_detail().items()
    )
    content = exports.audit_xlsx(rows.iterator(chunk_size=2000), shown)
    return download(
        request,
        content,
        name=exports.filename("audit-log", "xlsx"),
        content_type=exports.XLSX,
        action="audit.exported",
        kind="audit",
        rows=count,
        filters=filters.as_detail(),
    )
