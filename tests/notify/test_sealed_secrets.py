"""Chat robots' addresses and signing secrets and webhooks' secrets are sealed in
the database (duban.lib.crypto): the raw column holds no clear text, the code
reads them in clear, rows from before are sealed by the migration, and
`duban secrets reseal` moves every token to the configured algorithm and key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import io
import json

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import connection

from duban.audit.models import AuditEvent
from duban.lib import crypto
from duban.notify import outbox, services
from duban.notify.fanout import fan_out
from duban.notify.models import ChatHook, Delivery, Endpoint
from duban.supervision import services as supervision
from tests import factories as f

from .support import add_hook

SECRET = "SEC0123456789abcdef"  # a DingTalk-style signing secret
TOKEN = "tok-0123456789abcdef"  # the robot's access token, in its address
KEY_OLD = "1" * 64
KEY_NEW = "2" * 64
NOW_S = int(f.NOW.timestamp())

sealed_migration = importlib.import_module("duban.notify.migrations.0006_sealed_secrets")


@pytest.fixture(autouse=True)
def _key(settings):
    settings.DUBAN_SECRETS_KEY = KEY_OLD
    settings.DUBAN_SECRETS_KEYS_OLD = []
    settings.DUBAN_SITE_URL = "https://duban.example.org"


def raw(model, pk: int, column: str) -> str:
    """The column as the database holds it, past the field."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        quoted = connection.ops.quote_name(column)
        cursor.execute(f"SELECT {quoted} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def write_raw(model, pk: int, **values: str) -> None:
    """Clear text as a row written before the columns were sealed holds it."""
    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in values)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {sets} WHERE id = %s", [*values.values(), pk])  # noqa: S608


def robot_url(robot) -> str:
    return robot.url(f"/robot/send?access_token={TOKEN}")


def add_endpoint(office, robot) -> Endpoint:
    return services.endpoint_create(
        actor=office,
        office=f.zone(),
        name="OA",
        url=robot.url("/hooks/duban"),
        events=["task.claimed"],
    )


@pytest.mark.parametrize(("mode", "algorithm"), [("standard", "aes"), ("gm", "sm4")])
def test_the_columns_hold_tokens_and_the_code_reads_clear_text(
    settings, office, unit_a, robot, mode, algorithm
):
    settings.DUBAN_CRYPTO = mode
    hook = add_hook(office, unit_a, robot_url(robot), secret=SECRET)
    endpoint = add_endpoint(office, robot)
    for model, pk, column, clear in [
        (ChatHook, hook.pk, "url", robot_url(robot)),
        (ChatHook, hook.pk, "secret", SECRET),
        (Endpoint, endpoint.pk, "secret", endpoint.secret),
    ]:
        stored = raw(model, pk, column)
        assert stored.startswith(f"v1:{algorithm}:") and clear not in stored
        assert getattr(model.objects.get(pk=pk), column) == clear
    assert TOKEN not in raw(ChatHook, hook.pk, "url")
    assert SECRET not in raw(ChatHook, hook.pk, "secret")


def test_an_empty_secret_stays_empty(office, unit_a, robot):
    hook = add_hook(office, unit_a, robot_url(robot))
    assert raw(ChatHook, hook.pk, "secret") == ""
    assert ChatHook.objects.get(pk=hook.pk).secret == ""


def test_a_token_does_not_open_in_another_column(office, unit_a, robot):
    hook = add_hook(office, unit_a, robot_url(robot), secret=SECRET)
    write_raw(ChatHook, hook.pk, url=raw(ChatHook, hook.pk, "secret"))
    with pytest.raises(crypto.CryptoError, match="another purpose"):
        ChatHook.objects.get(pk=hook.pk)


@pytest.mark.parametrize("mode", ["standard", "gm"])
def test_a_sealed_secret_still_signs_the_robot_s_post(settings, office, claimed_task, robot, mode):
    settings.DUBAN_CRYPTO = mode
    add_hook(office, claimed_task.lead_unit, robot_url(robot), secret=SECRET)
    supervision.notice_issue(actor=office, task=claimed_task, reason="请说明。", answer_by=f.TODAY)
    fan_out()
    assert outbox.send_due().sent == 1
    [seen] = robot.requests
    stamp = str(NOW_S * 1000)
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert seen.query == {"access_token": [TOKEN], "timestamp": [stamp], "sign": [expected]}
    # The queued post keeps where it went, not the token that opens the robot.
    [delivery] = Delivery.objects.filter(channel="hook")
    assert delivery.address == "http://127.0.0.1/robot/send?…"
    assert TOKEN not in delivery.address


def test_the_migration_seals_what_was_stored_in_clear(office, unit_a, robot):
    hook = add_hook(office, unit_a, robot_url(robot), secret=SECRET)
    endpoint = add_endpoint(office, robot)
    services.hook_test(actor=office, hook=hook)
    delivery = Delivery.objects.get(hook=hook)
    write_raw(ChatHook, hook.pk, url=robot_url(robot), secret=SECRET)
    write_raw(Endpoint, endpoint.pk, secret="whsec_legacy")
    write_raw(Delivery, delivery.pk, address=robot_url(robot))
    # Before the migration's data step, clear text reads as it is.
    assert ChatHook.objects.get(pk=hook.pk).secret == SECRET

    sealed_migration.seal_clear_values(apps, None)
    sealed_migration.redact_robot_addresses(apps, None)

    assert raw(ChatHook, hook.pk, "url").startswith("v1:aes:")
    assert raw(ChatHook, hook.pk, "secret").startswith("v1:aes:")
    assert raw(Endpoint, endpoint.pk, "secret").startswith("v1:aes:")
    hook.refresh_from_db()
    assert (hook.url, hook.secret) == (robot_url(robot), SECRET)
    assert Endpoint.objects.get(pk=endpoint.pk).secret == "whsec_legacy"
    assert raw(Delivery, delivery.pk, "address") == "http://127.0.0.1/robot/send?…"


def test_the_migration_undone_leaves_clear_text(office, unit_a, robot):
    hook = add_hook(office, unit_a, robot_url(robot), secret=SECRET)

    class Editor:
        connection = connection

    sealed_migration.open_sealed_values(apps, Editor())
    assert (raw(ChatHook, hook.pk, "url"), raw(ChatHook, hook.pk, "secret")) == (
        robot_url(robot),
        SECRET,
    )


def test_reseal_moves_every_token_to_the_new_algorithm_and_key(settings, office, unit_a, robot):
    hook = add_hook(office, unit_a, robot_url(robot), secret=SECRET)
    endpoint = add_endpoint(office, robot)
    legacy = add_hook(office, unit_a, robot_url(robot), secret="")
    write_raw(ChatHook, legacy.pk, secret="SEC-written-in-clear")
    settings.DUBAN_CRYPTO = "gm"
    settings.DUBAN_SECRETS_KEY = KEY_NEW
    settings.DUBAN_SECRETS_KEYS_OLD = [KEY_OLD]

    out = io.StringIO()
    call_command("secrets", "reseal", stdout=out)
    assert "notify.chathook.secret: 2 sealed again, 0 already current" in out.getvalue()
    new_kid = crypto.key_id("sm4", crypto.decode_key(KEY_NEW))
    for model, pk, column in [
        (ChatHook, hook.pk, "url"),
        (ChatHook, hook.pk, "secret"),
        (ChatHook, legacy.pk, "secret"),
        (Endpoint, endpoint.pk, "secret"),
    ]:
        assert raw(model, pk, column).startswith(f"v1:sm4:{new_kid}:")
    # The old key can go: everything opens with the new one alone.
    settings.DUBAN_SECRETS_KEYS_OLD = []
    hook.refresh_from_db()
    assert (hook.url, hook.secret) == (robot_url(robot), SECRET)
    assert ChatHook.objects.get(pk=legacy.pk).secret == "SEC-written-in-clear"
    event = AuditEvent.objects.filter(action="secrets.reseal").get()
    assert event.detail == {"algorithm": "sm4", "rewritten": 5}

    again = io.StringIO()
    call_command("secrets", "reseal", stdout=again)
    assert "notify.chathook.secret: 0 sealed again, 2 already current" in again.getvalue()


def test_reseal_without_the_old_key_changes_nothing(settings, office, unit_a, robot):
    hook = add_hook(office, unit_a, robot_url(robot), secret=SECRET)
    before = raw(ChatHook, hook.pk, "secret")
    settings.DUBAN_SECRETS_KEY = KEY_NEW
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("secrets", "reseal", stdout=io.StringIO())
    assert raw(ChatHook, hook.pk, "secret") == before


def test_a_dump_of_the_data_holds_tokens_and_loads_back(office, unit_a, robot):
    hook = add_hook(office, unit_a, robot_url(robot), secret=SECRET)
    dumped = serializers.serialize("json", ChatHook.objects.filter(pk=hook.pk))
    assert SECRET not in dumped and TOKEN not in dumped
    [loaded] = serializers.deserialize("json", dumped)
    assert (loaded.object.url, loaded.object.secret) == (robot_url(robot), SECRET)
    assert json.loads(dumped)[0]["fields"]["secret"].startswith("v1:aes:")


def test_a_key_that_does_not_open_the_secrets_is_said_at_start(settings, office, unit_a, robot):
    add_hook(office, unit_a, robot_url(robot), secret=SECRET)
    call_command("check", "--database", "default", "--tag", "database", stdout=io.StringIO())
    settings.DUBAN_SECRETS_KEY = KEY_NEW  # the key that sealed them is lost
    with pytest.raises(SystemCheckError, match="duban.E001.*do not open with this installation"):
        call_command("check", "--database", "default", "--tag", "database", stdout=io.StringIO())
