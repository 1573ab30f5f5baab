"""How long a unit takes to file a report (为基层减负: the office watches the
time its forms cost): from the moment the report form was opened to the moment
it was submitted.

The report page writes a stamp into the form when it renders it: the person,
the task and the moment, signed with the installation's secret
(``django.core.signing``), so a stamp cannot be typed by hand, moved to another
person's or another task's form, or kept for a week and sent again. Reading it
back on submission gives the seconds; a stamp absent, forged, someone else's,
or older than :data:`LONGEST` gives ``None`` (not measured), never an error:
the report is filed either way, only the measure is left out.

Negative times (a clock set back) and times over a day (the form left open
overnight measures the night, not the work) are not counted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import signing
from django.utils import timezone

SALT = "duban.work.filing.report-opened"
# Longer than this is not the time the form took.
LONGEST = 24 * 60 * 60


def counted(seconds: Any) -> int | None:
    """``seconds`` when it is a time a form can take (0 to :data:`LONGEST`), else None."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        return None
    return seconds if 0 <= seconds <= LONGEST else None


def opened_stamp(*, person: Any, task_id: int, at: dt.datetime | None = None) -> str:
    """The signed stamp the report form carries: who opened it, for which task, when."""
    moment = at or timezone.now()
    return signing.dumps({"p": person.pk, "t": task_id, "at": int(moment.timestamp())}, salt=SALT)


def seconds_to_file(
    stamp: str | None, *, person: Any, task_id: int, at: dt.datetime | None = None
) -> int | None:
    """The seconds since ``person`` opened task ``task_id``'s report form, read from the
    form's stamp; None when the stamp is not one this installation signed for
    this person and task, or the time is not one a form takes (:func:`counted`)."""
    if not stamp:
        return None
    try:
        data = signing.loads(stamp, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        # A changed stamp, or one whose payload is not what opened_stamp writes.
        # Its age is checked below against the stamp's own moment (the clock a
        # test freezes), not by signing's max_age.
        return None
    if not isinstance(data, dict) or data.get("p") != person.pk or data.get("t") != task_id:
        return None
    opened = data.get("at")
    if isinstance(opened, bool) or not isinstance(opened, int):
        return None
    now = at or timezone.now()
    return counted(int(now.timestamp()) - opened)
