"""The Python-rendered <select> behaves like Django's own."""

from __future__ import annotations

from django import forms

from duban.org.models import Unit
from duban.work.forms import FastSelect, FastSelectMultiple, TaskFilterForm
from duban.work.models import Meeting, Plan


def test_it_renders_every_option_and_marks_the_chosen_one_escaped():
    html = FastSelect(choices=[("", "---"), ("1", "甲<乙>"), ("2", "丙")]).render(
        "unit", "2", attrs={"id": "id_unit", "required": True}
    )
    assert html.startswith('<select id="id_unit" name="unit" required>')
    assert '<option value="1">甲&lt;乙&gt;</option>' in html
    assert '<option value="2" selected>丙</option>' in html


def test_the_multiple_kind_keeps_every_chosen_value():
    class F(forms.Form):
        units = forms.MultipleChoiceField(
            choices=[("1", "a"), ("2", "b"), ("3", "c")], widget=FastSelectMultiple
        )

    form = F({"units": ["1", "3"]})
    assert form.is_valid() and form.cleaned_data["units"] == ["1", "3"]
    html = str(form["units"])
    assert "multiple" in html
    assert '<option value="1" selected>' in html and '<option value="2">' in html


def test_the_task_filter_keeps_the_chosen_unit(unit_a, unit_b):
    form = TaskFilterForm(
        {"unit": str(unit_b.pk)},
        units=Unit.objects.all(),
        plans=Plan.objects.all(),
        meetings=Meeting.objects.all(),
    )
    assert form.is_valid()
    assert f'<option value="{unit_b.pk}" selected>' in str(form["unit"])
