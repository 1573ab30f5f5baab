"""The sign-in page: its buttons and what it says when a password is refused."""

from __future__ import annotations

import pytest

from .pages import sign_in, signed_in_as

pytestmark = pytest.mark.django_db


def test_a_refused_password_says_it_is_for_administrators_only(client, settings, liaison_a):
    settings.DUBAN_PASSWORD_LOGIN = "admins"
    settings.DUBAN_CHAT_LOGIN = {
        **settings.DUBAN_CHAT_LOGIN,
        "wecom": {**settings.DUBAN_CHAT_LOGIN["wecom"], "client_id": "ww1", "secret": "s"},
    }
    liaison_a.set_password("duban-local-pass")
    liaison_a.save()
    page = sign_in(client, "liaison_a", "duban-local-pass", language="en").content.decode()
    assert "Password sign-in is kept for administrators" in page
    assert 'data-testid="sso-wecom"' in page and "<details open>" in page
    assert signed_in_as(client) is None
    chinese = sign_in(client, "liaison_a", "duban-local-pass", language="zh-hans")
    assert "密码登录仅供系统管理员使用" in chinese.content.decode()


def test_without_single_sign_on_the_page_is_the_password_form(client, liaison_a):
    liaison_a.set_password("duban-local-pass")
    liaison_a.save()
    page = client.get("/login/").content.decode()
    assert 'data-testid="sso-methods"' not in page and 'name="password"' in page
    assert sign_in(client, "liaison_a", "duban-local-pass").status_code == 302
    assert signed_in_as(client) == liaison_a
