"""Administrators see who is tied to which provider's id, and can undo a wrong tie."""

from __future__ import annotations

from duban.org.models import Role
from duban.sso.models import Identity
from tests import factories as f


def test_administrators_list_the_security_administrator_removes_a_tie_office_staff_do_not(
    as_, office, liaison_a
):
    tie = Identity.objects.create(method="oidc", subject="a1b2", person=liaison_a)
    admin = f.person("root", Role.ADMIN)
    security = f.person("sec", Role.SECURITY)
    listed = as_(admin).get("/admin/sso/identity/")
    assert listed.status_code == 200 and "a1b2" in listed.content.decode()
    assert as_(office).get("/admin/sso/identity/").status_code == 403
    assert as_(admin).get("/admin/sso/identity/add/").status_code == 403
    assert (
        as_(admin).post(f"/admin/sso/identity/{tie.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    removed = as_(security).post(f"/admin/sso/identity/{tie.pk}/delete/", {"post": "yes"})
    assert removed.status_code == 302 and not Identity.objects.exists()
