"""The clinical rules, as pure functions: no database, no models, no request.

Services, selectors, pages, the API and FHIR call these, so a rule is written once and
its tests (``tests/records/test_clinical.py``) pin every boundary. The functions take
plain values (numbers, strings, datetimes) or any object with the attributes they name
(a model instance, a named row, a namedtuple), never a query.
"""

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NotRequired, Protocol, TypedDict

from records.choices import NEEDLING_PRECAUTIONS, PrecautionCode, Side, TwitchResponse

__all__ = [
    "BRADY_2014_REFERENCE_RATES",
    "FUTURE_TOLERANCE",
    "MCID_FRACTION",
    "MCID_POINTS",
    "NPRS_MCID_FRACTION",
    "NPRS_MCID_POINTS",
    "TWITCH_GRADE",
    "ClinicalWarning",
    "CoursePlanAdherence",
    "PlanAdherence",
    "ScoringRefused",
    "SignRefusal",
    "authorisation_current_on",
    "authorisation_expiring_within",
    "both_sides_of_thorax",
    "course_plan_adherence",
    "discrepancy_note_problem",
    "in_myotome",
    "instrument_change_reached",
    "lung_field_sign_refusal",
    "lung_field_warnings",
    "mcid_threshold",
    "median",
    "myotome_matches",
    "needling_needs_consent",
    "nprs_relief",
    "pain_change",
    "pain_percent_change",
    "plan_adherence",
    "plan_positions",
    "precaution_warnings",
    "reaches_mcid",
    "reaches_mcid_fraction",
    "reaches_mcid_points",
    "recorded_time_problems",
    "responders_by_session",
    "score_answers",
    "sessions_to_lasting_relief",
    "sharps_record_problems",
    "sharps_refusal",
    "sharps_sign_refusal",
    "too_far_in_future",
    "twitch_fading",
    "twitch_grade",
    "warnings_for_targets",
    "wilson_interval",
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


# --- sharps and lung field at sign-off ------------------------------------------


@dataclass(frozen=True)
class SignRefusal:
    """Why a session cannot be signed: a stable ``code`` and a message for people."""

    code: str
    message: str


def discrepancy_note_problem(note: str | None) -> str | None:
    """A discrepancy note that is sent must say something: whitespace alone explains nothing.

    ``None`` means "not sent" and is fine; the empty string clears a note (also fine).
    """
    if note is None or note == "":
        return None
    if not note.strip():
        return "Explain the unaccounted needle(s) in words, or leave the note empty."
    return None


def sharps_record_problems(*, targeted_count: int, needles_used: int, needles_removed: int) -> dict[str, str]:
    """Problems with a draft's sharps count, by field (empty when there are none).

    A session that needled muscles used at least one needle; more needles can never be
    removed than were used.
    """
    problems: dict[str, str] = {}
    if targeted_count > 0 and needles_used < 1:
        problems["needles_used"] = (
            f"{targeted_count} muscle(s) were needled, so at least one needle was used: count the needles."
        )
    if needles_removed > needles_used:
        problems["needles_removed"] = (
            f"{needles_removed} needles removed but only {needles_used} used: more needles cannot be removed "
            "than were used."
        )
    return problems


def sharps_sign_refusal(*, needles_used: int, needles_removed: int, discrepancy_note: str) -> SignRefusal | None:
    """Whether the sharps count lets the session be signed.

    Every needle used must be removed and disposed, unless a discrepancy note explains the
    unaccounted one(s) (a lost or broken needle). More removed than used is never signable.
    """
    if needles_removed > needles_used:
        return SignRefusal(
            "sharps_count_mismatch",
            f"Sharps count mismatch: {needles_removed} needles removed but only {needles_used} used. "
            "Correct the count before signing.",
        )
    if needles_removed < needles_used and not (discrepancy_note or "").strip():
        return SignRefusal(
            "sharps_count_mismatch",
            f"Sharps count mismatch: {needles_used} needles used but {needles_removed} removed and disposed. "
            "Account for every needle, or explain the unaccounted needle(s) in sharps_discrepancy_note, "
            "before signing.",
        )
    return None


def lung_field_sign_refusal(*, lung_field_muscles: list[str], confirmed: bool) -> SignRefusal | None:
    """A session that needled over the lung field is signed only once the practitioner
    confirms the precautions: technique suited to the lung field, and the patient told the
    signs of pneumothorax."""
    if lung_field_muscles and confirmed is not True:
        names = ", ".join(sorted(set(lung_field_muscles)))
        return SignRefusal(
            "lung_field_confirmation_required",
            f"This session needled over the lung field ({names}): confirm the lung-field precautions "
            "(lung_field_precautions_confirmed) before signing.",
        )
    return None


# --- needling authorisation -----------------------------------------------------


def authorisation_current_on(periods: Iterable[tuple[dt.date, dt.date | None]], day: dt.date) -> bool:
    """True when one of the ``(granted_on, expires_on)`` periods covers ``day``.

    Both ends are inclusive (an authorisation expiring on the 31st still covers the 31st);
    ``expires_on`` None means it does not expire.
    """
    return any(granted <= day and (expires is None or day <= expires) for granted, expires in periods)


def authorisation_expiring_within(expires_on: dt.date | None, today: dt.date, days: int) -> bool:
    """True when an authorisation still current ``today`` lapses within ``days`` days."""
    return expires_on is not None and today <= expires_on <= today + dt.timedelta(days=days)


# --- outcomes: scoring, MCID, the outcome report's statistics -------------------


# Childs 2005 (2 points) and Farrar 2001 (30 %): the NPRS change a patient notices.
# The pain MCID of the report is the chart's (above), as a Decimal for exact report arithmetic.
NPRS_MCID_POINTS = MCID_POINTS
NPRS_MCID_FRACTION = Decimal(str(MCID_FRACTION))

# Brady S, McEvoy J, Dommerholt J, Doody C. Adverse events following trigger point dry
# needling: a prospective survey of chartered physiotherapists. J Man Manip Ther
# 2014;22(3):134-140 (7,629 treatments). Rates as fractions of treatments.
BRADY_2014_REFERENCE_RATES = {
    "bruising": 0.076,
    "bleeding": 0.047,
    "pain_during": 0.030,
    "post_needling_soreness": 0.022,
}

_CENT = Decimal("0.01")


class ScoringRefused(Exception):
    """Answers that cannot be scored; ``errors`` maps paths (``answers[2].value``) to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(next(iter(errors.values()))[0])
        self.errors = errors


@dataclass(frozen=True)
class ScoredAnswers:
    score: Decimal
    answers: list[dict]


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool) and math.isfinite(value)


def score_answers(definition: dict, answers) -> ScoredAnswers:
    """Check ``answers`` against the instrument and compute its score by the manual's rule.

    ``definition`` is the instrument's validated file (``items``, ``scoring``). Each answer
    is ``{item, value, text?}``. Refuses (``ScoringRefused``) unknown or repeated items,
    values out of the item's range or not whole where the item is, text where none is
    asked for or missing where it is, and missing items the manual does not allow.
    """
    errors: dict[str, list[str]] = {}

    def add(path: str, message: str) -> None:
        errors.setdefault(path, []).append(message)

    items = {item["code"]: item for item in definition["items"]}
    if not isinstance(answers, list):
        raise ScoringRefused({"answers": ["Expected a list of {item, value} objects."]})
    cleaned: dict[str, dict] = {}
    seen: set[str] = set()
    for index, answer in enumerate(answers):
        path = f"answers[{index}]"
        if not isinstance(answer, dict):
            add(path, "Expected an object with item and value.")
            continue
        for key in sorted(set(answer) - {"item", "value", "text"}):
            add(f"{path}.{key}", "Unknown field.")
        code = answer.get("item")
        item = items.get(code) if isinstance(code, str) else None
        if item is None:
            add(f"{path}.item", f"Unknown item {code!r}; this instrument's items are: {', '.join(items)}.")
            continue
        if code in seen:
            add(f"{path}.item", f"Item {code!r} is answered twice.")
            continue
        seen.add(code)
        value = answer.get("value")
        if not _is_number(value):
            add(f"{path}.value", "Expected a number.")
            continue
        if item.get("integer", True) and value != int(value):
            add(f"{path}.value", f"{code} takes whole numbers from {item['min']} to {item['max']}.")
            continue
        if not item["min"] <= value <= item["max"]:
            add(f"{path}.value", f"{code} must be between {item['min']} and {item['max']}; got {value}.")
            continue
        text = answer.get("text")
        text_rule = item.get("text", "none")
        if text is not None and not isinstance(text, str):
            add(f"{path}.text", "Expected a string.")
            continue
        text = (text or "").strip()
        if text_rule == "required" and not text:
            add(f"{path}.text", f"{code} needs its text (e.g. the activity's name).")
            continue
        if text_rule == "none" and text:
            add(f"{path}.text", f"{code} takes no text.")
            continue
        if len(text) > 200:
            add(f"{path}.text", "At most 200 characters.")
            continue
        row = {"item": code, "value": int(value) if item.get("integer", True) else value}
        if text:
            row["text"] = text
        cleaned[code] = row
    for code, item in items.items():
        if item.get("required") and code not in seen:
            add("answers", f"Item {code!r} is required.")
    if errors:
        raise ScoringRefused(errors)

    scoring = definition["scoring"]
    values = [Decimal(str(cleaned[code]["value"])) for code in items if code in cleaned]
    n_items, n_answered = len(items), len(values)
    missing_rule = scoring.get("missing", "refuse")
    if missing_rule == "refuse" and n_answered < n_items:
        absent = [code for code in items if code not in cleaned]
        raise ScoringRefused({"answers": [f"Every item must be answered; missing: {', '.join(absent)}."]})
    if n_answered < scoring.get("min_answered", 1):
        raise ScoringRefused({"answers": [f"At least {scoring['min_answered']} items must be answered."]})
    if missing_rule == "prorate" and n_items - n_answered > scoring.get("max_missing", 0):
        raise ScoringRefused(
            {"answers": [f"At most {scoring.get('max_missing', 0)} items may be left out for a valid score."]}
        )
    total = sum(values, Decimal(0))
    if missing_rule == "prorate":
        total = total * n_items / n_answered
    method = scoring["method"]
    if method == "sum":
        score = total
    elif method == "mean":
        score = sum(values, Decimal(0)) / n_answered
    elif method == "percentage":
        maxima = sum(Decimal(items[code]["max"]) for code in items if code in cleaned)
        score = sum(values, Decimal(0)) / maxima * 100
    else:  # the file's schema allows no other method
        raise ValueError(f"unknown scoring method {method!r}")
    return ScoredAnswers(score=score.quantize(_CENT, rounding=ROUND_HALF_UP), answers=list(cleaned.values()))


def nprs_relief(before: int | Decimal, after: int | Decimal) -> bool:
    """True when pain fell by the NPRS MCID: at least 2 points or at least 30 % of ``before``."""
    drop = Decimal(before) - Decimal(after)
    if drop <= 0:
        return False
    return drop >= NPRS_MCID_POINTS or drop >= NPRS_MCID_FRACTION * Decimal(before)


def instrument_change_reached(
    first: Decimal | float, later: Decimal | float, *, mcid: Decimal | float, higher_is_better: bool
) -> bool:
    """True when ``later`` improved on ``first`` by at least the instrument's MCID."""
    change = Decimal(str(later)) - Decimal(str(first))
    if not higher_is_better:
        change = -change
    return change >= Decimal(str(mcid))


def sessions_to_lasting_relief(course: Sequence[tuple[int, str, int]]) -> int | None:
    """The session (1-based, within the course) by which lasting relief was reached, or None.

    ``course`` is the course's NPRS ratings in time order as ``(session_index, moment,
    score)``: ``session_index`` is the nth signed session of the course the rating belongs
    to (a follow-up counts at the last session before it). The first ``pre_session`` score
    is the reference; relief is lasting when a later ``pre_session`` or ``follow_up``
    score is ≥ 2 points or ≥ 30 % below it. ``post_session`` scores never count (that is
    immediate relief).
    """
    reference = None
    for index, moment, score in course:
        if moment == "pre_session" and reference is None:
            reference = score
            continue
        if reference is None or moment not in ("pre_session", "follow_up"):
            continue
        if nprs_relief(reference, score):
            return index
    return None


def wilson_interval(count: int, total: int, *, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score 95 % interval of a proportion ``count / total`` (``(0, 0)`` for none)."""
    if total <= 0:
        return (0.0, 0.0)
    p = count / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    low = 0.0 if count == 0 else max(0.0, centre - half)
    high = 1.0 if count == total else min(1.0, centre + half)
    return (low, high)


def median(values: Iterable[float]) -> float | None:
    """The median (the mean of the middle two for an even count), None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def responders_by_session(sessions_to_mcid: Sequence[int | None], *, total: int, up_to: int = 10) -> list[dict]:
    """For n = 1…``up_to``: the share of ``total`` courses that reached the MCID by session n."""
    result = []
    for n in range(1, up_to + 1):
        count = sum(1 for reached in sessions_to_mcid if reached is not None and reached <= n)
        result.append({"session": n, "count": count, "rate": count / total if total else 0.0})
    return result
