"""Clinical rules of outcomes (DESIGN §12) as pure functions: no database, no Django models.

Scoring a questionnaire from its instrument's definition, the minimal clinically important
difference (MCID) rules, and the statistics of the clinic outcome report (Wilson interval,
median, responders by session). Services and selectors call these; the tests pin each
boundary. (Kept apart from ``records/clinical.py`` while that file is being written; the
two are to be folded together.)
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "BRADY_2014_REFERENCE_RATES",
    "NPRS_MCID_FRACTION",
    "NPRS_MCID_POINTS",
    "ScoringRefused",
    "instrument_change_reached",
    "median",
    "nprs_relief",
    "responders_by_session",
    "score_answers",
    "sessions_to_lasting_relief",
    "wilson_interval",
]

# Childs 2005 (2 points) and Farrar 2001 (30 %): the NPRS change a patient notices.
NPRS_MCID_POINTS = 2
NPRS_MCID_FRACTION = Decimal("0.30")

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
