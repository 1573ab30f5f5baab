"""What data migrations share: the office that records kept for the whole
installation belong to when offices arrive (the top of the unit tree).

Kept apart from the app's code on purpose: a migration must go on doing what
it did when it was written, so this reads only the historical models it is given.
"""

from __future__ import annotations

from typing import Any


def top_office(apps: Any) -> Any:
    """The first top unit; created (as the office itself) only when records exist
    and the tree is empty, so that no record is left without an office."""
    Unit = apps.get_model("org", "Unit")
    top = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    if top is None:
        top = Unit.objects.create(
            code="OFFICE", name="督查室", name_en="Supervision office", kind="committee"
        )
        top.path = f"{top.pk:06d}/"
        top.save(update_fields=["path"])
    return top


def fill_office(app_label: str, *models: str, field: str = "office") -> Any:
    """A RunPython step: every row of ``models`` with no office gets the top one."""

    def run(apps: Any, schema_editor: Any) -> None:
        rows = [apps.get_model(app_label, name) for name in models]
        if not any(m.objects.filter(**{f"{field}__isnull": True}).exists() for m in rows):
            return
        top = top_office(apps)
        for model in rows:
            model.objects.filter(**{f"{field}__isnull": True}).update(**{field: top})

    return run
