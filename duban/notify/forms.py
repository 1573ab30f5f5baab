from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .hooks import validate_hook_url
from .models import EventType, HookKind
from .webhooks import validate_endpoint_url


class ChatHookForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=HookKind.choices)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    url = forms.CharField(
        label=_("Webhook address"),
        max_length=500,
        help_text=_("Copied from the robot's settings in the group chat."),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        max_length=200,
        required=False,
        help_text=_(
            "Only when the robot has signing switched on (DingTalk: additional signature; "
            "Feishu: signature verification)."
        ),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") and data.get("url"):
            try:
                data["url"] = validate_hook_url(data["kind"], data["url"])
            except forms.ValidationError as error:
                self.add_error("url", error)
        return data


class EventsForm(forms.Form):
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=EventType.values,
    )


class EndpointForm(EventsForm):
    field_order = ["name", "url", "events"]
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("Which system this is, e.g. the OA.")
    )
    url = forms.CharField(
        label=_("Address"),
        max_length=500,
        help_text=_("The HTTPS address the other system receives events at."),
    )

    def clean_url(self) -> str:
        return validate_endpoint_url(self.cleaned_data["url"])
