"""The form renderer (``FORM_RENDERER``): Django's, with the commonest widgets
written in Python.

Django renders every widget through its template engine: an ``<input>`` is
two templates (``input.html`` including ``attrs.html``), and on the report
form, the busiest page, the widgets were a fifth of the server's time. Here
the input family (text, number, date, hidden, checkbox...) and the textarea
produce the very markup of Django's templates, escaped the same way
(``tests/test_form_renderer.py`` holds them to it); every other template goes
to Django's renderer as before."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def _attrs(attrs: Mapping[str, Any]) -> str:
    # django/forms/widgets/attrs.html: an attribute set to True stands alone,
    # one set to False is left out.
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(value)}"')
    return "".join(parts)


def _input(widget: Mapping[str, Any]) -> str:
    # django/forms/widgets/input.html
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _textarea(widget: Mapping[str, Any]) -> str:
    # django/forms/widgets/textarea.html
    value = widget["value"]
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{conditional_escape(value) if value else ''}</textarea>"
    )


_INPUTS = (
    "checkbox color date datetime email hidden number password search tel text time url"
).split()
WRITTEN: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "django/forms/widgets/input.html": _input,
    **{f"django/forms/widgets/{kind}.html": _input for kind in _INPUTS},
    "django/forms/widgets/textarea.html": _textarea,
}


class FastRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        written = WRITTEN.get(template_name)
        widget = context.get("widget")
        if written is None or widget is None:
            return super().render(template_name, context, request)
        return mark_safe(written(widget))  # noqa: S308 - every part escaped above
