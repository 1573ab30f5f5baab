"""A search box's "contains", whatever the case, on either database: Chinese
text compared as it is, text with letters compared upper-cased."""

from __future__ import annotations

import pytest

from duban.lib.lookups import mentions
from duban.work.models import Task

from .. import factories as f


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("5g", ["推进5G基站建设"]),
        ("5G基站", ["推进5G基站建设"]),
        ("营商", ["营商环境优化（Business climate）"]),
        ("BUSINESS", ["营商环境优化（Business climate）"]),
        ("business CLIMATE", ["营商环境优化（Business climate）"]),
        ("（", ["营商环境优化（Business climate）"]),
        ("％", []),
        ("%", []),
        ("_", []),
        ("建设", ["推进5G基站建设"]),
        ("5Ｇ", []),  # a full-width letter is another letter
    ],
)
def test_a_search_finds_the_text_in_any_case(office, unit_a, text, found):
    for title in ("推进5G基站建设", "营商环境优化（Business climate）", "园区道路"):
        f.task(office, unit_a, title=title)
    titles = Task.objects.filter(mentions(text, "title")).values_list("title", flat=True)
    assert sorted(titles) == found


def test_a_search_looks_in_every_field_it_is_given(office, unit_a):
    f.task(office, unit_a, title="园区道路", title_en="Park ROADS")
    f.task(office, unit_a, title="污水管网", description="含园区道路配套")
    assert Task.objects.filter(mentions("roads", "title", "title_en")).count() == 1
    assert Task.objects.filter(mentions("园区道路", "title", "description")).count() == 2
    assert Task.objects.filter(mentions("园区道路", "title_en")).count() == 0
