"""LDAP / Active Directory sign-in (django-auth-ldap over python-ldap)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django_auth_ldap.backend import LDAPBackend as Base

from duban.org import services as org
from duban.org.models import Role
from duban.org.scope import SYSTEM

from . import people
from .models import Method


class LDAPBackend(Base):  # type: ignore[misc]
    """LDAP / Active Directory (django-auth-ldap): the directory checks the
    password typed into the sign-in form; the person is the one with the
    directory's user name (made a liaison of no unit only when
    ``DUBAN_SSO_CREATE`` is on); their role follows their directory groups
    when ``DUBAN_LDAP_ROLES`` maps them."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        self.request = request
        return super().authenticate(request, username, password, **kwargs)

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[Any, bool]:
        person, built = super().get_or_build_user(username, ldap_user)
        request = getattr(self, "request", None)
        if built and self.settings.NO_NEW_USERS and request is not None:
            # The directory knows them and their password was right: say why
            # they still do not get in.
            messages.error(request, people.unknown(Method.LDAP, username, "username"))
            request.duban_sso_said = True
        return person, built

    def authenticate_ldap_user(self, ldap_user: Any, password: str) -> Any:
        person = super().authenticate_ldap_user(ldap_user, password)
        if person is None or person.is_service:
            return None
        roles = settings.DUBAN_LDAP_ROLE_GROUPS
        if roles:
            groups = {dn.lower() for dn in ldap_user.group_dns}
            # The first mapping the person's groups hold, in the order given.
            role = next((r for r, dn in roles if dn.lower() in groups), None)
            if role and role != person.role:
                person = org.person_set_role(actor=SYSTEM, person=person, role=role)
        return person

    def user_can_authenticate(self, user: Any) -> bool:
        return bool(user.is_active and not user.is_service and user.role in Role.values)
