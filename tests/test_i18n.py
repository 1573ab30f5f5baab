"""The interface speaks Chinese and English: chosen by the browser's
Accept-Language, or by the language switch, which wins."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext


def _zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


def test_the_catalogue_is_compiled_and_loaded():
    assert _zh("Lead unit") == "牵头单位"


def test_the_task_page_in_english(as_, office, task):
    html = as_(office, HTTP_ACCEPT_LANGUAGE="en").get(f"/tasks/{task.pk}/").content.decode()
    assert '<html lang="en">' in html
    assert "Lead unit" in html
    assert "Build the innovation platforms" in html  # the task's English title
    assert "Development and Reform Bureau" in html  # the unit's English name
    assert "Awaiting claim" in html
    assert "牵头单位" not in html


@pytest.mark.parametrize("accept", ["zh-hans", "zh-CN,zh;q=0.9,en;q=0.8", "zh"])
def test_the_task_page_in_chinese(as_, office, task, accept):
    html = as_(office, HTTP_ACCEPT_LANGUAGE=accept).get(f"/tasks/{task.pk}/").content.decode()
    assert '<html lang="zh-CN">' in html
    assert "牵头单位" in html
    assert "建设科技创新平台" in html
    assert "发展改革局" in html
    assert _zh("Awaiting claim") in html
    assert "Lead unit" not in html
    assert "Build the innovation platforms" not in html


def test_the_sign_in_page_follows_the_browser_too(as_):
    assert (
        _zh("Sign in") in as_(None, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/login/").content.decode()
    )
    assert "Sign in" in as_(None, HTTP_ACCEPT_LANGUAGE="en").get("/login/").content.decode()


def test_the_language_switch_overrides_the_browser(as_, office, task):
    client = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert 'data-testid="lang-en"' in page

    response = client.post("/i18n/setlang/", {"language": "en", "next": f"/tasks/{task.pk}/"})
    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{task.pk}/"
    html = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "Lead unit" in html
    assert 'data-testid="lang-zh-hans"' in html

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/tasks/"})
    assert "牵头单位" in client.get(f"/tasks/{task.pk}/").content.decode()


def test_the_language_switch_refuses_to_redirect_off_site(as_, office):
    response = as_(office).post(
        "/i18n/setlang/", {"language": "en", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


@pytest.mark.parametrize(
    "path", ["/inbox/", "/tasks/", "/plans/", "/meetings/", "/units/", "/tasks/new/"]
)
def test_every_page_has_a_chinese_title(as_, office, task, path):
    html = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").get(path).content.decode()
    title = html.split("<title>")[1].split("</title>")[0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in title), title


def test_every_message_in_the_catalogue_has_a_chinese_text():
    import re
    from pathlib import Path

    import polib

    import duban

    po = polib.pofile(str(Path(duban.__file__).parent / "locale/zh_Hans/LC_MESSAGES/django.po"))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    interpolation = re.compile(r"%\(\w+\)[sd]|\{\{ ?\w+ ?\}\}")
    for entry in po.translated_entries():
        texts = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for text in texts:
            assert sorted(interpolation.findall(entry.msgid)) == sorted(
                interpolation.findall(text)
            ) or (entry.msgid_plural), entry.msgid


def test_the_demonstration_notice_speaks_chinese(as_, settings):
    settings.DUBAN_DEMO = True
    page = as_(None, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/login/").content.decode()
    assert "这是演示环境" in page and "demonstration installation" not in page


def test_a_percent_sign_in_a_template_string_is_found_in_the_catalogue():
    # Templates look a "%" up as "%%" (Django escapes it): the catalogue must say so.
    from django.template import Context, Template

    with translation.override("zh-hans"):
        shown = Template('{% load i18n %}{% trans "Set progress to 100%" %}').render(Context())
    assert shown == "将进度定为100%"


def test_a_task_with_nothing_missing_does_not_say_it_was_filed_on_time(as_, office, task):
    # Just assigned, not claimed: nothing owed yet, so nothing "filed on time" either.
    html = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/tasks/").content.decode()
    assert "已按期报送" not in html
    assert _zh("up to date") == "无缺报"  # the list's word for "no report missing"
