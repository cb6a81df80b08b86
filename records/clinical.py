"""The clinical rules, as pure functions: no database, no models, no request.

Services, selectors, pages, the API and FHIR call these, so a rule is written once and
its tests (``tests/records/test_clinical.py``) pin every boundary. The functions take
plain values (numbers, strings, datetimes) or any object with the attributes they name
(a model instance, a named row, a namedtuple), never a query.
"""

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import NotRequired, Protocol, TypedDict

from records.choices import NEEDLING_PRECAUTIONS, PrecautionCode, Side, TwitchResponse

__all__ = [
    "FUTURE_TOLERANCE",
    "MCID_FRACTION",
    "MCID_POINTS",
    "TWITCH_GRADE",
    "ClinicalWarning",
    "CoursePlanAdherence",
    "PlanAdherence",
    "both_sides_of_thorax",
    "course_plan_adherence",
    "in_myotome",
    "lung_field_warnings",
    "mcid_threshold",
    "myotome_matches",
    "needling_needs_consent",
    "pain_change",
    "pain_percent_change",
    "plan_adherence",
    "plan_positions",
    "precaution_warnings",
    "reaches_mcid",
    "reaches_mcid_fraction",
    "reaches_mcid_points",
    "recorded_time_problems",
    "sharps_refusal",
    "too_far_in_future",
    "twitch_fading",
    "twitch_grade",
    "warnings_for_targets",
]


# --- twitch response ------------------------------------------------------------

# Twitch responses graded 0–3 (none, needle grasp, local twitch, strong contraction), so
# charts and trends can compare them; the choices are declared weakest first.
TWITCH_GRADE: dict[str, int] = {value: grade for grade, value in enumerate(TwitchResponse.values)}


def twitch_grade(response: str) -> int:
    """The 0–3 grade of a twitch response (``none`` 0 … ``strong_contraction`` 3)."""
    return TWITCH_GRADE[response]


def twitch_fading(trend: Sequence[str]) -> bool:
    """Has a muscle's twitch response faded? Its latest response is weaker than its first.

    A muscle needled once has no trend; one that came back to its first strength has not faded.
    """
    if not trend:
        return False
    return twitch_grade(trend[-1]) < twitch_grade(trend[0])


# --- pain: minimal clinically important difference --------------------------------

# NPRS minimal clinically important difference: 2 points or 30 % of the rating before
# (Childs 2005; Farrar 2001).
MCID_POINTS = 2
MCID_FRACTION = 0.3


def pain_change(before: int | None, after: int | None) -> int | None:
    """How much pain fell from ``before`` to ``after`` (negative when it rose); None unless both are known."""
    if before is None or after is None:
        return None
    return before - after


def pain_percent_change(before: int | None, change: int | None) -> int | None:
    """``change`` as a whole percentage of ``before``; None when unknown or when ``before`` is 0."""
    if change is None or not before:
        return None
    return round(100 * change / before)


def reaches_mcid_points(change: float) -> bool:
    """A fall of at least ``MCID_POINTS`` points."""
    return change >= MCID_POINTS


def reaches_mcid_fraction(before: float, change: float) -> bool:
    """A fall of at least ``MCID_FRACTION`` of the rating before (never from a rating of 0)."""
    return bool(before) and change / before >= MCID_FRACTION


def reaches_mcid(before: int | None, after: int | None) -> bool:
    """Did pain fall from ``before`` to ``after`` by the MCID (2 points or 30 %)?"""
    change = pain_change(before, after)
    if change is None:
        return False
    return reaches_mcid_points(change) or reaches_mcid_fraction(before, change)


def mcid_threshold(reference: int | None) -> int | None:
    """The rating an MCID below ``reference`` (the line a chart draws); None below ``MCID_POINTS``."""
    if reference is None or reference < MCID_POINTS:
        return None
    return reference - MCID_POINTS


# --- sharps ---------------------------------------------------------------------


def sharps_refusal(*, needles_used: int, needles_removed: int) -> str | None:
    """Why a session may not be signed on its sharps count, or None when every needle is
    accounted for (removed and disposed equals used)."""
    if needles_removed != needles_used:
        return (
            f"Sharps count mismatch: {needles_used} needles used but {needles_removed} "
            "removed and disposed. Account for every needle before signing."
        )
    return None


def needling_needs_consent(*, has_targeted_muscles: bool, needles_used: int) -> bool:
    """A session that needled (a muscle targeted, or any needle used) needs current consent."""
    return bool(has_targeted_muscles or needles_used)


# --- times ----------------------------------------------------------------------

# How far ahead of now a clinical time may lie: a clock a little fast, or a clinic in a
# time zone ahead of the server, must not refuse today's note.
FUTURE_TOLERANCE = dt.timedelta(days=1)


def too_far_in_future(value: dt.datetime, *, now: dt.datetime) -> bool:
    """Is ``value`` more than ``FUTURE_TOLERANCE`` after ``now``?"""
    return value > now + FUTURE_TOLERANCE


def recorded_time_problems(value: dt.datetime, *, date_of_birth: dt.date, now: dt.datetime) -> list[str]:
    """What is wrong with ``value`` as the time of a clinical record of a patient born on
    ``date_of_birth``: no time zone, before birth, too far in the future (empty when fine)."""
    if value.utcoffset() is None:
        return ["Give a time with a timezone."]
    problems = []
    if value.date() < date_of_birth:
        problems.append("This is before the patient's date of birth.")
    if too_far_in_future(value, now=now):
        problems.append("This is too far in the future.")
    return problems


# --- myotomes -------------------------------------------------------------------


def in_myotome(muscle_segments: Iterable[str] | None, segments: Iterable[str]) -> bool:
    """Does a muscle supplied by ``muscle_segments`` (e.g. ``["L4", "L5", "S1"]``) belong to
    the myotome of any of ``segments`` (any case, e.g. ``"l5"``)?"""
    wanted = {s.upper() for s in segments}
    return bool(wanted & set(muscle_segments or ()))


def myotome_matches(muscles: Iterable[tuple[object, Iterable[str] | None]], segments: Iterable[str]) -> list:
    """The keys of the ``(key, segments)`` pairs whose muscle is in the myotome of ``segments``, in order."""
    segments = tuple(segments)
    return [key for key, muscle_segments in muscles if in_myotome(muscle_segments, segments)]


# --- plan adherence -------------------------------------------------------------


class PlanAdherence(TypedDict):
    """How one session's actual order kept to the plan."""

    planned_targeted: int
    unplanned_targeted: int
    followed_plan_order: bool


def plan_positions(steps: Iterable[tuple[object, str, int]]) -> dict[tuple[object, str], int]:
    """``{(muscle, side): order}`` from the plan's ``(muscle, side, order)`` steps, taken in
    plan order: a muscle and side planned twice keeps its first position."""
    positions: dict[tuple[object, str], int] = {}
    for muscle, side, order in steps:
        positions.setdefault((muscle, side), order)
    return positions


def plan_adherence(
    releases: Sequence[tuple[object, str]], positions: Mapping[tuple[object, str], int]
) -> PlanAdherence:
    """How a session that released ``releases`` (``(muscle, side)`` in needling order) kept to
    a plan (``positions`` from ``plan_positions``): how many planned and unplanned steps it
    did, and whether the planned ones came in strictly increasing plan order."""
    done = [positions[key] for key in releases if key in positions]
    return {
        "planned_targeted": len(done),
        "unplanned_targeted": len(releases) - len(done),
        "followed_plan_order": all(a < b for a, b in itertools.pairwise(done)),
    }


class CoursePlanAdherence(TypedDict):
    """How a course's sessions kept to its plan."""

    sessions: int
    sessions_following_plan_order: int
    planned_steps: int
    planned_steps_targeted: int


def course_plan_adherence(
    sessions: Sequence[PlanAdherence], *, planned_steps: int, planned_steps_targeted: int
) -> CoursePlanAdherence:
    """A course's adherence to its plan: of its sessions, how many did planned steps in plan
    order (a session with no planned step neither follows nor breaks it)."""
    return {
        "sessions": len(sessions),
        "sessions_following_plan_order": sum(
            1 for s in sessions if s["planned_targeted"] and s["followed_plan_order"]
        ),
        "planned_steps": planned_steps,
        "planned_steps_targeted": planned_steps_targeted,
    }


# --- warnings -------------------------------------------------------------------


class MuscleLike(Protocol):
    """What the warnings read of a muscle: a ``Muscle`` or any row with these attributes."""

    pk: object
    name: str
    lung_field: bool


class PrecautionLike(Protocol):
    """What the warnings read of a precaution: a ``Precaution`` or any row with these attributes."""

    code: str
    note: str


class ClinicalWarning(TypedDict):
    """A warning shown with a session: it informs, it never blocks."""

    code: str
    message: str
    muscles: NotRequired[list[str]]


def both_sides_of_thorax(sides: Iterable[str]) -> bool:
    """Do needling ``sides`` reach both sides of the thorax (``bilateral`` counts as both)?"""
    reached: set[str] = set()
    for side in sides:
        reached |= {Side.LEFT, Side.RIGHT} if side == Side.BILATERAL else {side}
    return {Side.LEFT, Side.RIGHT} <= reached


def lung_field_warnings(targets: Iterable[tuple[MuscleLike, str]]) -> list[ClinicalWarning]:
    """Warnings for needling over the lung field (pneumothorax risk), and for doing it on
    both sides of the thorax in one session."""
    lung = [(muscle, side) for muscle, side in targets if muscle.lung_field]
    if not lung:
        return []
    names = sorted({f"{muscle.name} ({side})" for muscle, side in lung})
    ids = sorted({str(muscle.pk) for muscle, _ in lung})
    warnings: list[ClinicalWarning] = [
        {
            "code": "lung_field",
            "message": "Needling over the lung field (pneumothorax risk): " + ", ".join(names) + ".",
            "muscles": ids,
        }
    ]
    if both_sides_of_thorax(side for _, side in lung):
        warnings.append(
            {
                "code": "lung_field_bilateral",
                "message": "Lung-field muscles on both sides of the thorax in one session: "
                "a bilateral pneumothorax would be an emergency. Consider one side per session.",
                "muscles": list(ids),
            }
        )
    return warnings


_PRECAUTION_LABELS = dict(PrecautionCode.choices)


def precaution_warnings(precautions: Iterable[PrecautionLike]) -> list[ClinicalWarning]:
    """A warning per precaution that matters when needling (anticoagulants, pregnancy, …),
    by code, with the clinician's note."""
    warnings: list[ClinicalWarning] = []
    for precaution in sorted(precautions, key=lambda p: p.code):
        if precaution.code in NEEDLING_PRECAUTIONS:
            message = f"Precaution: {_PRECAUTION_LABELS[precaution.code]}"
            if precaution.note:
                # A dash, not brackets: notes often carry their own "(left chest)".
                message += f" — {precaution.note.rstrip('.')}"
            warnings.append({"code": f"precaution_{precaution.code}", "message": message + "."})
    return warnings


def warnings_for_targets(
    targets: Iterable[tuple[MuscleLike, str]], precautions: Iterable[PrecautionLike]
) -> list[ClinicalWarning]:
    """Warnings for needling ``targets`` (pairs of muscle and side) in a patient with
    ``precautions``: lung field first, then the precautions by code. They inform; they never block."""
    return lung_field_warnings(targets) + precaution_warnings(precautions)
