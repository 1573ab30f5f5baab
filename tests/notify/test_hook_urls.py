"""A chat robot's address is checked when it is set up: the providers' real
addresses are accepted, anything else is refused with a message that says
what is wrong, through the function, the form and the page, and nothing is
saved."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError

from duban.notify import services
from duban.notify.forms import ChatHookForm
from duban.notify.hooks import validate_hook_url
from duban.notify.models import ChatHook
from tests import factories as f

GOOD = [
    ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=0a1b2c3d"),
    ("dingtalk", "https://oapi.dingtalk.com:443/robot/send?access_token=0a1b2c3d"),
    ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7a0b-4c8e"),
    ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/2d3c-4e5f"),
    ("feishu", "https://open.larksuite.com/open-apis/bot/v2/hook/2d3c-4e5f"),
]

NOT_HTTPS = "A chat robot address must start with https://."
NOT_WEB = "This is not a web address: it must start with https://."
DINGTALK_SHAPE = (
    "A DingTalk robot address looks like https://oapi.dingtalk.com/robot/send?access_token=…"
)

BAD = [
    ("dingtalk", "http://oapi.dingtalk.com/robot/send?access_token=abc", NOT_HTTPS),
    ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", NOT_HTTPS),
    (
        "dingtalk",
        "https://oapi.dingtalk.com.evil.example/robot/send?access_token=abc",
        "A DingTalk robot address is on oapi.dingtalk.com, not on oapi.dingtalk.com.evil.example.",
    ),
    (
        "dingtalk",
        "https://oapi.dingtalk.com@evil.example/robot/send?access_token=abc",
        "A DingTalk robot address is on oapi.dingtalk.com, not on evil.example.",
    ),
    (
        "dingtalk",
        "https://oapi.dingtalk.com:8443/robot/send?access_token=abc",
        "A DingTalk robot address is on oapi.dingtalk.com, not on oapi.dingtalk.com:8443.",
    ),
    (
        "dingtalk",  # a WeCom address given as DingTalk
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        "A DingTalk robot address is on oapi.dingtalk.com, not on qyapi.weixin.qq.com.",
    ),
    (
        "feishu",
        "https://hooks.slack.com/services/T000/B000/XXXX",
        "A Feishu / Lark robot address is on open.feishu.cn / open.larksuite.com, "
        "not on hooks.slack.com.",
    ),
    ("dingtalk", "https://oapi.dingtalk.com/robot/send", DINGTALK_SHAPE),
    ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=", DINGTALK_SHAPE),
    ("dingtalk", "https://oapi.dingtalk.com/robot/send?key=abc", DINGTALK_SHAPE),
    ("dingtalk", "https://oapi.dingtalk.com/other?access_token=abc", DINGTALK_SHAPE),
    (
        "wecom",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send",
        "A WeCom robot address looks like https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
    ),
    (
        "feishu",
        "https://open.feishu.cn/open-apis/bot/v2/hook/",
        "A Feishu / Lark robot address looks like https://open.feishu.cn/open-apis/bot/v2/hook/…",
    ),
    ("dingtalk", "not a web address", "This is not a web address."),
    ("dingtalk", "oapi.dingtalk.com/robot/send?access_token=abc", NOT_WEB),
    ("dingtalk", "javascript:alert(1)", NOT_WEB),
    ("dingtalk", "ftp://oapi.dingtalk.com/robot/send?access_token=abc", NOT_WEB),
    ("dingtalk", "https://", NOT_WEB),
    ("dingtalk", "", NOT_WEB),
    ("dingtalk", "https://oapi.dingtalk.com:port/robot/send", "This is not a web address."),
    (
        "dingtalk",  # a newline inside: urlsplit drops it, the saved address would keep it
        "https://oapi.dingtalk.com/robot/send?access_token=ab\ncd",
        "This is not a web address.",
    ),
    ("slack", "https://hooks.slack.com/services/T000", "Choose the kind of chat robot."),
]


@pytest.mark.parametrize(("kind", "url"), GOOD)
def test_the_providers_addresses_are_accepted(kind, url):
    assert validate_hook_url(kind, url) == url
    assert validate_hook_url(kind, f"  {url}\n") == url  # pasted with spaces around


@pytest.mark.parametrize(("kind", "url", "message"), BAD)
def test_a_bad_address_is_refused_with_a_message(kind, url, message):
    with pytest.raises(ValidationError) as refused:
        validate_hook_url(kind, url)
    assert refused.value.messages == [message]


def test_an_address_on_a_listed_relay_host_is_accepted(settings):
    settings.DUBAN_WEBHOOK_EXTRA_HOSTS = ["relay.example.internal", "127.0.0.1:8099"]
    assert validate_hook_url("dingtalk", "http://relay.example.internal/robot") == (
        "http://relay.example.internal/robot"
    )
    assert validate_hook_url("wecom", "http://127.0.0.1:8099/x") == "http://127.0.0.1:8099/x"
    # Only the listed port of a host:port entry; and still no javascript:.
    with pytest.raises(ValidationError):
        validate_hook_url("wecom", "http://127.0.0.1:8100/x")
    with pytest.raises(ValidationError):
        validate_hook_url("dingtalk", "javascript://relay.example.internal/robot")


def test_the_form_puts_the_message_on_the_address_field():
    form = ChatHookForm(
        {
            "kind": "dingtalk",
            "url": "http://oapi.dingtalk.com/robot/send?access_token=abc",
            "language": "en",
        }
    )
    assert not form.is_valid()
    assert form.errors == {"url": [NOT_HTTPS]}
    good = ChatHookForm({"kind": "wecom", "url": f" {GOOD[2][1]} ", "language": "zh-hans"})
    assert good.is_valid(), good.errors
    assert good.cleaned_data["url"] == GOOD[2][1]


def test_the_service_refuses_a_bad_address_too(office, unit_a):
    with pytest.raises(ValidationError) as refused:
        services.hook_create(actor=office, unit=unit_a, kind="dingtalk", url="javascript:alert(1)")
    assert refused.value.message_dict == {"url": [NOT_WEB]}
    assert not ChatHook.objects.exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://oapi.dingtalk.com/robot/send?access_token=abc", NOT_HTTPS),
        (
            "https://evil.example/robot/send?access_token=abc",
            "A DingTalk robot address is on oapi.dingtalk.com, not on evil.example.",
        ),
        ("https://oapi.dingtalk.com/robot/send", DINGTALK_SHAPE),
        ("javascript:alert(document.cookie)", NOT_WEB),
        ("garbage", NOT_WEB),
    ],
)
def test_the_page_answers_400_shows_the_message_keeps_the_input_and_saves_nothing(
    office, unit_a, as_, url, message
):
    before = f.snapshot()
    response = as_(office).post(
        f"/units/{unit_a.pk}/robots/new/",
        {"kind": "dingtalk", "name": "督办群", "url": url, "secret": "", "language": "en"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert html.escape(message) in page
    assert f'value="{html.escape(url)}"' in page
    assert 'value="督办群"' in page
    assert f.snapshot() == before


def test_the_page_shows_the_message_in_chinese_to_a_chinese_reader(office, unit_a, as_):
    response = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        f"/units/{unit_a.pk}/robots/new/",
        {"kind": "dingtalk", "url": "http://oapi.dingtalk.com/robot/send?access_token=a"},
    )
    assert response.status_code == 400
    assert "群机器人地址必须以 https:// 开头。" in response.content.decode()
    assert not ChatHook.objects.exists()


def test_the_page_saves_a_good_address(office, unit_a, as_):
    url = GOOD[0][1]
    response = as_(office).post(
        f"/units/{unit_a.pk}/robots/new/",
        {
            "kind": "dingtalk",
            "name": "督办群",
            "url": f" {url} ",
            "secret": " s3 ",
            "language": "en",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/units/{unit_a.pk}/"
    hook = ChatHook.objects.get()
    assert (hook.unit, hook.kind, hook.name, hook.url, hook.secret, hook.language) == (
        unit_a,
        "dingtalk",
        "督办群",
        url,
        "s3",
        "en",
    )
    assert hook.enabled


def test_only_the_office_sets_up_robots(liaison_a, unit_a, as_):
    before = f.snapshot()
    response = as_(liaison_a).post(
        f"/units/{unit_a.pk}/robots/new/", {"kind": "dingtalk", "url": GOOD[0][1]}
    )
    assert response.status_code == 403
    assert f.snapshot() == before
