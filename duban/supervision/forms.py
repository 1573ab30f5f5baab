from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from duban.org.models import Person, Unit
from duban.work.forms import DateInput, FastSelect, leader_choices
from duban.work.models import Plan

from .models import Level, Rule


class BoardFilterForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), required=False)
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    unit: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, widget=FastSelect
    )
    leader: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Leader"), queryset=Person.objects.none(), required=False, widget=FastSelect
    )
    plan = forms.ModelChoiceField(
        label=_("Plan"), queryset=Plan.objects.all(), required=False, widget=FastSelect
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
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
