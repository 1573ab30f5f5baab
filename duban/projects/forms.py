from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from duban.lib import investment, periods
from duban.org.models import Person, Role, Unit, UnitKind
from duban.work.forms import DateInput, FastSelect, UnitPicker, VersionField
from duban.work.models import Meeting, MeetingKind

from .models import Batch, Indicator, Industry, Level, ProblemKind, Project, Stage

WAN = Decimal(10_000)


class WanField(forms.CharField):
    """An amount typed in 万元, kept in yuan: read as the project import reads
    one (:func:`duban.lib.investment.parse_amount`), so it is a finite number,
    not negative, to the fen and below what a province reports (the column
    holds it)."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        try:
            return investment.parse_amount(text, unit=investment.WAN)
        except investment.InvestmentError as error:
            reason, params = investment.message(error.code, error.params)
            raise forms.ValidationError(gettext_now(reason) % params) from None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return (value / WAN).normalize()
        return value


class ProjectForm(forms.ModelForm):
    version = VersionField()
    total_investment = WanField(label=_("Total investment (10k yuan)"))

    class Meta:
        model = Project
        fields = [
            "code",
            "name",
            "name_en",
            "level",
            "industry",
            "chain",
            "chain_owner",
            "investor",
            "unit",
            "park",
            "district",
            "leader",
            "total_investment",
            "construction_start",
            "construction_end",
            "planned_sign",
            "planned_start",
            "planned_production",
            "planned_capacity",
            "address",
            "latitude",
            "longitude",
            "notes",
        ]
        widgets = {
            "construction_start": DateInput(),
            "construction_end": DateInput(),
            "planned_sign": DateInput(),
            "planned_start": DateInput(),
            "planned_production": DateInput(),
            "planned_capacity": DateInput(),
            "unit": UnitPicker(),
            "park": UnitPicker(kinds=[UnitKind.PARK]),
            "district": UnitPicker(kinds=[UnitKind.DISTRICT]),
            "leader": FastSelect(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        """``units``: the person's scope; a project is placed only inside it."""
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        active = units.filter(is_active=True)
        fields["industry"].queryset = Industry.objects.filter(is_active=True)
        fields["park"].queryset = active.filter(kind=UnitKind.PARK)
        fields["district"].queryset = active.filter(kind=UnitKind.DISTRICT)
        fields["unit"].queryset = active.order_by("path")
        fields["leader"].queryset = Person.objects.filter(role=Role.LEADER, is_active=True)
        if self.instance.pk:
            fields["code"].disabled = True


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    industry = forms.ModelChoiceField(
        label=_("Industry"), queryset=Industry.objects.all(), required=False
    )
    # A province has a thousand districts and counties: choosers that send
    # a few dozen and find the rest as one types.
    park = forms.ModelChoiceField(
        label=_("Park"),
        queryset=Unit.objects.filter(kind=UnitKind.PARK),
        required=False,
        widget=UnitPicker(kinds=[UnitKind.PARK]),
    )
    district = forms.ModelChoiceField(
        label=_("District or county"),
        queryset=Unit.objects.filter(kind=UnitKind.DISTRICT),
        required=False,
        widget=UnitPicker(kinds=[UnitKind.DISTRICT]),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        """``units``: the person's scope; the choosers offer its parks and
        districts, as their search box (``/units/pick/``) finds them."""
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["park"].queryset = units.filter(kind=UnitKind.PARK)
        fields["district"].queryset = units.filter(kind=UnitKind.DISTRICT)
        fields["stage"].choices = [("", _("Any stage")), *Stage.choices]
        fields["level"].choices = [("", _("Any level")), *Level.choices]


class InvestmentPlanForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"), min_value=periods.FIRST_YEAR, max_value=periods.LAST_YEAR
    )
    amount = WanField(label=_("Planned investment (10k yuan)"))
    first_month = forms.IntegerField(label=_("From month"), min_value=1, max_value=12, initial=1)
    last_month = forms.IntegerField(label=_("To month"), min_value=1, max_value=12, initial=12)


class InvestmentReportForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"), min_value=periods.FIRST_YEAR, max_value=periods.LAST_YEAR
    )
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)
    amount = WanField(label=_("Completed this month (10k yuan)"))
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ProblemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ProblemKind.choices)
    title = forms.CharField(label=_("The problem, as a task"), max_length=400)
    lead_unit = forms.ModelChoiceField(
        label=_("Unit to solve it"), queryset=Unit.objects.filter(is_active=True), widget=UnitPicker
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())
    meeting = forms.ModelChoiceField(
        label=_("Raised at (on-site office meeting)"),
        queryset=Meeting.objects.filter(kind=MeetingKind.ONSITE).order_by("-date"),
        required=False,
    )

    def __init__(self, *args: Any, units: Any, meetings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["lead_unit"].queryset = units.filter(is_active=True).order_by("path")
        fields["meeting"].queryset = meetings.filter(kind=MeetingKind.ONSITE).order_by("-date")


class StageMoveForm(forms.Form):
    target = forms.ChoiceField(label=_("Move to"), choices=Stage.choices)
    on = forms.DateField(label=_("On"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to move back, skip a stage, or resume at another stage."),
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        help_text=_(
            "The contract, a start photo or permit, the production licence, the acceptance report."
        ),
    )


class BatchEventForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)


class BatchEntryForm(forms.Form):
    project = forms.ModelChoiceField(
        label=_("Project"), queryset=Project.objects.all(), widget=FastSelect
    )
    batch = forms.ChoiceField(label=_("Batch"), choices=Batch.choices)

    def __init__(self, *args: Any, projects: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["project"].queryset = projects


class IndicatorForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=150, required=False)
    measure = forms.CharField(
        label=_("Unit of measure"),
        max_length=20,
        help_text=_("10k yuan, 100 million yuan, enterprises, %"),
    )
    cumulative = forms.BooleanField(
        label=_("Monthly figures add up over the year"), required=False, initial=True
    )


class TargetForm(forms.Form):
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=Indicator.objects.all())
    unit = forms.ModelChoiceField(
        label=_("District or park"),
        queryset=Unit.objects.filter(kind__in=[UnitKind.DISTRICT, UnitKind.PARK], is_active=True),
        widget=UnitPicker(kinds=[UnitKind.DISTRICT, UnitKind.PARK]),
    )
    year = forms.IntegerField(
        label=_("Year"), min_value=periods.FIRST_YEAR, max_value=periods.LAST_YEAR
    )
    target = forms.DecimalField(label=_("Annual target"), max_digits=16, decimal_places=2)

    def __init__(self, *args: Any, units: Any, indicators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["indicator"].queryset = indicators
        fields["unit"].queryset = units.filter(
            kind__in=[UnitKind.DISTRICT, UnitKind.PARK], is_active=True
        )


class ActualForm(forms.Form):
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)
    value = forms.DecimalField(label=_("Value this month"), max_digits=16, decimal_places=2)
