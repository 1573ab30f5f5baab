"""The form renderer writes the commonest widgets in Python: the markup must
be exactly what Django's own templates make of the same widget, whatever the
value and the attributes hold (quotes, markup, lazy translations, flags)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st

from duban.web.renderer import WRITTEN, FastRenderer

DJANGO = DjangoTemplates()
FAST = FastRenderer()

WIDGETS = [
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.PasswordInput,
    forms.HiddenInput,
    forms.DateInput,
    forms.TimeInput,
    forms.DateTimeInput,
    forms.CheckboxInput,
    forms.Textarea,
    forms.SearchInput,
    forms.TelInput,
    forms.ColorInput,
]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
ATTR_NAMES = st.sampled_from(["placeholder", "class", "data-x", "aria-label", "rows", "min"])
ATTR_VALUES = st.one_of(TEXT, st.booleans(), st.integers(), st.just(gettext_lazy("Search")))


def both(widget, name, value, attrs=None):
    return (
        widget.render(name, value, attrs, renderer=DJANGO),
        widget.render(name, value, attrs, renderer=FAST),
    )


def test_it_is_the_renderer_the_forms_use():
    assert isinstance(get_default_renderer(), FastRenderer)
    assert "django/forms/widgets/select.html" not in WRITTEN  # left to Django


@pytest.mark.parametrize("kind", WIDGETS)
@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        0,
        "0",
        True,
        False,
        Decimal("12.50"),
        dt.date(2026, 3, 18),
        '"><script>alert(1)</script>',
        mark_safe("<b>safe</b>"),  # noqa: S308 - the test's own markup
        "一行\n两行 & 'quotes'",
    ],
)
def test_each_widget_is_rendered_as_django_renders_it(kind, value):
    widget = kind(attrs={"class": "x", "required": True, "disabled": False, "rows": 3})
    django_made, ours = both(widget, 'na"me<', value, {"id": "id_<x>", "placeholder": "“引号”"})
    assert ours == django_made


@given(
    value=st.one_of(st.none(), TEXT, st.integers()),
    attrs=st.dictionaries(ATTR_NAMES, ATTR_VALUES, max_size=4),
    kind=st.sampled_from(WIDGETS),
)
def test_any_value_and_attributes_give_the_same_markup(value, attrs, kind):
    django_made, ours = both(kind(attrs=attrs), "field", value)
    assert ours == django_made


def test_other_widgets_still_go_through_the_templates():
    choice = forms.Select(choices=[("a", "<A>"), ("b", "B")])
    django_made, ours = both(choice, "pick", "b")
    assert ours == django_made and 'value="b" selected' in ours
    files = forms.ClearableFileInput()
    assert both(files, "f", None)[0] == both(files, "f", None)[1]
