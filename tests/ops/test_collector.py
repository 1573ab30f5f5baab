"""The garbage collector as `duban serve` and `duban worker` run it."""

from __future__ import annotations

import gc

import pytest
from django.core.management import call_command
from gunicorn.app.base import BaseApplication

from duban.ops import collector


@pytest.fixture
def restored():
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_settle_freezes_what_is_loaded_and_collects_the_young_less_often(restored):
    _young, middle, old = gc.get_threshold()
    collector.settle()
    assert gc.get_threshold() == (collector.YOUNG, middle, old)
    assert gc.get_freeze_count() > 10_000  # Django and duban, never traversed again
    made = [[] for _ in range(10)]
    made.append(made)  # a cycle made after: still collected
    del made
    assert gc.collect() > 0


@pytest.mark.django_db
def test_serve_settles_the_collector_before_the_server_forks(restored, monkeypatch):
    order = []
    monkeypatch.setattr(collector, "settle", lambda: order.append("settled"))
    monkeypatch.setattr(BaseApplication, "run", lambda self: order.append("run"))
    call_command("serve", "--port", "8999")
    assert order == ["settled", "run"]
