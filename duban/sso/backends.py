"""Django authentication backends: duban's passwords, and the libraries'
OIDC and CAS backends with their user lookup replaced by ``duban.sso.people``
(one matching rule for every method). LDAP's is in ``duban.sso.ldap``: it
needs python-ldap, installed only where the directory is used."""

from __future__ import annotations

import logging
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django_cas_ng.utils import get_cas_client
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from duban.org.models import Person

from . import people
from .models import Method

logger = logging.getLogger(__name__)


def _refuse(request: HttpRequest | None, refused: people.Refused) -> None:
    logger.info("single sign-on refused: %s", refused.message)
    if request is not None:
        messages.error(request, refused.message)
        request.duban_sso_said = True  # type: ignore[attr-defined]


class Lockout(AxesStandaloneBackend):  # type: ignore[misc]
    """django-axes' check, first of the backends: while the account name or
    the address is locked out, no sign-in goes further. A sign-in from code
    (a test client, a script) has no request and no address to lock."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class PasswordBackend(ModelBackend):
    """duban's own passwords: for everyone, or (``DUBAN_PASSWORD_LOGIN=admins``)
    only for the administrators' fallback. Never for service accounts."""

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and people.password_allowed(user)


class SignedInElsewhere(ModelBackend):
    """The backend of sessions a chat platform's sign-in began: it checks no
    credentials itself (``authenticate`` finds nobody), it only reads the
    person back for each request, while they stay active."""

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, **credentials: Any
    ) -> None:
        return None

    def user_can_authenticate(self, user: Any) -> bool:
        return bool(user.is_active and not user.is_service)


class OIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """OpenID Connect (mozilla-django-oidc): the code flow with PKCE, the ID
    token checked against the provider's keys, the person found by the
    configured claim."""

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("sub"))

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict) -> Any:
        claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        if claims.get("sub") != payload.get("sub"):
            return None  # the user info is about someone else than the ID token
        try:
            return people.person_for(
                Method.OIDC,
                claims["sub"],
                claims.get(settings.DUBAN_OIDC_CLAIM),
                field=settings.DUBAN_OIDC_MATCH,
                full_name=str(claims.get("name") or ""),
                email=str(claims.get("email") or ""),
            )
        except people.Refused as refused:
            _refuse(self.request, refused)
            return None

    def user_can_authenticate(self, user: Any) -> bool:
        return bool(user.is_active and not user.is_service)


class CASBackend(ModelBackend):
    """CAS 2.0/3.0 (django-cas-ng's client): the service ticket validated by
    the CAS server, the person found by the CAS user or a released attribute."""

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, ticket: str, service: str
    ) -> Person | None:
        client = get_cas_client(service_url=service, request=request)
        # python-cas would wait for a silent server for ever: no longer than the
        # other sign-ins wait (DUBAN_SSO_TIMEOUT).
        send = client.session.request
        client.session.request = lambda *args, **kwargs: send(
            *args, **{"timeout": settings.OIDC_TIMEOUT, **kwargs}
        )
        try:
            username, attributes, _pgtiou = client.verify_ticket(ticket)
        except Exception as error:  # noqa: BLE001 - the server is down or answered garbage
            logger.warning("CAS ticket validation failed: %s", error)
            username, attributes = None, None
        if not username:
            return None
        attributes = attributes or {}
        value = (
            attributes.get(settings.DUBAN_CAS_ATTRIBUTE)
            if settings.DUBAN_CAS_ATTRIBUTE
            else username
        )
        if isinstance(value, list):
            value = value[0] if value else ""
        try:
            person = people.person_for(
                Method.CAS,
                username,
                value,
                field=settings.DUBAN_CAS_MATCH,
                full_name=str(attributes.get("displayName") or attributes.get("cn") or ""),
                email=str(attributes.get("mail") or attributes.get("email") or ""),
            )
        except people.Refused as refused:
            _refuse(request, refused)
            return None
        return person if self.user_can_authenticate(person) else None

    def user_can_authenticate(self, user: Any) -> bool:
        return bool(user is not None and user.is_active and not user.is_service)
