"""A person's API tokens: make one (the secret is shown once), see when each
was last used, revoke it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from duban.org import services as org
from duban.org.http import AuthedRequest, id_or_404
from duban.org.models import Person, Unit
from duban.org.scope import scope_of

from . import tokens
from .models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=80,
        help_text=gettext_lazy("The program that will use it: “OA sync”, “city dashboard”."),
    )
    days = forms.IntegerField(
        label=gettext_lazy("Days it lasts"), min_value=1, max_value=tokens.MAX_DAYS, initial=90
    )
    can_write = forms.BooleanField(
        label=gettext_lazy("May write (file reports, claim tasks…), not only read"),
        required=False,
    )


class ServiceAccountForm(forms.Form):
    username = forms.SlugField(label=gettext_lazy("Username"), max_length=150)
    full_name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("The system it stands for: “City Brain”, “OA”."),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Acts as"),
        choices=[
            ("office", gettext_lazy("the supervision office")),
            ("leader", gettext_lazy("a leader (reads everything in scope)")),
            ("liaison", gettext_lazy("a unit's liaison (reports for the unit)")),
        ],
    )
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


def _service_accounts(request: AuthedRequest) -> Any:
    """The service accounts the office keeps: those placed in units of its scope."""
    if not request.user.is_office:
        return Person.objects.none()
    units = scope_of(request.user).units()
    return (
        Person.objects.filter(is_service=True, memberships__unit__in=units)
        .distinct()
        .prefetch_related("api_tokens", "units")
        .order_by("username")
    )


def _apply(form: forms.Form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        for e in errors:
            form.add_error(field if field in form.fields else None, e)


@never_cache
@login_required
def token_list(request: AuthedRequest) -> HttpResponse:
    """A person's tokens; for the office, also its service accounts and theirs."""
    units = scope_of(request.user).units().order_by("path")
    form = TokenForm(request.POST if "make_token" in request.POST else None)
    account_form = ServiceAccountForm(
        request.POST if "make_account" in request.POST else None, units=units
    )
    made = None
    refused = False
    if request.method == "POST":
        try:
            if "make_account" in request.POST:
                if not account_form.is_valid():
                    raise ValidationError({})
                data = account_form.cleaned_data
                org.service_account_create(
                    actor=request.user,
                    username=data["username"],
                    full_name=data["full_name"],
                    role=data["role"],
                    units=[data["unit"]],
                )
                messages.success(request, _("Service account made: now make it a token."))
                return redirect("token_list")
            if not form.is_valid():
                raise ValidationError({})
            account = None
            if request.POST.get("account"):
                account = get_object_or_404(
                    _service_accounts(request), pk=id_or_404(request.POST["account"])
                )
            made = tokens.token_create(actor=request.user, person=account, **form.cleaned_data)
            form = TokenForm()
        except ValidationError as error:
            refused = True
            _apply(account_form if "make_account" in request.POST else form, error)
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "account_form": account_form,
            "made": made,
            "tokens": ApiToken.objects.filter(person=request.user),
            "accounts": _service_accounts(request),
        },
        status=400 if refused else 200,
    )


@login_required
@require_POST
def token_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    mine = Q(person=request.user) | Q(person__in=_service_accounts(request))
    token = get_object_or_404(ApiToken.objects.filter(mine), pk=pk)
    tokens.token_revoke(actor=request.user, token=token)
    messages.success(
        request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name}
    )
    return redirect("token_list")
