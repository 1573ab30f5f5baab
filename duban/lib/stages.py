"""The stages of a key project (重点项目) and the moves between them.

A project runs along one main line, reserve (储备) → signed (签约) → started
(开工) → in production (投产) → at design capacity (达效), and may step off it
into paused (暂停, with a reason, returning later) or cancelled (取消, with a
reason, for good). This module says whether a move is allowed and what kind of
move it is; it stores nothing. Refusals are :class:`StageError` with a machine
code and parameters; the English texts live in :data:`MESSAGES` (marked with
``gettext_noop``), and the UI translates them with ``gettext(text) % params``.
Stage names in parameters are codes: translate them through ``stage.<code>``.

Rules, and why:

* One step forward is the normal case and needs no reason, only its evidence
  (:data:`EVIDENCE`): the office wants the contract, not the word "signed".
* Skipping stages (reserve → started) and moving backwards (a start recorded
  too early) happen, but each needs a reason, and the move says so
  (``irregular``), because the three-batches figures are read off these dates.
* Pausing needs a reason and remembers the stage it paused from; resuming
  returns there. Resuming elsewhere needs a reason: a project that was paused
  while signed and comes back "in production" skipped its start.
* Cancelled is final: a cancelled project that comes back is a new entry in
  the reserve pool, with its own history.
* Dates: a move is dated on or before today, on or after the last move, and
  nothing from the start on is dated before the signing: a project cannot
  start before its contract exists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop

RESERVE = "reserve"
SIGNED = "signed"
STARTED = "started"
PRODUCING = "producing"
CAPACITY = "capacity"
PAUSED = "paused"
CANCELLED = "cancelled"

ORDER: tuple[str, ...] = (RESERVE, SIGNED, STARTED, PRODUCING, CAPACITY)
STAGES: tuple[str, ...] = (*ORDER, PAUSED, CANCELLED)

FORWARD = "forward"
SKIP = "skip"
BACKWARD = "backward"
PAUSE = "pause"
RESUME = "resume"
CANCEL = "cancel"
KINDS: tuple[str, ...] = (FORWARD, SKIP, BACKWARD, PAUSE, RESUME, CANCEL)

# What a move into each stage is evidenced by: any one of the kinds will do.
CONTRACT = "contract"
START_PHOTO = "start_photo"
CONSTRUCTION_PERMIT = "construction_permit"
PRODUCTION_LICENCE = "production_licence"
ACCEPTANCE_REPORT = "acceptance_report"
EVIDENCE: dict[str, tuple[str, ...]] = {
    SIGNED: (CONTRACT,),
    STARTED: (START_PHOTO, CONSTRUCTION_PERMIT),
    PRODUCING: (PRODUCTION_LICENCE,),
    CAPACITY: (ACCEPTANCE_REPORT,),
}

# Stages dated from the start on: none of them may be dated before the signing.
_AFTER_SIGNING = frozenset({STARTED, PRODUCING, CAPACITY})

MESSAGES: dict[str, str] = {
    # the stages
    "stage.reserve": gettext_noop("reserve"),
    "stage.signed": gettext_noop("signed"),
    "stage.started": gettext_noop("started"),
    "stage.producing": gettext_noop("in production"),
    "stage.capacity": gettext_noop("at design capacity"),
    "stage.paused": gettext_noop("paused"),
    "stage.cancelled": gettext_noop("cancelled"),
    # the kinds of move
    "move.forward": gettext_noop("moved forward"),
    "move.skip": gettext_noop("skipped a stage"),
    "move.backward": gettext_noop("moved back"),
    "move.pause": gettext_noop("paused"),
    "move.resume": gettext_noop("resumed"),
    "move.cancel": gettext_noop("cancelled"),
    # the evidence each forward move expects
    "evidence.contract": gettext_noop("the signed contract"),
    "evidence.start_photo": gettext_noop("a photo of the start of works"),
    "evidence.construction_permit": gettext_noop("the construction permit"),
    "evidence.production_licence": gettext_noop("the production licence"),
    "evidence.acceptance_report": gettext_noop("the acceptance report"),
    # StageError codes
    "unknown_stage": gettext_noop("“%(stage)s” is not a project stage."),
    "same_stage": gettext_noop("The project is already at this stage (%(stage)s)."),
    "cancelled_is_final": gettext_noop(
        "The project was cancelled; a cancelled project does not move again. "
        "Enter it in the reserve pool as a new project."
    ),
    "reason_required": gettext_noop(
        "Moving from %(current)s to %(target)s (%(kind)s) needs a reason."
    ),
    "resume_to_other_stage": gettext_noop(
        "The project was paused at %(paused_from)s; resuming at %(target)s instead needs a reason."
    ),
    "date_in_future": gettext_noop("The date %(on)s is after today (%(today)s)."),
    "date_before_last_move": gettext_noop(
        "The date %(on)s is before the project's last move, on %(last_move_on)s."
    ),
    "date_before_signing": gettext_noop(
        "The date %(on)s is before the project was signed, on %(signed_on)s."
    ),
}


class StageError(ValueError):
    """A move that is refused: ``code`` (a key of :data:`MESSAGES`) and
    ``params`` for its message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params: dict[str, Any] = params


def message(code: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The English msgid for ``code`` and its params, for the UI to translate."""
    return MESSAGES[code], params


def label(stage: str) -> str:
    """The English name of a stage (a msgid): ``label("producing")`` is "in production"."""
    return MESSAGES[f"stage.{stage}"]


@dataclass(frozen=True)
class Move:
    """An allowed move, to be recorded as it is.

    ``kind`` is one of :data:`KINDS`. ``reason`` is the reason given, stripped
    (kept even when none was needed); ``reason_required`` says whether one was.
    ``irregular`` marks what the office should see in the history: a skip, a
    move back, a resume elsewhere. ``passed`` are the main-line stages stepped
    over (skip, or resume further on) or undone (backward), in line order.
    ``evidence`` are the kinds of evidence that record the target stage (any
    one will do), empty when the move reaches no new stage. ``paused_from`` is
    the stage to remember on a pause, and the stage left off on a resume.
    """

    current: str
    target: str
    kind: str
    on: dt.date
    reason: str
    reason_required: bool
    irregular: bool = False
    passed: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    paused_from: str | None = None


def check_move(
    current: str,
    target: str,
    *,
    on: dt.date,
    last_move_on: dt.date | None,
    signed_on: dt.date | None,
    reason: str,
    today: dt.date,
    paused_from: str | None = None,
) -> Move:
    """Check moving a project from ``current`` to ``target`` on the date ``on``.

    ``last_move_on``: the date of the project's last move (None for a new
    project); ``signed_on``: its signing date, if it was signed; ``paused_from``:
    for a paused project, the stage it was paused at. Raises
    :class:`StageError` for a refused move, checking the stages first, then
    the dates, then the reason (the desk fixes a date before writing a reason).

    >>> m = check_move("signed", "started", on=dt.date(2026, 5, 6),
    ...     last_move_on=dt.date(2026, 3, 27), signed_on=dt.date(2026, 3, 27),
    ...     reason="", today=dt.date(2026, 5, 8))
    >>> m.kind, m.reason_required, m.evidence
    ('forward', False, ('start_photo', 'construction_permit'))
    """
    for stage in (current, target):
        if stage not in STAGES:
            raise StageError("unknown_stage", stage=stage)
    if current == CANCELLED:
        raise StageError("cancelled_is_final")
    if current == target:
        raise StageError("same_stage", stage=current)
    if current == PAUSED and paused_from not in ORDER:
        # A programming error, not a user's: the record of every pause keeps its stage.
        raise ValueError(f"a paused project needs the stage it paused from, not {paused_from!r}")

    reason = reason.strip()
    move = _classify(current, target, on, reason, paused_from)

    if on > today:
        raise StageError("date_in_future", on=on.isoformat(), today=today.isoformat())
    if signed_on is not None and on < signed_on and target in _AFTER_SIGNING:
        raise StageError("date_before_signing", on=on.isoformat(), signed_on=signed_on.isoformat())
    if last_move_on is not None and on < last_move_on:
        raise StageError(
            "date_before_last_move", on=on.isoformat(), last_move_on=last_move_on.isoformat()
        )
    if move.reason_required and not reason:
        if move.kind == RESUME:
            raise StageError("resume_to_other_stage", paused_from=paused_from, target=target)
        raise StageError("reason_required", current=current, target=target, kind=move.kind)
    return move


def _classify(current: str, target: str, on: dt.date, reason: str, paused_from: str | None) -> Move:
    if target == CANCELLED:
        return Move(current, target, CANCEL, on, reason, reason_required=True)
    if target == PAUSED:
        return Move(current, target, PAUSE, on, reason, reason_required=True, paused_from=current)
    if current == PAUSED:
        assert paused_from is not None
        back, to = ORDER.index(paused_from), ORDER.index(target)
        if to == back:
            return Move(current, target, RESUME, on, reason, False, paused_from=paused_from)
        passed = ORDER[back + 1 : to] if to > back else ORDER[to + 1 : back + 1]
        return Move(
            current,
            target,
            RESUME,
            on,
            reason,
            reason_required=True,
            irregular=True,
            passed=passed,
            evidence=EVIDENCE.get(target, ()) if to > back else (),
            paused_from=paused_from,
        )
    here, to = ORDER.index(current), ORDER.index(target)
    if to == here + 1:
        return Move(current, target, FORWARD, on, reason, False, evidence=EVIDENCE[target])
    if to > here:
        return Move(
            current,
            target,
            SKIP,
            on,
            reason,
            reason_required=True,
            irregular=True,
            passed=ORDER[here + 1 : to],
            evidence=EVIDENCE[target],
        )
    return Move(
        current,
        target,
        BACKWARD,
        on,
        reason,
        reason_required=True,
        irregular=True,
        passed=ORDER[to + 1 : here + 1],
    )
