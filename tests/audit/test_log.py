"""The security audit log: what is recorded, and that nobody can change it
unnoticed (the database refuses; the hash chain names what was done anyway)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from duban.api.tokens import token_create
from duban.audit import log
from duban.audit.models import AuditEvent
from duban.audit.prune import prune
from tests import factories as f

pytestmark = pytest.mark.django_db


def actions() -> list[tuple[str, str, str]]:
    return list(AuditEvent.objects.order_by("id").values_list("action", "actor", "outcome"))


def sign_in(client, username, password):
    return client.post(
        "/login/",
        {"username": username, "password": password},
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="Mozilla/5.0 test",
    )


def test_sign_ins_failures_and_sign_outs_are_recorded_with_where_from(client, liaison_a):
    liaison_a.set_password("a-long-passphrase")
    liaison_a.save()
    sign_in(client, "liaison_a", "wrong")
    sign_in(client, "nobody", "wrong")
    sign_in(client, "liaison_a", "a-long-passphrase")
    client.post("/logout/")
    assert actions() == [
        ("login.failed", "", "refused"),
        ("login.failed", "", "refused"),
        ("login", "liaison_a", "ok"),
        ("logout", "liaison_a", "ok"),
    ]
    failed = AuditEvent.objects.order_by("id").first()
    assert failed.detail == {"username": "liaison_a"} and "wrong" not in str(failed.detail)
    assert (failed.address, failed.user_agent) == ("10.1.2.3", "Mozilla/5.0 test")
    assert AuditEvent.objects.get(action="login").detail == {"method": "PasswordBackend"}


def test_a_refused_page_and_the_apis_tokens_are_recorded(as_, client, liaison_a, task, office):
    as_(liaison_a).get(f"/tasks/{task.pk}/edit/")  # the office's form: 403
    refused = AuditEvent.objects.get(action="access.refused")
    assert (refused.actor, refused.detail["path"], refused.detail["status"]) == (
        "liaison_a",
        f"/tasks/{task.pk}/edit/",
        403,
    )
    made = token_create(actor=office, name="OA", days=30, can_write=True)
    bearer = {"Authorization": f"Bearer {made.secret}"}
    client.get("/api/v1/tasks", headers=bearer)
    client.get("/api/v1/tasks", headers=bearer)  # the same minute: one "used" row
    client.post(
        f"/api/v1/tasks/{task.pk}/notices",
        {"reason": "请说明。", "answer_by": "2026-03-25"},
        content_type="application/json",
        headers=bearer,
    )
    client.get("/api/v1/tasks", headers={"Authorization": "Bearer dbn_x_forged"})
    assert [a for a in actions() if a[0].startswith(("api", "access"))][1:] == [
        ("api.token.used", "office", "ok"),
        ("api.write", "office", "ok"),
        ("access.refused", "", "refused"),
    ]
    write = AuditEvent.objects.get(action="api.write")
    assert write.detail["token"] == made.token.prefix and made.secret not in str(write.detail)


def test_an_api_write_and_its_row_commit_together(client, liaison_a, office, task, monkeypatch):
    """The report and its api.write row are one transaction: with the row
    refused, no report is left; a refused write still gets its failed row,
    once; a write by the token with and without an Idempotency-Key one row each."""
    from duban.audit import middleware
    from duban.work.models import ProgressReport
    from tests import factories as f

    claimed = f.claimed(office, liaison_a, task.lead_unit)
    made = token_create(actor=liaison_a, name="OA", days=30, can_write=True)
    bearer = {"Authorization": f"Bearer {made.secret}"}
    url = f"/api/v1/tasks/{claimed.pk}/reports"

    def file(key: str = "", **data):
        body = {"period": f.THIS_WEEK, "text": "推进顺利。", "percent": "20", **data}
        headers = {**bearer, **({"Idempotency-Key": key} if key else {})}
        return client.post(url, body, content_type="application/json", headers=headers)

    real = middleware.record

    def refusing(action, **kwargs):
        if action == "api.write" and kwargs["outcome"] == "ok":
            raise DatabaseError("the log is full")
        return real(action, **kwargs)

    monkeypatch.setattr(middleware, "record", refusing)
    with pytest.raises(DatabaseError):
        file("k-1")
    assert not ProgressReport.objects.filter(task=claimed).exists()
    monkeypatch.setattr(middleware, "record", real)

    assert file("k-2").status_code == 201
    assert file(percent="很多").status_code == 422  # refused before the service
    assert file(period="2026-W99").status_code == 422  # refused by the service
    writes = list(AuditEvent.objects.filter(action="api.write").order_by("id"))
    assert [(w.outcome, w.detail["status"]) for w in writes] == [
        ("failed", 500),  # the write undone, and said so
        ("ok", 201),
        ("failed", 422),
        ("failed", 422),
    ]
    assert ProgressReport.objects.filter(task=claimed).count() == 1
    assert list(log.verify()) == []


def test_the_chain_holds_and_the_command_says_so(client, liaison_a, capsys):
    for _ in range(5):
        sign_in(client, "liaison_a", "wrong")
    assert list(log.verify()) == []
    call_command("audit", "verify")
    assert "chain holds" in capsys.readouterr().out


def test_the_database_refuses_to_change_or_remove_a_row(client, liaison_a):
    sign_in(client, "liaison_a", "wrong")
    row = AuditEvent.objects.get()
    for attempt in (
        lambda: AuditEvent.objects.filter(pk=row.pk).update(actor="someone else"),
        lambda: AuditEvent.objects.filter(pk=row.pk)._raw_delete(connection.alias),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    assert AuditEvent.objects.get().actor == ""


def _without_the_guard():
    """What someone with the database's own keys could do: drop the guard."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")
        else:
            cursor.execute("DROP TRIGGER audit_event_append_only ON audit_auditevent")


def test_an_edited_row_and_removed_rows_are_named_by_verify(client, liaison_a):
    for _ in range(6):
        sign_in(client, "liaison_a", "wrong")
    _without_the_guard()
    AuditEvent.objects.filter(id=3).update(detail={"username": "someone else"})
    AuditEvent.objects.filter(id=5)._raw_delete(connection.alias)
    assert [(b.id, b.why) for b in log.verify()] == [
        (3, "its content does not match its hash (edited)"),
        (6, "rows 5–5 are missing"),
        (6, "it does not follow the row before it"),
    ]
    with pytest.raises(CommandError, match="broken in"):
        call_command("audit", "verify")


def test_the_oldest_rows_removed_without_pruning_are_noticed(client, liaison_a):
    for _ in range(4):
        sign_in(client, "liaison_a", "wrong")
    _without_the_guard()
    AuditEvent.objects.filter(id__lte=2)._raw_delete(connection.alias)
    assert [b.why for b in log.verify()] == ["rows 1–2 are missing and were not pruned"]


def test_pruning_keeps_180_days_at_least_and_is_itself_recorded(client, liaison_a, clock):
    for _ in range(3):
        sign_in(client, "liaison_a", "wrong")
    clock.move_to(f.NOW + dt.timedelta(days=100))
    sign_in(client, "liaison_a", "wrong")
    assert prune(days=30) == 0  # never fewer than 180 days kept
    clock.move_to(f.NOW + dt.timedelta(days=200))
    assert prune() == 3
    assert AuditEvent.objects.order_by("id").values_list("id", flat=True).first() == 4
    pruned = AuditEvent.objects.get(action="audit.pruned")
    assert pruned.detail["removed"] == 3 and pruned.detail["first_kept"] == 4
    assert list(log.verify()) == []


def test_a_nul_in_what_is_recorded_is_stored_on_every_database(db):
    # PostgreSQL's JSON refuses U+0000; a hostile filter or file name carries it.
    from duban.audit.log import record, verify

    row = record(
        "export", object_id="7\x00", detail={"filters": {"q\x00": "a\x00b"}, "n": [1, "\x00"]}
    )
    row.refresh_from_db()
    assert row.detail == {"filters": {"q\ufffd": "a\ufffdb"}, "n": [1, "\ufffd"]}
    assert row.object_id == "7" and not list(verify())


def test_under_gm_the_chain_is_sm3_and_a_switch_keeps_the_rows_before(db, settings):
    from cryptography.hazmat.primitives import hashes

    from duban.audit.log import canonical, record

    settings.DUBAN_CRYPTO = "standard"
    before = record("login", detail={"n": 1})
    settings.DUBAN_CRYPTO = "gm"
    after = record("login", detail={"n": 2})
    assert (before.algorithm, after.algorithm) == (None, "sm3")
    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(canonical(after))
    assert after.hash == sm3.finalize().hex() and after.prev_hash == before.hash
    assert not list(log.verify())
    # An edited SM3 row, and a row whose algorithm was changed, are named.
    _without_the_guard()
    AuditEvent.objects.filter(id=after.id).update(detail={"n": 3})
    AuditEvent.objects.filter(id=before.id).update(algorithm="sm3")
    assert [b.id for b in log.verify()] == [before.id, after.id]
