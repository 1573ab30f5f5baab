from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Membership, Person, Unit
from .scope import scope_of


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "short_name", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "name_en", "short_name", "aliases")
    ordering = ("path",)
    filter_horizontal = ("member_units",)

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        # Office staff keep the units of their own subtree only.
        return super().get_queryset(request).filter(pk__in=scope_of(request.user).units())

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "parent":
            kwargs["queryset"] = scope_of(request.user).units()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        # The tree path is kept by the service, never typed.
        if change:
            super().save_model(request, obj, form, change)
            services.unit_move(actor=request.user, unit=obj, parent=obj.parent)
        else:
            created = services.unit_create(
                actor=request.user,
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

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "unit":
            kwargs["queryset"] = scope_of(request.user).units()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Person)
class PersonAdmin(UserAdmin):
    list_display = ("username", "full_name", "role", "email", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "full_name", "email")
    inlines = [MembershipInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        # Office staff keep the people of their own subtree (and people of no
        # unit only with a scope over everything).
        people = super().get_queryset(request)
        scope = scope_of(request.user)
        if scope.everything:
            return people
        return people.filter(memberships__unit__in=scope.units()).distinct()

    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        (_("Supervision"), {"fields": ("full_name", "title", "phone", "employee_no", "role")}),
    )
    office_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Supervision"),
            {
                "fields": (
                    "full_name",
                    "title",
                    "phone",
                    "employee_no",
                    "email",
                    "role",
                    "is_active",
                )
            },
        ),
    )

    def get_fieldsets(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Office staff keep people and units but can never grant admin rights.
        if obj is not None and not request.user.is_superuser:
            return self.office_fieldsets
        return super().get_fieldsets(request, obj)

    def formfield_for_choice_field(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [c for c in db_field.choices if c[0] != "admin"]
        return super().formfield_for_choice_field(db_field, request, **kwargs)
