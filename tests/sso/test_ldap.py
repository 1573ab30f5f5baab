"""Signing in with a directory password: a real OpenLDAP (Debian's slapd),
started by the test on 127.0.0.1 with its own database, queried by
django-auth-ldap through duban's settings (``duban.sso.ldap_settings``)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from duban.org.models import Person, Role
from tests import factories as f

from .pages import sign_in, signed_in_as
from .servers import free_port, missing, running

pytestmark = pytest.mark.django_db

BASE = "dc=duban,dc=test"
ADMIN_DN, ADMIN_PW = f"cn=admin,{BASE}", "directory-admin"
OFFICE_GROUP = f"cn=duban-office,ou=groups,{BASE}"
LEADER_GROUP = f"cn=duban-leaders,ou=groups,{BASE}"

CONFIG = """
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {root}/slapd.pid
database mdb
maxsize 10485760
suffix "{base}"
rootdn "{admin}"
rootpw {password}
directory {root}/db
"""


def person(uid: str, name: str, password: str, **more: str) -> str:
    lines = [
        f"dn: uid={uid},ou=people,{BASE}",
        "objectClass: inetOrgPerson",
        f"uid: {uid}",
        f"cn: {name}",
        f"sn: {name[0]}",
        f"displayName: {name}",
        f"userPassword: {password}",
        *(f"{key}: {value}" for key, value in more.items()),
    ]
    return "\n".join(lines)


DATA = "\n\n".join(
    [
        f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\no: duban\ndc: duban",
        f"dn: ou=people,{BASE}\nobjectClass: organizationalUnit\nou: people",
        f"dn: ou=groups,{BASE}\nobjectClass: organizationalUnit\nou: groups",
        person(
            "liaison_a",
            "张联络",
            "dir-pass-a",
            mail="zhang@example.gov.cn",
            mobile="13800001111",
            employeeNumber="E-1",
        ),
        person("wang", "王督查", "dir-pass-w", mail="wang@example.gov.cn"),
        person("newcomer", "新同事", "dir-pass-n"),
        person("bot", "城市大脑", "dir-pass-b"),
        f"dn: {OFFICE_GROUP}\nobjectClass: groupOfNames\ncn: duban-office\n"
        f"member: uid=wang,ou=people,{BASE}",
        f"dn: {LEADER_GROUP}\nobjectClass: groupOfNames\ncn: duban-leaders\n"
        f"member: uid=nobody,ou=people,{BASE}",
    ]
)


@pytest.fixture(scope="module")
def directory() -> Iterator[str]:
    slapd, slapadd = (
        shutil.which("slapd", path="/usr/sbin:/usr/bin"),
        shutil.which("slapadd", path="/usr/sbin:/usr/bin"),
    )
    if not slapd or not slapadd:
        missing("slapd (Debian: slapd)")
    try:
        import ldap  # noqa: F401
    except ImportError:
        missing("python-ldap (make setup adds it where libldap2-dev and libsasl2-dev are)")
    with tempfile.TemporaryDirectory(prefix="duban-slapd-") as root:
        (Path(root) / "db").mkdir()
        conf = Path(root) / "slapd.conf"
        conf.write_text(CONFIG.format(root=root, base=BASE, admin=ADMIN_DN, password=ADMIN_PW))
        (Path(root) / "data.ldif").write_text(DATA + "\n")
        subprocess.run(
            [slapadd, "-f", str(conf), "-l", str(Path(root) / "data.ldif")],
            check=True,
            capture_output=True,
        )
        port = free_port()
        uri = f"ldap://127.0.0.1:{port}"
        with running([slapd, "-f", str(conf), "-h", f"{uri}/", "-d", "0"], port):
            yield uri


@pytest.fixture
def ldap_on(settings, directory):
    from duban.sso.ldap_settings import ldap_settings

    env = {
        "DUBAN_LDAP_URI": directory,
        "DUBAN_LDAP_BIND_DN": ADMIN_DN,
        "DUBAN_LDAP_BIND_PASSWORD": ADMIN_PW,
        "DUBAN_LDAP_USER_BASE": f"ou=people,{BASE}",
        "DUBAN_LDAP_GROUP_BASE": f"ou=groups,{BASE}",
        "DUBAN_LDAP_ROLES": f"office={OFFICE_GROUP};leader={LEADER_GROUP}",
        "DUBAN_LDAP_ATTRIBUTES": "employee_no=employeeNumber",
        "DUBAN_SSO_TIMEOUT": "3",
    }

    def configure(**changes: str) -> None:
        for key, value in ldap_settings({**env, **changes}).items():
            setattr(settings, key, value)

    configure()
    settings.DUBAN_LDAP_ON = True
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "duban.sso.ldap.LDAPBackend",
    ]
    return configure


def test_a_known_person_signs_in_with_the_directory_password(client, ldap_on, liaison_a):
    response = sign_in(client, "liaison_a", "dir-pass-a")
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert signed_in_as(client) == liaison_a
    liaison_a.refresh_from_db()
    # The directory keeps their details: name, mail, mobile, employee number.
    assert (liaison_a.full_name, liaison_a.email, liaison_a.phone, liaison_a.employee_no) == (
        "张联络",
        "zhang@example.gov.cn",
        "13800001111",
        "E-1",
    )
    assert liaison_a.role == Role.LIAISON and not liaison_a.is_staff


def test_a_wrong_password_signs_nobody_in_and_says_so(client, ldap_on, liaison_a):
    response = sign_in(client, "liaison_a", "wrong", language="zh-hans")
    assert response.status_code == 200
    refusal = response.context["form"].non_field_errors()[0]
    assert "密码" in refusal and refusal in response.content.decode()
    assert signed_in_as(client) is None


def test_the_directory_group_gives_the_role_and_what_follows_from_it(client, ldap_on):
    wang = f.person("wang", Role.LIAISON, full_name="王")
    sign_in(client, "wang", "dir-pass-w")
    wang.refresh_from_db()
    assert wang.role == Role.OFFICE and wang.is_staff and not wang.is_superuser
    assert wang.has_perm("org.change_unit")
    assert signed_in_as(client) == wang


def test_someone_the_directory_knows_and_duban_does_not_is_refused_with_why(client, ldap_on):
    people = Person.objects.count()
    response = sign_in(client, "newcomer", "dir-pass-n")
    assert response.status_code == 200
    assert (
        "Directory (LDAP) knows you as newcomer, but duban has no person with that user name"
        in response.content.decode()
    )
    assert Person.objects.count() == people
    assert signed_in_as(client) is None


def test_with_creation_on_a_newcomer_is_a_liaison_of_no_unit(client, ldap_on, settings):
    ldap_on(DUBAN_SSO_CREATE="true")
    settings.DUBAN_SSO_CREATE = True
    sign_in(client, "newcomer", "dir-pass-n")
    newcomer = Person.objects.get(username="newcomer")
    assert (newcomer.role, newcomer.full_name, list(newcomer.units.all())) == (
        Role.LIAISON,
        "新同事",
        [],
    )
    assert not newcomer.is_staff and signed_in_as(client) == newcomer


def test_a_service_account_and_a_switched_off_person_cannot_sign_in(client, ldap_on, unit_a):
    from duban.org import services as org
    from duban.org.scope import SYSTEM

    org.service_account_create(
        actor=SYSTEM, username="bot", full_name="城市大脑", role="leader", units=[unit_a]
    )
    assert sign_in(client, "bot", "dir-pass-b").status_code == 200
    assert signed_in_as(client) is None
    gone = f.person("wang", Role.OFFICE)
    Person.objects.filter(pk=gone.pk).update(is_active=False)
    assert sign_in(client, "wang", "dir-pass-w").status_code == 200
    assert signed_in_as(client) is None


def test_with_passwords_for_administrators_only_the_directory_still_works(
    client, ldap_on, settings, liaison_a
):
    settings.DUBAN_PASSWORD_LOGIN = "admins"
    liaison_a.set_password("duban-local-pass")
    liaison_a.save()
    admin = f.person("root", Role.ADMIN)
    admin.set_password("admin-local-pass")
    admin.save()
    assert sign_in(client, "liaison_a", "duban-local-pass").status_code == 200  # refused
    assert sign_in(client, "liaison_a", "dir-pass-a").status_code == 302
    client.post("/logout/")
    assert sign_in(client, "root", "admin-local-pass").status_code == 302
    assert signed_in_as(client) == admin


def test_a_directory_that_does_not_answer_refuses_without_an_error(client, ldap_on, liaison_a):
    ldap_on(DUBAN_LDAP_URI=f"ldap://127.0.0.1:{free_port()}")
    response = sign_in(client, "liaison_a", "dir-pass-a")
    assert response.status_code == 200
    assert signed_in_as(client) is None
