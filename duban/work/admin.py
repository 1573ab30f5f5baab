from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Meeting, Plan, ProgressReport, Task


@admin.register(Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ("title", "year", "progress")


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "kind", "number", "date")
    list_filter = ("kind",)


@admin.register(Task)
class TaskAdmin(SimpleHistoryAdmin):
    # Read-mostly: tasks change through the pages, which keep the timeline.
    list_display = ("serial", "title", "lead_unit", "state", "deadline", "progress")
    list_filter = ("state", "plan")
    search_fields = ("title", "serial")
    readonly_fields = [f.name for f in Task._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(ProgressReport)
class ProgressReportAdmin(SimpleHistoryAdmin):
    list_display = ("task", "period_label", "state", "percent", "is_late")
    list_filter = ("state", "is_late")
    readonly_fields = [f.name for f in ProgressReport._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
