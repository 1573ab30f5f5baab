"""The django-auth-ldap settings, from duban's environment variables (read by
duban.settings only when DUBAN_LDAP_URI is set; see docs/sso.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured


def ldap_settings(env: Mapping[str, str]) -> dict[str, Any]:
    # Imported only where the directory is used (python-ldap needs libldap).
    import ldap  # noqa: PLC0415
    from django_auth_ldap.config import (  # noqa: PLC0415
        ActiveDirectoryGroupType,
        GroupOfNamesType,
        GroupOfUniqueNamesType,
        LDAPSearch,
        NestedActiveDirectoryGroupType,
        PosixGroupType,
    )

    def get(name: str, default: str = "") -> str:
        return env.get(name, default).strip()

    users = get("DUBAN_LDAP_USER_BASE")
    if not users:
        raise ImproperlyConfigured("DUBAN_LDAP_USER_BASE must name where the people are")
    group_types = {
        "groupOfNames": GroupOfNamesType,
        "groupOfUniqueNames": GroupOfUniqueNamesType,
        "posixGroup": PosixGroupType,
        "activeDirectory": ActiveDirectoryGroupType,
        "nestedActiveDirectory": NestedActiveDirectoryGroupType,
    }
    group_type = get("DUBAN_LDAP_GROUP_TYPE", "groupOfNames")
    if group_type not in group_types:
        raise ImproperlyConfigured(f"DUBAN_LDAP_GROUP_TYPE must be one of {', '.join(group_types)}")
    # "office=cn=duban-office,ou=groups,dc=example,dc=org;leader=cn=…": the
    # first mapping whose group the person is in gives their role.
    roles: list[tuple[str, str]] = []
    for item in filter(None, (p.strip() for p in get("DUBAN_LDAP_ROLES").split(";"))):
        role, _sep, dn = item.partition("=")
        if role.strip() not in ("office", "leader", "liaison", "admin") or not dn.strip():
            raise ImproperlyConfigured(f"DUBAN_LDAP_ROLES: cannot read {item!r}")
        roles.append((role.strip(), dn.strip()))
    attributes = {"full_name": "displayName", "email": "mail", "phone": "mobile"}
    for pair in filter(None, (p.strip() for p in get("DUBAN_LDAP_ATTRIBUTES").split(","))):
        field, _sep, attribute = pair.partition("=")
        if field not in ("full_name", "email", "phone", "employee_no", "title"):
            raise ImproperlyConfigured(f"DUBAN_LDAP_ATTRIBUTES: cannot read {pair!r}")
        attributes[field] = attribute
    timeout = int(get("DUBAN_SSO_TIMEOUT", "10") or 10)
    found: dict[str, Any] = {
        "AUTH_LDAP_SERVER_URI": get("DUBAN_LDAP_URI"),
        "AUTH_LDAP_BIND_DN": get("DUBAN_LDAP_BIND_DN"),
        "AUTH_LDAP_BIND_PASSWORD": env.get("DUBAN_LDAP_BIND_PASSWORD", ""),
        "AUTH_LDAP_START_TLS": get("DUBAN_LDAP_START_TLS", "false").lower() in ("1", "true", "yes"),
        "AUTH_LDAP_USER_SEARCH": LDAPSearch(
            users, ldap.SCOPE_SUBTREE, get("DUBAN_LDAP_USER_FILTER", "(uid=%(user)s)")
        ),
        "AUTH_LDAP_USER_ATTR_MAP": attributes,
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        "AUTH_LDAP_NO_NEW_USERS": get("DUBAN_SSO_CREATE", "false").lower()
        not in ("1", "true", "yes", "on"),
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            ldap.OPT_NETWORK_TIMEOUT: timeout,
            ldap.OPT_TIMEOUT: timeout,
            ldap.OPT_REFERRALS: 0,
        },
        "DUBAN_LDAP_ROLE_GROUPS": roles,
    }
    if get("DUBAN_LDAP_GROUP_BASE"):
        found["AUTH_LDAP_GROUP_SEARCH"] = LDAPSearch(
            get("DUBAN_LDAP_GROUP_BASE"), ldap.SCOPE_SUBTREE, "(objectClass=*)"
        )
        found["AUTH_LDAP_GROUP_TYPE"] = group_types[group_type]()
    elif roles:
        raise ImproperlyConfigured("DUBAN_LDAP_ROLES needs DUBAN_LDAP_GROUP_BASE")
    return found
