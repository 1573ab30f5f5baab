"""duban.lib.ids: an id from a link or a form, ASCII digits within what a column holds."""

from __future__ import annotations

import pytest

from duban.lib.ids import MAX_ID, parse_id


@pytest.mark.parametrize(("raw", "found"), [("1", 1), ("12", 12), (str(MAX_ID), MAX_ID)])
def test_an_id_is_read(raw, found):
    assert parse_id(raw) == found


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "0",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1.5",
        "1e3",
        "0x10",
        "²",  # str.isdigit() says yes; int() refuses it
        "٣",  # int() reads it as 3
        "１",  # a full-width one
        str(MAX_ID + 1),  # 2^31: no 32-bit column holds it
        str(2**63),
        str(10**20),
        "9" * 100_000,  # not handed to int() (Python refuses over 4,300 digits)
        "00000000001",  # longer than any id
        None,
        7,  # ids come as text
    ],
)
def test_anything_else_is_no_id(raw):
    assert parse_id(raw) is None


def test_a_smaller_column_has_a_smaller_range():
    assert parse_id("40000", maximum=32767) is None
    assert parse_id("32767", maximum=32767) == 32767
