"""A person's API tokens: make one (the secret is shown once), see when each
was last used, revoke it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from duban.org.http import AuthedRequest

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


@never_cache
@login_required
def token_list(request: AuthedRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    made = None
    if request.method == "POST" and form.is_valid():
        try:
            made = tokens.token_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for e in errors:
                    form.add_error(field if field in form.fields else None, e)
        else:
            form = TokenForm()
    status = 400 if request.method == "POST" and made is None else 200
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "made": made,
            "tokens": ApiToken.objects.filter(person=request.user),
        },
        status=status,
    )


@login_required
@require_POST
def token_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.filter(person=request.user), pk=pk)
    tokens.token_revoke(actor=request.user, token=token)
    messages.success(
        request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name}
    )
    return redirect("token_list")
