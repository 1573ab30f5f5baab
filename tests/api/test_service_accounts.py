"""Service accounts: the office makes an account for another system, in a unit
of its scope, and keeps its tokens; the account cannot sign in on the pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from duban.api.models import ApiToken
from duban.api.tokens import token_create, token_revoke
from duban.org import services as org
from duban.org.models import Person, Role, Unit
from tests import factories as f


@pytest.fixture
def account(office, unit_a):
    return org.service_account_create(
        actor=office, username="oa-sync", full_name="OA 系统", role="liaison", units=[unit_a]
    )


def test_the_office_makes_an_account_and_its_token_acts_with_its_scope(
    account, office, task, unit_b
):
    other = f.task(office, unit_b, title="乙单位的任务")
    secret = token_create(actor=office, person=account, name="OA", days=30, can_write=True).secret
    client = Client()
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=auth).json()["username"] == "oa-sync"
    listed = {t["id"] for t in client.get("/api/v1/tasks", headers=auth).json()["results"]}
    assert task.pk in listed and other.pk not in listed
    assert (
        client.post(f"/api/v1/tasks/{task.pk}/claim", headers=auth).json()["state"] == "in_progress"
    )


def test_a_service_account_cannot_sign_in_on_the_pages(account):
    assert not account.has_usable_password()
    assert not account.is_staff and account.is_service
    assert Client().post("/login/", {"username": "oa-sync", "password": ""}).status_code == 200


def test_only_the_office_whose_scope_holds_it_keeps_its_tokens(account, office, liaison_a):
    with pytest.raises(PermissionDenied):
        token_create(actor=liaison_a, person=account, name="x", days=1, can_write=False)
    district = f.unit("D", "辛店镇", kind="district")
    Unit.objects.filter(pk=district.pk).update(runs_office=True)
    outsider = f.person("office_d", Role.OFFICE, units=[district])
    with pytest.raises(PermissionDenied):
        token_create(actor=outsider, person=account, name="x", days=1, can_write=False)
    made = token_create(actor=office, person=account, name="OA", days=1, can_write=False)
    with pytest.raises(PermissionDenied):
        token_revoke(actor=outsider, token=made.token)
    token_revoke(actor=office, token=made.token)
    assert ApiToken.objects.get(pk=made.token.pk).revoked_at is not None


def test_nobody_makes_tokens_for_another_person(office, liaison_a):
    with pytest.raises(PermissionDenied):
        token_create(actor=office, person=liaison_a, name="x", days=1, can_write=False)


def test_a_service_account_needs_a_role_a_unit_and_a_free_username(office, unit_a, account):
    for bad in (
        {"role": "admin", "units": [unit_a], "username": "a1"},
        {"role": "office", "units": [], "username": "a2"},
        {"role": "office", "units": [unit_a], "username": "oa-sync"},
    ):
        with pytest.raises(ValidationError):
            org.service_account_create(actor=office, full_name="x", **bad)


def test_the_office_does_it_on_the_tokens_page(as_, office, unit_a):
    client = as_(office)
    made = client.post(
        "/me/tokens/",
        {
            "make_account": "1",
            "username": "city-brain",
            "full_name": "城市大脑",
            "role": "leader",
            "unit": unit_a.pk,
        },
    )
    assert made.status_code == 302
    account = Person.objects.get(username="city-brain")
    page = client.post(
        "/me/tokens/", {"make_token": "1", "account": account.pk, "name": "大屏", "days": 30}
    )
    assert page.status_code == 200 and "dbn_" in page.context["made"].secret
    assert page.context["made"].token.person == account
    assert "城市大脑" in page.content.decode()
    kept = client.post(
        "/me/tokens/", {"make_account": "1", "username": "", "full_name": "", "role": "x"}
    )
    assert kept.status_code == 400 and kept.context["account_form"].errors
