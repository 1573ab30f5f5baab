"""Quarterly scores from counted facts: declared, versioned rules, pure functions.

A unit's score is the sum of three shares of 100 points, each a ratio of what
it did well to what was asked of it, minus deductions (capped), plus a bounded
manual adjustment with a reason, clamped to 0..100. Every score keeps its
lines, so anyone can redo the sum: "按时办结 18/20 × 40 = 36.0".

Rules are never edited in place: a new version gets a new key in RULES, and an
assessment records the version and weights it used.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, NamedTuple

ONE_PLACE = Decimal("0.1")
ZERO, HUNDRED = Decimal(0), Decimal(100)


@dataclass(frozen=True)
class Weights:
    closed_on_time: int = 40  # tasks due in the quarter, closed by their deadline
    reports_on_time: int = 30  # reports owed in the quarter, filed on time
    first_time: int = 30  # reports reviewed, accepted without being returned
    red: int = 2  # per warning that reached red in the quarter
    yellow: int = 1  # per warning that reached yellow or a notice level, not red
    notice: int = 3  # per supervision notice issued
    deadline_change: int = 1  # per deadline moved
    deduction_cap: int = 30  # deductions never take more than this
    adjustment_limit: int = 5  # a manual adjustment is within ± this

    def __post_init__(self) -> None:
        shares = self.closed_on_time + self.reports_on_time + self.first_time
        if shares != 100:
            raise ValueError(f"the three shares must add up to 100, not {shares}")
        for name, value in asdict(self).items():
            if not 0 <= value <= 100:
                raise ValueError(f"{name} must be between 0 and 100, not {value}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Weights:
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown weights: {', '.join(sorted(unknown))}")
        try:
            return cls(**{k: int(v) for k, v in data.items()})
        except (TypeError, ValueError) as error:
            raise ValueError(str(error)) from None


RULES: dict[str, Weights] = {"2026.1": Weights()}
CURRENT = "2026.1"


@dataclass(frozen=True)
class Facts:
    due: int = 0
    closed_on_time: int = 0
    owed: int = 0
    on_time: int = 0
    reviewed: int = 0
    first_time: int = 0
    red: int = 0
    yellow: int = 0
    notices: int = 0
    deadline_changes: int = 0


class Line(NamedTuple):
    """One line of a score (a tuple: 5,000 units' scores are 35,000 lines)."""

    code: str  # closed_on_time, reports_on_time, first_time, red, yellow, notice, ...
    count: int  # type: ignore[assignment]  # a field, where a tuple has a method
    out_of: int | None  # the denominator of a share; None for a deduction
    weight: int
    points: Decimal  # positive for a share, negative for a deduction


@dataclass
class Score:
    total: Decimal
    lines: list[Line] = field(default_factory=list)

    def lines_as_data(self) -> list[dict[str, Any]]:
        # Said field by field: dataclasses.asdict deep-copies every value, which
        # was 60 % of ranking a province's 5,000 units.
        return [
            {
                "code": line.code,
                "count": line.count,
                "out_of": line.out_of,
                "weight": line.weight,
                "points": str(line.points),
            }
            for line in self.lines
        ]


@lru_cache(maxsize=4096)  # a province's units repeat the same few (count, out of) pairs
def _share(code: str, count: int, out_of: int, weight: int) -> Line:
    # Nothing asked of the unit: nothing it failed at, so the full share.
    ratio = Decimal(1) if out_of == 0 else Decimal(count) / Decimal(out_of)
    points = (ratio * weight).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)
    return Line(code, count, out_of, weight, points)


def score(facts: Facts, weights: Weights, adjustment: Decimal = Decimal(0)) -> Score:
    if abs(adjustment) > weights.adjustment_limit:
        raise ValueError(f"an adjustment is within ±{weights.adjustment_limit}")
    # Called for every unit of a province on every ranking: the shares come
    # from a cache, the deductions are whole points counted as ints.
    closed = _share("closed_on_time", facts.closed_on_time, facts.due, weights.closed_on_time)
    reports = _share("reports_on_time", facts.on_time, facts.owed, weights.reports_on_time)
    first = _share("first_time", facts.first_time, facts.reviewed, weights.first_time)
    lines = [closed, reports, first]
    taken = 0
    for code, count, weight in (
        ("red", facts.red, weights.red),
        ("yellow", facts.yellow, weights.yellow),
        ("notice", facts.notices, weights.notice),
        ("deadline_change", facts.deadline_changes, weights.deadline_change),
    ):
        if count:
            lines.append(Line(code, count, None, weight, Decimal(-count * weight)))
            taken += count * weight
    if taken > weights.deduction_cap:
        lines.append(
            Line("cap", 0, None, weights.deduction_cap, Decimal(taken - weights.deduction_cap))
        )
        taken = weights.deduction_cap
    if adjustment:
        lines.append(Line("adjustment", 0, None, 0, adjustment))
    total = closed.points + reports.points + first.points - taken + adjustment
    total = min(max(total, ZERO), HUNDRED).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)
    return Score(total, lines)


def rank(totals: list[tuple[Any, Decimal]]) -> dict[Any, int]:
    """Competition ranking (1, 2, 2, 4): equal totals share a place."""
    ordered = sorted(totals, key=lambda item: -item[1])
    places: dict[Any, int] = {}
    previous: Decimal | None = None
    place = 0
    for index, (key, total) in enumerate(ordered, start=1):
        if total != previous:
            place, previous = index, total
        places[key] = place
    return places
