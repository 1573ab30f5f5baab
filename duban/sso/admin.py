from django.contrib import admin

from .models import Identity


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    """Which provider's id signs in whom. An administrator removes a wrong tie
    (the next sign-in matches again by the configured field); none is made here."""

    list_display = ("person", "method", "subject", "created_at", "last_used_at")
    list_filter = ("method",)
    search_fields = ("subject", "person__username", "person__full_name")
    readonly_fields = ("person", "method", "subject", "created_at", "last_used_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
