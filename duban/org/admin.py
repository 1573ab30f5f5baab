from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Membership, Person, Unit


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "short_name", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "name_en", "short_name", "aliases")
    ordering = ("path",)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        # The tree path is kept by the service, never typed.
        if change:
            super().save_model(request, obj, form, change)
            services.unit_move(unit=obj, parent=obj.parent)
        else:
            created = services.unit_create(
                code=obj.code,
                name=obj.name,
                name_en=obj.name_en,
                short_name=obj.short_name,
                aliases=obj.aliases,
                kind=obj.kind,
                parent=obj.parent,
                position=obj.position,
            )
            obj.pk = created.pk


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ("unit",)


@admin.register(Person)
class PersonAdmin(UserAdmin):
    list_display = ("username", "full_name", "role", "email", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "full_name", "email")
    inlines = [MembershipInline]
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        (_("Supervision"), {"fields": ("full_name", "title", "phone", "role")}),
    )
