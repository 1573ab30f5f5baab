from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from duban.lib.rules import Thresholds, thresholds_from
from duban.org.models import Person, Unit
from duban.work.forms import DateInput, FastSelect, UnitPicker, leader_choices
from duban.work.models import Plan, default_grace

from .models import Level, Rule


class BoardFilterForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), required=False)
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    unit: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, widget=UnitPicker
    )
    leader: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Leader"), queryset=Person.objects.none(), required=False, widget=FastSelect
    )
    plan = forms.ModelChoiceField(
        label=_("Plan"), queryset=Plan.objects.all(), required=False, widget=FastSelect
    )

    def __init__(self, *args: Any, units: Any, plans: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["plan"].queryset = plans
        fields["level"].choices = [("", _("Any level")), *Level.choices]
        fields["rule"].choices = [("", _("Any rule")), *Rule.choices]
        fields["unit"].queryset = units
        fields["leader"].queryset = leader_choices()


class NoticeForm(forms.Form):
    reason = forms.CharField(
        label=_("What the unit must answer"), widget=forms.Textarea(attrs={"rows": 3})
    )
    answer_by = forms.DateField(label=_("Answer by"), widget=DateInput())


class NoticeAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Written answer"), widget=forms.Textarea(attrs={"rows": 4}))


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the appeal"), widget=forms.Textarea(attrs={"rows": 3})
    )


class PlanWarningSettingsForm(forms.Form):
    """The rules switched on for a plan and their thresholds; Django's range
    checks give the messages in the person's language."""

    enabled = forms.MultipleChoiceField(
        label=_("Rules switched on"),
        choices=Rule.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    report_grace_days = forms.IntegerField(
        label=_("Days of grace for a report"), min_value=0, max_value=14, required=False
    )
    claim_days = forms.IntegerField(label=_("Days to claim a task"), min_value=0, max_value=30)
    slow_yellow = forms.IntegerField(
        label=_("Slow: yellow from (points behind)"), min_value=1, max_value=100
    )
    slow_red = forms.IntegerField(
        label=_("Slow: red from (points behind)"), min_value=1, max_value=100
    )
    near_due_days = forms.IntegerField(
        label=_("Reminder days before the deadline"), min_value=0, max_value=30
    )
    postponed_moves = forms.IntegerField(
        label=_("Postponement: warning from (moves)"), min_value=1, max_value=20
    )
    formalism_similarity = forms.IntegerField(
        label=_("Formalism: similarity from (%)"), min_value=50, max_value=100
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        yellow, red = data.get("slow_yellow"), data.get("slow_red")
        if yellow is not None and red is not None and red <= yellow:
            self.add_error("slow_red", _("Red must start above yellow."))
        return data

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grace = default_grace()
        self.fields["report_grace_days"].help_text = ngettext(
            "Leave blank to follow the installation's (%(n)s day now).",
            "Leave blank to follow the installation's (%(n)s days now).",
            grace,
        ) % {"n": grace}

    def settings(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data.get("report_grace_days") is None:
            # Blank follows the installation's grace, and keeps following it.
            data.pop("report_grace_days", None)
        data["formalism_similarity"] = data["formalism_similarity"] / 100
        data["enabled"] = sorted(data["enabled"])
        return data

    @classmethod
    def initial_for(cls, stored: dict[str, Any]) -> dict[str, Any]:
        # A plan that sets no grace shows a blank (the installation's, in the help).
        limits = thresholds_from(stored, Thresholds(report_grace_days=default_grace()))
        return {
            "enabled": sorted(limits.enabled),
            "report_grace_days": stored.get("report_grace_days"),
            "claim_days": limits.claim_days,
            "slow_yellow": limits.slow_yellow,
            "slow_red": limits.slow_red,
            "near_due_days": limits.near_due_days,
            "postponed_moves": limits.postponed_moves,
            "formalism_similarity": round(limits.formalism_similarity * 100),
        }
