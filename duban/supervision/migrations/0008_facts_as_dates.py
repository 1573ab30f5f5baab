"""Standing warnings keep the dates their facts count from, not the counts.

Until now a warning stored the days it counted (overdue by 5 days, 3 days left,
waited 4 days, a notice 2 days late) and the slow rule's expected progress and
gap as of the scan, so the first scan of every day rewrote some 7,000 warnings
at province scale although nothing about them had changed. The scan now stores
the dates (and the slow rule's schedule) and every page, message and export
counts the days when it shows them (``duban.lib.rules.counted``).

This rewrites the facts of the warnings that stand (not cleared) into that
shape, so the first scan after the upgrade finds them as it would write them
and writes nothing; their pages count the days from today at once. History is
left as it was: cleared warnings and the warnings' events keep what they
recorded, which ``counted`` still shows (it counts only where the dates are
there, and a count counted on the day it was recorded is the same count).

Reversing puts the counts back, counted on the day it runs.
"""

import datetime as dt

from django.db import migrations
from django.utils import timezone

COUNTS = {  # rule: what the facts counted, now counted when shown
    "inaction_claim": ("days",),
    "overdue": ("days",),
    "near_due": ("days",),
    "notice": ("days_late",),
    "slow": ("expected", "gap", "milestone", "milestone_percent"),
}


def _standing(apps):
    TaskWarning = apps.get_model("supervision", "TaskWarning")
    return TaskWarning, TaskWarning.objects.filter(cleared_at__isnull=True, rule__in=list(COUNTS))


def to_dates(apps, schema_editor):
    TaskWarning, standing = _standing(apps)
    Milestone = apps.get_model("work", "Milestone")
    slow = standing.filter(rule="slow")
    schedule = {
        pk: (start, deadline)
        for pk, start, deadline in slow.values_list("id", "task__start_date", "task__deadline")
    }
    steps: dict = {}
    for task_id, day, percent in Milestone.objects.filter(task__warnings__in=slow).values_list(
        "task_id", "date", "percent"
    ):
        steps.setdefault(task_id, set()).add((day, float(percent)))
    changed = []
    for warning in standing.only("id", "task_id", "rule", "facts").iterator(chunk_size=2000):
        facts = dict(warning.facts)
        if warning.rule == "slow" and "start" not in facts:
            start, deadline = schedule[warning.pk]
            facts = {
                "progress": facts.get("progress"),
                "start": start.isoformat(),
                "deadline": deadline.isoformat(),
                "yellow": facts.get("yellow"),
                "red": facts.get("red"),
            }
            if warning.task_id in steps:
                facts["milestones"] = [
                    [day.isoformat(), percent] for day, percent in sorted(steps[warning.task_id])
                ]
        elif warning.rule != "slow":
            for name in COUNTS[warning.rule]:
                facts.pop(name, None)
        if facts != warning.facts:
            warning.facts = facts
            changed.append(warning)
    TaskWarning.objects.bulk_update(changed, ["facts"], batch_size=500)


def _elapsed(start, end, today):
    if end <= start:
        return 1.0 if today >= end else 0.0
    return max(0.0, min(1.0, (today - start).days / (end - start).days))


def to_counts(apps, schema_editor):
    TaskWarning, standing = _standing(apps)
    today = timezone.localdate()
    changed = []
    for warning in standing.only("id", "rule", "facts").iterator(chunk_size=2000):
        facts = dict(warning.facts)
        day = {
            k: dt.date.fromisoformat(v)
            for k, v in facts.items()
            if k in ("assigned", "deadline", "due", "start")
        }
        if warning.rule == "inaction_claim" and "assigned" in day:
            facts["days"] = (today - day["assigned"]).days
        elif warning.rule == "overdue" and "deadline" in day:
            facts["days"] = (today - day["deadline"]).days
        elif warning.rule == "near_due" and "deadline" in day:
            facts["days"] = max((day["deadline"] - today).days, 0)
        elif warning.rule == "notice" and "due" in day:
            facts["days_late"] = max((today - day["due"]).days, 0)
        elif warning.rule == "slow" and "start" in day and "deadline" in day:
            # The straight line (the milestones' expectation is left to the next scan).
            expected = round(100 * _elapsed(day["start"], day["deadline"], today))
            facts["expected"], facts["gap"] = expected, expected - facts.get("progress", 0)
        if facts != warning.facts:
            warning.facts = facts
            changed.append(warning)
    TaskWarning.objects.bulk_update(changed, ["facts"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0007_office_required"),
        ("work", "0015_report_task_period_index"),
    ]

    operations = [migrations.RunPython(to_dates, to_counts)]
