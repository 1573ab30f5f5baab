from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from duban.lib import deadlines
from duban.lib.ids import parse_id
from duban.org.models import Person, Role, Unit

from .attachments import ALLOWED
from .models import Meeting, MeetingKind, Plan, Task, TaskSource, TaskState


class VersionField(forms.IntegerField):
    """The version an edit started from, kept in the page (two people saving
    the same record cannot overwrite each other). The page writes a number; any
    other value was typed by hand, and the person is told so, not "enter a
    whole number" about a field they cannot see."""

    widget = forms.HiddenInput
    default_error_messages = {
        "invalid": _("This form was changed outside the page: open the page again."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class FastSelect(forms.Select):
    """A <select> rendered in Python. Django renders every <option> through a
    template, which with a hundred units was a quarter of the task list's time."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs or {})
        final["name"] = name
        if self.allow_multiple_selected:
            final["multiple"] = True
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if key in chosen else "", label)  # noqa: S308
                for key, label in (
                    ("" if v is None else str(v), label) for v, label in self.choices
                )
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


class _Multiple:
    """Reads a multiple choice as SelectMultiple does (a list; never omitted)."""

    allow_multiple_selected = True

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return forms.SelectMultiple().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False


class FastSelectMultiple(_Multiple, FastSelect):
    pass


class Picker(FastSelect):
    """A chooser over many records that sends a few dozen options, not a
    province's thousands: the first ``SHOWN`` of its queryset (``first``) and
    what is chosen. The search box beside it asks ``url_name`` for the records
    that match as the person types (``duban/picker.js``); without a script the
    first ones are still there to choose from. The field still accepts any
    record of its queryset (the person's scope), shown or not."""

    SHOWN = 40
    url_name = ""
    placeholder: Any = ""  # lazy translations
    aria_label: Any = ""

    def first(self, queryset: Any) -> list[Any]:
        """The records shown before anything is typed: the first ``SHOWN`` in
        the queryset's own order (a kind of record may choose better ones)."""
        return list(queryset[: self.SHOWN])

    def in_order(self, shown: list[Any]) -> list[Any]:
        return shown

    def search_url(self) -> str:
        """Where the search box asks for the records that match."""
        return reverse(self.url_name)

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        field_choices: Any = self.choices
        queryset = getattr(field_choices, "queryset", None)
        if queryset is None:  # not a model field's widget: every choice
            return super().render(name, value, attrs, renderer)
        found = (parse_id(str(v)) for v in self.format_value(value))
        chosen_ids = [pk for pk in found if pk is not None]
        shown = self.first(queryset)
        known = {record.pk for record in shown}
        missing = [pk for pk in chosen_ids if pk not in known]
        if missing:
            shown += list(queryset.filter(pk__in=missing))
        empty = getattr(field_choices.field, "empty_label", None)
        options: list[tuple[Any, Any]] = [] if self.allow_multiple_selected else [("", empty or "")]
        self.choices = options + [(record.pk, str(record)) for record in self.in_order(shown)]
        try:
            select = super().render(name, value, attrs, renderer)
        finally:
            self.choices = field_choices
        final = self.build_attrs(self.attrs, attrs or {})
        return format_html(
            '<span class="picker">{}<input type="search" class="picker-search" '
            'data-picker-for="{}" data-picker-url="{}" placeholder="{}" aria-label="{}" '
            'autocomplete="off"></span>',
            select,
            final.get("id", ""),
            self.search_url(),
            self.placeholder,
            self.aria_label,
        )


class UnitPicker(Picker):
    """Units: the top of the person's tree (shallowest first), in tree order;
    with ``kinds``, the search finds units of those kinds only (the field's
    queryset keeps to them too)."""

    url_name = "unit_pick"
    placeholder = _("Type to find a unit")
    aria_label = _("Find a unit by its name")

    def __init__(self, attrs: Any = None, kinds: Sequence[str] = ()) -> None:
        super().__init__(attrs)
        self.kinds = tuple(kinds)

    def search_url(self) -> str:
        url = super().search_url()
        return f"{url}?{urlencode([('kind', kind) for kind in self.kinds])}" if self.kinds else url

    def first(self, queryset: Any) -> list[Any]:
        return list(queryset.order_by("depth", "path")[: self.SHOWN])

    def in_order(self, shown: list[Any]) -> list[Any]:
        return sorted(shown, key=lambda unit: unit.path)


class TaskPicker(Picker):
    """Tasks (a measure's parent): the latest made first, as an office adds
    measures under the task it has just made; the search finds any by its
    serial or title (``/tasks/pick/``)."""

    url_name = "task_pick"
    placeholder = _("Type a serial or a title")
    aria_label = _("Find a task by its serial or title")

    def first(self, queryset: Any) -> list[Any]:
        return list(queryset.order_by("-id")[: self.SHOWN])


class UnitPickerMultiple(_Multiple, UnitPicker):
    pass


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


# What the file chooser offers: the types duban.work.attachments accepts (a
# phone's picker shows photos, PDFs and Office files, not everything).
ACCEPT = ",".join(
    [
        "image/*",
        "application/pdf",
        *sorted(ext for ext, (kind, _magic) in ALLOWED.items() if not kind.startswith("image/")),
    ]
)


class EvidenceInput(MultipleFileInput):
    """Files from the phone or the computer and, on a touch screen, a second
    input that opens the camera (``capture``). Both send under the field's
    name, so the field receives the files of both."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"accept": ACCEPT, **(attrs or {})})

    def use_required_attribute(self, initial: Any) -> bool:
        # A photo alone is enough: the browser must not insist on the first
        # input (the service says when no file came at all).
        return False

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        files = super().render(name, value, attrs, renderer)
        camera = f"{(attrs or {}).get('id') or 'id_' + name}_camera"
        return format_html(
            '{}<span class="camera"><label for="{}">{}</label>'
            '<input type="file" name="{}" id="{}" accept="image/*" capture="environment"></span>',
            files,
            camera,
            _("Take a photo"),
            name,
            camera,
        )


class MultipleFileField(forms.FileField):
    """Several files in one input; type and size are checked by the service."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [f for f in items if f]


def _field(form: forms.BaseForm, name: str) -> Any:
    """A form field, typed loosely so its queryset and choices can be set."""
    return form.fields[name]


def unit_choices(units: Any) -> Any:
    """The active units of ``units`` (a person's scope), in tree order."""
    return units.filter(is_active=True).order_by("path")


def parent_choices(tasks: Any) -> Any:
    """The tasks of ``tasks`` (a person's) a new measure may go under: open ones."""
    return tasks.filter(state__in=[TaskState.ASSIGNED, TaskState.IN_PROGRESS])


def leader_choices() -> Any:
    return Person.objects.filter(role=Role.LEADER, is_active=True).order_by("full_name")


class TaskForm(forms.ModelForm):
    version = VersionField()
    long_term = forms.BooleanField(
        label=_("Long-term"),
        required=False,
        help_text=_("No deadline: never overdue, reported every period while it is open."),
    )

    class Meta:
        model = Task
        fields = [
            "plan",
            "parent",
            "serial",
            "title",
            "title_en",
            "description",
            "source",
            "lead_unit",
            "co_units",
            "leader",
            "start_date",
            "deadline",
            "cadence",
            "metric",
            "metric_unit",
            "target_value",
            "weight",
        ]
        widgets = {
            "start_date": DateInput(),
            "deadline": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "plan": FastSelect(),
            "parent": TaskPicker(),
            "lead_unit": UnitPicker(),
            "leader": FastSelect(),
            "co_units": UnitPickerMultiple(attrs={"size": 6}),
        }

    def __init__(
        self, *args: Any, units: Any, tasks: Any, plans: Any, editing: bool = False, **kwargs: Any
    ) -> None:
        """``units``, ``tasks`` and ``plans``: what the person may assign to,
        under and in (their scope); nothing else is offered or accepted."""
        super().__init__(*args, **kwargs)
        _field(self, "lead_unit").queryset = unit_choices(units)
        _field(self, "co_units").queryset = unit_choices(units)
        _field(self, "leader").queryset = leader_choices()
        _field(self, "parent").queryset = parent_choices(tasks)
        _field(self, "plan").queryset = plans
        _field(self, "source").choices = TaskSource.choices
        if editing:
            # Where a task sits and its deadline change through their own steps
            # (a deadline moves only by an approved request, so it is counted).
            for name in ("plan", "parent", "deadline", "long_term"):
                self.fields.pop(name)
            self.fields["version"].initial = self.instance.version
        else:
            # Placed right after the deadline it replaces.
            order = list(self.fields)
            order.remove("long_term")
            order.insert(order.index("deadline") + 1, "long_term")
            self.order_fields(order)
            self.fields["deadline"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "long_term" in self.fields:
            if data.get("long_term"):
                data["deadline"] = deadlines.LONG_TERM
            elif not data.get("deadline") and "deadline" not in self.errors:
                self.add_error("deadline", _("Give a deadline, or tick long-term."))
        start, deadline = data.get("start_date"), data.get("deadline")
        if start and deadline and deadline < start:
            self.add_error("deadline", _("The deadline is before the start date."))
        return data


class PlanForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = ["title", "title_en", "year", "owner_unit", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "owner_unit": FastSelect()}

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        """``units``: the person's scope; empty, the plan is their own office's."""
        super().__init__(*args, **kwargs)
        _field(self, "owner_unit").queryset = unit_choices(units)
        _field(self, "owner_unit").required = False


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["kind", "number", "title", "date", "chair", "location", "notes"]
        widgets = {"date": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "kind").choices = MeetingKind.choices


class PeriodField(forms.ChoiceField):
    """One of the periods offered; any period's label while none are offered
    (a submission: the service checks it against the task's periods)."""

    offered = True

    def valid_value(self, value: Any) -> bool:
        return not self.offered or super().valid_value(value)


class ReportForm(forms.Form):
    # A unit catching up may have a year of weekly periods open: rendered in Python.
    period = PeriodField(label=_("Period"), widget=FastSelect)
    text = forms.CharField(
        label=_("Progress this period"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    no_change = forms.BooleanField(label=_("No change this period"), required=False)
    percent = forms.DecimalField(
        label=_("Percent complete"), min_value=0, max_value=100, decimal_places=1
    )
    value = forms.DecimalField(
        label=_("Figure against target"), required=False, decimal_places=2, max_digits=16
    )
    # Required when the percent is lower than the last accepted report's: the
    # service says so (the API is held to it too).
    decrease_reason = forms.CharField(
        label=_("Why lower than the last accepted report"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False, widget=EvidenceInput)
    version = VersionField()
    # When the form was opened, signed (duban.work.filing): the time it took to
    # file. Anything else sent here measures nothing and refuses nothing.
    opened = forms.CharField(required=False, widget=forms.HiddenInput, strip=True)

    def __init__(self, *args: Any, periods: list[tuple[str, str]] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer(periods)

    def offer(self, periods: list[tuple[str, str]] | None) -> None:
        """The periods to choose from (None: take any, the service decides)."""
        field = self.fields["period"]
        assert isinstance(field, PeriodField)
        field.offered = periods is not None
        field.choices = periods or []


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("return", _("Return"))])
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeadlineRequestForm(forms.Form):
    new_deadline = forms.DateField(label=_("New deadline"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseDecisionForm(DecisionForm):
    # Off unless the office ticks it: closing records the unit's last figure.
    set_complete = forms.BooleanField(label=_("Set progress to 100%"), required=False)


class CloseRequestForm(forms.Form):
    summary = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(label=_("Evidence"), required=True, widget=EvidenceInput)


class InstructionForm(forms.Form):
    text = forms.CharField(label=_("Instruction"), widget=forms.Textarea(attrs={"rows": 3}))


class TaskFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    plan = forms.ModelChoiceField(
        label=_("Plan"), queryset=Plan.objects.all(), required=False, widget=FastSelect
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, widget=UnitPicker
    )
    leader = forms.ModelChoiceField(
        label=_("Leader"), queryset=Person.objects.none(), required=False, widget=FastSelect
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    meeting = forms.ModelChoiceField(
        label=_("Meeting"),
        queryset=Meeting.objects.order_by("-date", "-id"),
        required=False,
        widget=FastSelect,
    )
    due = forms.ChoiceField(
        label=_("Due"),
        required=False,
        choices=[("", _("Any time")), ("week", _("Due this week")), ("overdue", _("Overdue"))],
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("serial", _("Serial")),
            ("deadline", _("Deadline, soonest first")),
            ("-deadline", _("Deadline, latest first")),
            ("progress", _("Progress, lowest first")),
            ("-progress", _("Progress, highest first")),
            ("unit", _("Lead unit")),
            ("-updated", _("Recently changed")),
        ],
    )
    closed = forms.BooleanField(label=_("Include closed"), required=False)

    def __init__(self, *args: Any, units: Any, plans: Any, meetings: Any, **kwargs: Any) -> None:
        """``units``, ``plans``, ``meetings``: those the person may see, the only choices."""
        super().__init__(*args, **kwargs)
        _field(self, "unit").queryset = units
        _field(self, "plan").queryset = plans
        _field(self, "meeting").queryset = meetings.order_by("-date", "-id")
        _field(self, "leader").queryset = leader_choices()
        _field(self, "state").choices = [("", _("Open"))] + list(TaskState.choices)


class MilestoneForm(forms.Form):
    date = forms.DateField(label=_("By"), widget=DateInput())
    percent = forms.DecimalField(label=_("Percent complete"), min_value=0, max_value=100)
    label = forms.CharField(label=_("What is done by then"), max_length=200)
