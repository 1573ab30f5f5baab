"""The nightly upkeep removes uploaded lists that were never imported, after
DUBAN_IMPORT_KEEP_DAYS; imported lists and fresh uploads stay."""

from __future__ import annotations

import datetime as dt
import os

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from duban.documents import importer
from duban.documents.models import TaskImport
from duban.ops import jobs, tasks
from duban.org import services as org_services
from duban.org.scope import SYSTEM

from .. import factories as f
from ..documents.test_taskbook import xlsx
from ..projects.test_import import GOOD, _book

TASKS = [["重点任务", "牵头单位", "完成时限"], ["建设孵化器", "区科技局", "2022年6月底"]]


def _task_list(office, plan):
    record, _preview = importer.upload(
        actor=office, plan=plan, uploaded=SimpleUploadedFile("任务.xlsx", xlsx(TASKS))
    )
    return record


def _age(name: str, days: float) -> None:
    """Make a stored file look ``days`` old (the storage reads its mtime)."""
    moment = (timezone.now() - dt.timedelta(days=days)).timestamp()
    os.utime(default_storage.path(name), (moment, moment))


def test_a_task_list_never_imported_goes_after_a_day_with_its_record(office, clock):
    org_services.unit_create(actor=SYSTEM, code="KJ", name="区科技局", kind="department")
    plan = f.plan(office, title="2022年重点任务", year=2022)
    abandoned = _task_list(office, plan)
    imported = _task_list(office, plan)
    importer.apply(actor=office, record=imported, mappings={})
    names = {abandoned.pk: abandoned.file.name, imported.pk: imported.file.name}

    clock.move_to(f.NOW + dt.timedelta(hours=23))
    for name in names.values():
        _age(name, 23 / 24)
    fresh = _task_list(office, plan)
    assert jobs.remove_abandoned_uploads() == 0  # less than a day: the office may come back

    clock.move_to(f.NOW + dt.timedelta(days=1, hours=1))
    for name in names.values():
        _age(name, 1 + 1 / 24)
    assert jobs.remove_abandoned_uploads() == 1
    assert not TaskImport.objects.filter(pk=abandoned.pk).exists()
    assert not default_storage.exists(names[abandoned.pk])
    assert TaskImport.objects.filter(pk=imported.pk).exists()  # what the plan was made from
    assert default_storage.exists(names[imported.pk])
    assert TaskImport.objects.filter(pk=fresh.pk).exists()
    assert default_storage.exists(fresh.file.name)


def test_a_project_list_left_at_its_preview_goes_too(as_, office, unit_a, clock):
    client = as_(office)
    preview = client.post("/projects/import/", {"file": SimpleUploadedFile("p.xlsx", _book(GOOD))})
    assert preview.status_code == 200 and preview.context["token"]
    _folders, waiting = default_storage.listdir("imports/projects")
    assert len(waiting) == 1
    name = f"imports/projects/{waiting[0]}"

    assert jobs.remove_abandoned_uploads() == 0
    clock.move_to(f.NOW + dt.timedelta(days=2))
    _age(name, 2)
    assert jobs.remove_abandoned_uploads() == 1
    assert not default_storage.exists(name)
    # Confirming it now says the upload expired, as after the token's hour.
    done = client.post("/projects/import/", {"token": preview.context["token"]})
    assert done.status_code == 302


def test_a_file_no_record_names_goes_and_the_retention_is_from_the_settings(
    office, clock, settings
):
    settings.DUBAN_IMPORT_KEEP_DAYS = 7
    stray = default_storage.save(
        "imports/2026/03/half-uploaded.xlsx", SimpleUploadedFile("x", b"x")
    )
    clock.move_to(f.NOW + dt.timedelta(days=3))
    _age(stray, 3)
    assert jobs.remove_abandoned_uploads() == 0
    clock.move_to(f.NOW + dt.timedelta(days=8))
    _age(stray, 8)
    assert jobs.remove_abandoned_uploads() == 1
    assert not default_storage.exists(stray)


def test_the_nightly_job_runs_both_parts_of_the_upkeep(office, clock):
    stray = default_storage.save("imports/projects/old.xlsx", SimpleUploadedFile("x", b"x"))
    clock.move_to(f.NOW + dt.timedelta(days=2))
    _age(stray, 2)
    assert tasks.prune_results.call() == {"results": 0, "uploads": 1}
