from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AdjustmentForm(forms.Form):
    points = forms.CharField(label=_("Points (±)"), max_length=6)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why reopen"), widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    remarks = forms.CharField(
        label=_("The office's remarks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What went well, who is behind, what the units must do next month."),
    )
