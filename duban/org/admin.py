from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from duban.audit import log as audit

from . import services
from .models import Membership, Person, Role, Unit
from .scope import directory_of, keeps, kept_people, roles_given_by


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "short_name", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "name_en", "short_name", "aliases")
    ordering = ("path",)
    filter_horizontal = ("member_units",)

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        # Office staff keep the units of their own subtree only.
        return super().get_queryset(request).filter(pk__in=directory_of(request.user).units())

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "parent":
            kwargs["queryset"] = directory_of(request.user).units()
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
            kwargs["queryset"] = directory_of(request.user).units()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin, UserAdmin):
    """People, as ``org.services`` lets the signed-in person keep them: office
    staff only liaisons and leaders of their own subtree, an administrator
    anyone in scope. Staff status, superuser status and the permissions are
    never typed: they follow from the role (``services.person_set_role``)."""

    list_display = ("username", "full_name", "role", "email", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "full_name", "email", "employee_no")
    inlines = [MembershipInline]
    fieldsets = (
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
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return kept_people(request.user).order_by("username")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or keeps(request.user, obj))

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or keeps(request.user, obj))

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Nobody changes their own role, here or anywhere (org.scope.require_gives).
        own = obj is not None and obj.pk == request.user.pk
        return (*self.readonly_fields, "role") if own else self.readonly_fields

    def formfield_for_choice_field(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "role":
            given = roles_given_by(request.user)
            kwargs["choices"] = [c for c in db_field.choices if c[0] in given]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        # The role changes only through the service, with what follows from it.
        role = obj.role
        obj.role = Person.objects.get(pk=obj.pk).role if change else Role.LIAISON
        if not change:
            obj.is_staff = obj.is_superuser = False
        super().save_model(request, obj, form, change)
        if not change:
            audit.record("person.created", request=request, target=obj, role=obj.role)
            if obj.has_usable_password():
                services.require_new_password(obj)
        if role != obj.role:
            services.person_set_role(actor=request.user, person=obj, role=role, request=request)

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        # A change of a person's units is a change of what they see: recorded
        # in the security audit log with the units before and after.
        person = form.instance
        before = sorted(person.memberships.values_list("unit_id", flat=True)) if change else []
        super().save_related(request, form, formsets, change)
        after = sorted(person.memberships.values_list("unit_id", flat=True))
        if before != after:
            audit.record("person.units", request=request, target=person, old=before, new=after)

    def user_change_password(self, request, id, form_url=""):  # type: ignore[no-untyped-def]
        # A password an administrator sets is for one sign-in: the person then
        # chooses their own (duban.sso.gates), and it is in the audit log.
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            person = self.get_object(request, id)
            if person is not None:
                services.require_new_password(person)
                audit.record("password.set", request=request, target=person)
        return response
