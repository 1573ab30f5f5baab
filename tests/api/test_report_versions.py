"""The API checks every write of a report against the version the caller
saw, a new report's first save too (tests/work/test_report_versions.py for
the pages and the service)."""

from __future__ import annotations

from duban.work.models import ProgressReport

from .. import factories as f


def test_the_api_checks_a_new_reports_first_save_too(api, liaison_a, claimed_task):
    caller = api(liaison_a)
    body = {"period": f.THIS_WEEK, "text": "接口第一稿。", "percent": "20", "submit": False}
    first = caller.post(f"/tasks/{claimed_task.pk}/reports", body)
    assert first.status_code == 201 and first.json()["version"] == 1
    again = caller.post(f"/tasks/{claimed_task.pk}/reports", {**body, "text": "接口盲改。"})
    assert again.status_code == 412  # the API's answer to a conflict (as for If-Match)
    edited = caller.post(
        f"/tasks/{claimed_task.pk}/reports", {**body, "text": "改稿。", "version": 1}
    )
    assert edited.status_code == 201 and edited.json()["version"] == 2
    assert ProgressReport.objects.get(task=claimed_task).text == "改稿。"
