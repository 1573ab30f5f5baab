"""Every write that touches tasks, reports and requests.

Keyword-only functions named ``<noun>_<verb>``, each in one transaction, used
alike by the views, the demo loader, the import and the tests. Each checks who
is asking (defence in depth: views check too) and records a TaskEvent for the
task's timeline in the same transaction.
"""

from ._common import ConflictError, lock_row, record_event
from .bulk import NewTask, tasks_create_in_bulk
from .progress import plan_progress_as_of, weighted_mean
from .reports import (
    AcceptedMany,
    SkippedReport,
    report_due_date,
    report_is_late,
    report_period_choices,
    report_review,
    report_save,
    reports_accept_many,
)
from .requests import (
    close_request_create,
    close_request_decide,
    deadline_change_decide,
    deadline_change_request,
    instruction_create,
    instruction_mark_read,
)
from .tasks import (
    EDITABLE_FIELDS,
    meeting_create,
    milestone_delete,
    milestone_set,
    plan_create,
    task_claim,
    task_create,
    task_update,
)

__all__ = [
    "plan_progress_as_of",
    "weighted_mean",
    "EDITABLE_FIELDS",
    "AcceptedMany",
    "ConflictError",
    "NewTask",
    "SkippedReport",
    "close_request_create",
    "close_request_decide",
    "deadline_change_decide",
    "deadline_change_request",
    "instruction_create",
    "instruction_mark_read",
    "lock_row",
    "meeting_create",
    "milestone_delete",
    "milestone_set",
    "plan_create",
    "record_event",
    "report_due_date",
    "report_is_late",
    "report_period_choices",
    "report_review",
    "report_save",
    "reports_accept_many",
    "task_claim",
    "task_create",
    "task_update",
    "tasks_create_in_bulk",
]
