"""The sign-in page and the single sign-on flows.

The page offers every method that is configured; inside DingTalk, WeCom or
Feishu it goes straight to that platform's sign-in (免登), unless the person
asks for the password form (``?password=1``). Every refusal comes back to
this page with its reason."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_cas_ng import views as cas_views
from mozilla_django_oidc import views as oidc_views

from duban.org.http import MAX_NEXT

from . import chat, people
from .models import Method

SESSION_KEY = "duban_sso"
logger = logging.getLogger(__name__)


def methods() -> list[dict[str, str]]:
    """The single sign-on methods that are configured, for the sign-in page."""
    found = []
    if settings.DUBAN_OIDC_ON:
        found.append(
            {
                "key": "oidc",
                "label": people.provider_label(Method.OIDC),
                "url": reverse("oidc_start"),
            }
        )
    if settings.DUBAN_CAS_ON:
        found.append(
            {"key": "cas", "label": people.provider_label(Method.CAS), "url": reverse("cas_login")}
        )
    for method in chat.CHAT_METHODS:
        if chat.enabled(method):
            found.append(
                {
                    "key": str(method),
                    "label": people.provider_label(method),
                    "url": reverse("chat_start", args=[method]),
                }
            )
    return found


def _safe_next(request: HttpRequest, raw: str | None) -> str:
    """A path on this site (``/tasks/?due=week``), else the home page: never
    another site, nor a relative word (``tasks``) the browser would resolve
    against the sign-in page."""
    if (
        raw
        and raw.startswith("/")
        and not raw.startswith(("//", "/\\"))
        and len(raw) <= MAX_NEXT
        and raw.isprintable()
        and url_has_allowed_host_and_scheme(
            raw, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return raw
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    """The password form (duban's passwords, and the directory's when LDAP is
    on), with a button for each single sign-on method."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        inside = chat.in_app(request.headers.get("User-Agent", ""))
        if (
            inside
            and chat.enabled(inside)
            and not request.GET.get("password")
            and not request.user.is_authenticated
        ):
            next_url = request.GET.get("next", "")
            # Encoded: a next with a query of its own (…?status=open&unit=3) must arrive whole.
            query = {"next": next_url} if next_url else None
            return redirect(reverse("chat_start", args=[inside], query=query))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_methods"] = methods()
        admins_only = settings.DUBAN_PASSWORD_LOGIN == "admins"  # noqa: S105 - a mode
        context["password_for_admins_only"] = admins_only
        context["ldap"] = settings.DUBAN_LDAP_ON
        context["demo"] = settings.DUBAN_DEMO
        return context


# --- OpenID Connect (mozilla-django-oidc) -----------------------------------------


class OIDCStart(oidc_views.OIDCAuthenticationRequestView):  # type: ignore[misc]
    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.DUBAN_OIDC_ON:
            raise Http404(_("Single sign-on is not set up."))
        return super().get(request)


class OIDCCallback(oidc_views.OIDCAuthenticationCallbackView):  # type: ignore[misc]
    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.DUBAN_OIDC_ON:
            raise Http404(_("Single sign-on is not set up."))
        try:
            return super().get(request)
        except (SuspiciousOperation, requests.RequestException, jwt.PyJWTError) as error:
            # A state this browser did not start (a replay, an old tab); the
            # provider down or refusing the code; an ID token that does not
            # check out (a clock far off, a key that does not match).
            logger.warning("OpenID Connect sign-in failed: %s: %s", type(error).__name__, error)
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        if not getattr(self.request, "duban_sso_said", False):
            messages.error(self.request, _failed(Method.OIDC))
        return super().login_failure()


def _failed(method: str) -> str:
    return _("Signing in through %(provider)s did not succeed. Try again, or ask the office.") % {
        "provider": people.provider_label(method)
    }


# --- CAS (django-cas-ng) -----------------------------------------------------------


class CASLogin(cas_views.LoginView):  # type: ignore[misc]
    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.DUBAN_CAS_ON:
            raise Http404(_("Single sign-on is not set up."))
        try:
            return super().get(request)
        except PermissionDenied:
            if not getattr(request, "duban_sso_said", False):
                messages.error(request, _failed(Method.CAS))
            return redirect("login")

    def successful_login(self, request: HttpRequest, next_page: str) -> HttpResponse:
        # django-cas-ng's GET takes ``next`` (or else the Referer) unchecked: its
        # CAS_CHECK_NEXT never runs there, as CAS_LOGIN_NEXT_PAGE is always set.
        return HttpResponseRedirect(_safe_next(request, next_page))

    def post(self, request: HttpRequest) -> HttpResponse:
        if not settings.DUBAN_CAS_ON:
            raise Http404(_("Single sign-on is not set up."))
        try:
            return super().post(request)
        except cas_views.RedirectException as error:  # a ``next`` elsewhere: 400, not 500
            raise SuspiciousOperation(str(error)) from error


# --- DingTalk, WeCom, Feishu -------------------------------------------------------


def _chat_or_404(method: str) -> str:
    if method not in chat.CHAT_METHODS or not chat.enabled(method):
        raise Http404(_("Single sign-on is not set up."))
    return method


def _callback_uri(request: HttpRequest, method: str) -> str:
    return request.build_absolute_uri(reverse("chat_callback", args=[method]))


@never_cache
def chat_start(request: HttpRequest, method: str) -> HttpResponse:
    method = _chat_or_404(method)
    state = secrets.token_urlsafe(24)
    pending = request.session.get(SESSION_KEY, {})
    # A few at once (two tabs); the oldest forgotten first.
    pending = dict(list(pending.items())[-4:])
    pending[state] = {"method": method, "next": _safe_next(request, request.GET.get("next"))}
    request.session[SESSION_KEY] = pending
    inside = chat.in_app(request.headers.get("User-Agent", "")) == method
    if inside and method == Method.ZWDD:
        # 政务钉钉 gives its code to the page, through the app's JS bridge.
        return render(
            request,
            "sso/zwdd.html",
            {
                "callback": reverse("chat_callback", args=[method]),
                "state": state,
                "corp_id": chat.config(method).get("corp_id", ""),
            },
        )
    return HttpResponseRedirect(
        chat.authorize_url(method, _callback_uri(request, method), state, inside=inside)
    )


@never_cache
def chat_callback(request: HttpRequest, method: str) -> HttpResponse:
    method = _chat_or_404(method)
    state = request.GET.get("state", "")
    pending = request.session.get(SESSION_KEY, {})
    started = pending.pop(state, None) if state else None
    request.session[SESSION_KEY] = pending
    if not started or started.get("method") != method:
        messages.error(
            request, _("This sign-in was not started here or has expired. Sign in again.")
        )
        return redirect(f"{reverse('login')}?password=1")
    # DingTalk's OAuth says authCode, the others code; 政务钉钉's JS bridge auth_code.
    bridged = "auth_code" in request.GET
    code = request.GET.get("auth_code") or request.GET.get("authCode") or request.GET.get("code")
    try:
        who = chat.identify(method, code or "", _callback_uri(request, method), in_app=bridged)
        config = chat.config(method)
        person = people.person_for(
            method,
            who.subject,
            who.claims.get(config["claim"], ""),
            field=config["match"],
            full_name=who.name,
            email=who.email,
        )
    except (chat.PlatformError, people.Refused) as refused:
        messages.error(request, refused.message)
        return redirect(f"{reverse('login')}?password=1")
    if not person.is_active or person.is_service:
        messages.error(
            request, _("Your duban account is switched off: ask the supervision office.")
        )
        return redirect(f"{reverse('login')}?password=1")
    auth.login(request, person, backend="duban.sso.backends.SignedInElsewhere")
    return HttpResponseRedirect(started["next"])


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """What django-axes answers while the name or the address is locked out:
    the same page whether the account exists or not."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
