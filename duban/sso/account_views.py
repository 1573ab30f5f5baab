"""A person's own sign-in security (/account/), the second factor's pages,
the password change, and the security administrator's desk (/security/).
The rules are in ``duban.sso.account``; these pages only show and ask."""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from duban.audit import log as audit
from duban.org.http import AuthedRequest, id_or_404, next_or
from duban.org.models import Person

from . import account
from .gates import PASSED
from .passwords import password_expired


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the app"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


@login_required
def account_page(request: AuthedRequest) -> HttpResponse:
    person = request.user
    factor = account.confirmed_factor(person)
    backend = request.session.get(account.BACKEND_SESSION_KEY, "")
    days = settings.DUBAN_PASSWORD_MAX_AGE_DAYS
    since = person.password_changed_at or person.date_joined
    context: dict[str, Any] = {
        "factor": factor,
        "required": account.second_factor_required(person, backend or account.PASSWORD_BACKENDS[0]),
        "codes_left": account.recovery_codes_left(person) if factor else 0,
        "sessions": account.sessions_of(person, request.session.session_key),
        "password_set": since,
        "password_expires": since + dt.timedelta(days=days) if days and since else None,
        "password_usable": person.has_usable_password(),
    }
    return render(request, "sso/account.html", context)


@never_cache
@login_required
def second_factor_setup(request: AuthedRequest) -> HttpResponse:
    person = request.user
    device = account.factor_in_setup(person)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = account.confirm_factor(person, form.cleaned_data["code"], request=request)
        except ValidationError as exc:
            form.add_error("code", exc.messages[0])
        else:
            request.session.pop(PASSED, None)
            return render(
                request,
                "sso/recovery_codes.html",
                {"codes": codes, "next": next_or(request, "/account/")},
            )
    uri = account.otpauth_uri(device)
    context = {
        "form": form,
        "qr": mark_safe(segno.make(uri, error="m").svg_inline(scale=4, title=_("Scan me"))),  # noqa: S308 - segno's own SVG of our URI
        "secret": account.key_text(device),
        "next": next_or(request, ""),
        "required": account.second_factor_required(
            person, request.session.get(account.BACKEND_SESSION_KEY, "")
        ),
    }
    # A code that was not right answers 400, the form kept (as every form here).
    return render(
        request, "sso/second_factor_setup.html", context, status=400 if form.errors else 200
    )


@never_cache
@login_required
def second_factor_verify(request: AuthedRequest) -> HttpResponse:
    if account.confirmed_factor(request.user) is None:
        return redirect("account")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if account.verify_second_factor(request, form.cleaned_data["code"]):
            return redirect(next_or(request, "/"))
        form.add_error(
            "code",
            _("That code is not right. Type the six digits the app shows now, or a recovery code."),
        )
    return render(
        request,
        "sso/second_factor_verify.html",
        {"form": form, "next": next_or(request, "")},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def second_factor_remove(request: AuthedRequest) -> HttpResponse:
    try:
        account.remove_factor(actor=request.user, person=request.user, request=request)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your second factor was removed."))
    return redirect("account")


class PasswordForm(PasswordChangeForm):
    pass


@never_cache
@login_required
def password_change(request: AuthedRequest) -> HttpResponse:
    person = request.user
    form = PasswordForm(person, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        before = request.session.session_key
        form.save()
        update_session_auth_hash(request, form.user)  # a new session key: the list follows
        account.session_renamed(before, request.session.session_key)
        ended = account.end_other_sessions(person, request.session.session_key, request=request)
        audit.record("password.changed", request=request, actor=person, target=person, ended=ended)
        request.session.pop(PASSED, None)
        messages.success(
            request,
            _("Your password was changed; your other sessions (%(n)s) were ended.") % {"n": ended}
            if ended
            else _("Your password was changed."),
        )
        return redirect(next_or(request, "/account/"))
    reason = ""
    if person.must_change_password:
        reason = _("An administrator set your password: choose your own before you go on.")
    elif password_expired(person):
        reason = _("Your password is older than %(n)s days: choose a new one before you go on.") % {
            "n": settings.DUBAN_PASSWORD_MAX_AGE_DAYS
        }
    return render(
        request,
        "sso/password_change.html",
        {"form": form, "reason": reason, "next": next_or(request, "")},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def session_end(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        account.end_session(person=request.user, pk=id_or_404(str(pk)), request=request)
    except PermissionDenied as exc:
        raise Http404(str(exc)) from exc  # not one of theirs: as if it did not exist
    messages.success(request, _("That session was ended: the browser is signed out."))
    return redirect("account")


@require_POST
@login_required
def sessions_end_others(request: AuthedRequest) -> HttpResponse:
    n = account.end_other_sessions(request.user, request.session.session_key, request=request)
    messages.success(request, _("%(n)s other session(s) ended.") % {"n": n})
    return redirect("account")


# --- the security administrator's desk ------------------------------------------------


@login_required
def security_desk(request: AuthedRequest) -> HttpResponse:
    account.require_security(request.user)
    context = {
        "policy": account.policy(),
        "lockouts": account.lockouts(request.user),
        "without_factor": account.people_without_factor(request.user),
        "with_factor": account.people_with_factor(request.user),
    }
    return render(request, "sso/security_desk.html", context)


@require_POST
@login_required
def lockout_release(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        account.release_lockout(actor=request.user, pk=id_or_404(str(pk)), request=request)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The lockout was released."))
    return redirect("security_desk")


@require_POST
@login_required
def factor_reset(request: AuthedRequest, pk: int) -> HttpResponse:
    account.require_security(request.user)
    person = Person.objects.filter(pk=id_or_404(str(pk))).first()
    if person is None:
        messages.error(request, _("Nobody signs in with that account."))
        return redirect("security_desk")
    account.remove_factor(actor=request.user, person=person, request=request)
    messages.success(
        request,
        _("%(who)s's second factor was reset: they set up a new one at their next sign-in.")
        % {"who": person},
    )
    return redirect("security_desk")
