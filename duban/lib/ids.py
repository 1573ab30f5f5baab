"""Ids as links and forms carry them (``?meeting=12``, ``map_0=7``), read one way.

An id is written in ASCII digits, nothing else: ``str.isdigit`` also says yes
to "²" (which ``int`` then refuses) and ``int`` also reads "٣" and " 7 ". And
it is one a column holds: the API's ids go up to 2^31 - 1 (PostgreSQL's
``integer``), and so do the pages', so 2^63 or 10^20 is an id of nothing
rather than an overflow in the database driver.
"""

from __future__ import annotations

MAX_ID = 2**31 - 1


def parse_id(raw: object, *, maximum: int = MAX_ID) -> int | None:
    """The id ``raw`` names, from 1 to ``maximum``; None for anything else
    (empty, a sign, spaces, a decimal point, non-ASCII digits, too large).

    >>> parse_id("12"), parse_id("²"), parse_id("0"), parse_id(str(2**63))
    (12, None, None, None)
    """
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit():
        return None
    if len(raw) > len(str(maximum)):  # before int(): a 100 kB number is not parsed
        return None
    value = int(raw)
    return value if 1 <= value <= maximum else None
