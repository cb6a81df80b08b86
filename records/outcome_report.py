"""The clinic outcome report (DESIGN §12): how a clinic's patients do, and how safe its needling is.

Built in a fixed number of queries (six, whatever the period or the clinic's size): the rows
are read by name with ``.values()`` and every figure is computed by the pure functions of
``records.clinical``. The definitions below are shown beside the figures on the page
and in the README.
"""

import datetime as dt
import zoneinfo
from collections import defaultdict
from typing import TypedDict

from django.db.models import Q

from records.choices import AdverseEventKind, PainMoment, RecordStatus
from records.clinical import (
    BRADY_2014_REFERENCE_RATES,
    instrument_change_reached,
    median,
    nprs_relief,
    responders_by_session,
    sessions_to_lasting_relief,
    wilson_interval,
)
from records.models import AdverseEvent, Clinic, OutcomeResponse, PainScore, TreatmentSession

__all__ = ["DEFINITIONS", "OutcomeReport", "outcome_report", "period_bounds"]

BRADY_2014 = (
    "Brady S, McEvoy J, Dommerholt J, Doody C. Adverse events following trigger point dry needling: a prospective "
    "survey of chartered physiotherapists. J Man Manip Ther 2014;22(3):134-140 (7,629 treatments)."
)

DEFINITIONS = {
    "treatments": "Signed treatment sessions that started in the period (in the clinic's time zone, both dates "
    "included), of the chosen practitioner if one is chosen.",
    "adverse_events": "Per kind: the treatments with at least one adverse event of that kind; rate = count / "
    "treatments, with its Wilson 95 % interval. Brady 2014 reference rates beside them: bruising 7.6 %, bleeding "
    "4.7 %, pain during needling 3.0 %, pain after needling (post_needling_soreness) 2.2 %.",
    "courses": "Courses of care (assessments) with at least one counted treatment in the period. Each course is "
    "followed over all its signed sessions up to the end of the period.",
    "mcid_reached": "Lasting relief: courses where a later pre_session or follow_up NPRS is at least 2 points or "
    "at least 30 % below the course's first pre_session score. A drop right after a session alone is immediate "
    "relief, not lasting. Rate = courses reaching it / courses.",
    "immediate_relief": "Of the counted treatments with both a pre_session and a post_session NPRS, the share whose "
    "post_session score is at least 2 points or at least 30 % below the pre_session score (the first pre and the "
    "last post rating of the session).",
    "responders_by_session": "For n = 1…10, the share of courses that reached lasting relief by their nth signed "
    "session (a follow-up counts at the last session before it); drawn as a cumulative curve.",
    "median_sessions_to_mcid": "Among the courses that reached lasting relief, the median number of sessions it "
    "took; empty when none did.",
    "sharps_discrepancies": "Counted treatments whose needles removed fell short of needles used (a discrepancy "
    "explained in sharps_discrepancy_note where that field exists).",
    "instruments": "Per questionnaire: courses with at least two scored responses; responders are those whose "
    "score later improved on their first by at least the instrument's MCID (in its better direction).",
}


class RateFigure(TypedDict):
    count: int
    rate: float
    ci95: list[float]


class OutcomeReport(TypedDict):
    clinic: str
    period: dict
    practitioner: int | None
    treatments: int
    adverse_events: dict[str, dict]
    reference: str
    courses: int
    mcid_reached: RateFigure
    immediate_relief: dict
    responders_by_session: list[dict]
    median_sessions_to_mcid: float | None
    sharps_discrepancies: dict
    instruments: list[dict]
    definitions: dict[str, str]


def period_bounds(clinic: Clinic, date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) instants of the period: from midnight of ``date_from`` to the midnight after
    ``date_to``, in the clinic's time zone."""
    try:
        zone = zoneinfo.ZoneInfo(clinic.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def _rate(count: int, total: int) -> RateFigure:
    low, high = wilson_interval(count, total)
    return {"count": count, "rate": count / total if total else 0.0, "ci95": [low, high]}


def _has_sharps_note() -> bool:
    return any(field.name == "sharps_discrepancy_note" for field in TreatmentSession._meta.get_fields())


_MOMENT_ORDER = {PainMoment.PRE_SESSION: 0, PainMoment.POST_SESSION: 1, PainMoment.FOLLOW_UP: 2}


def outcome_report(
    clinic: Clinic, *, date_from: dt.date, date_to: dt.date, practitioner_id: int | None = None
) -> OutcomeReport:
    """The outcome report of ``clinic`` for the period (see ``DEFINITIONS``): six queries."""
    start, end = period_bounds(clinic, date_from, date_to)
    with_note = _has_sharps_note()

    # 1. The counted treatments.
    treatments = TreatmentSession.objects.filter(
        clinic=clinic, status=RecordStatus.SIGNED, started_at__gte=start, started_at__lt=end
    )
    if practitioner_id is not None:
        treatments = treatments.filter(practitioner_id=practitioner_id)
    columns = ["id", "assessment_id", "needles_used", "needles_removed"]
    if with_note:
        columns.append("sharps_discrepancy_note")
    counted = list(treatments.values(*columns))
    counted_ids = {row["id"] for row in counted}
    course_ids = {row["assessment_id"] for row in counted if row["assessment_id"] is not None}
    total = len(counted)

    # 2. Adverse events of the counted treatments (a treatment counts once per kind).
    with_kind: dict[str, set] = defaultdict(set)
    for row in AdverseEvent.objects.filter(session__in=treatments.values("pk")).values("session_id", "kind"):
        with_kind[row["kind"]].add(row["session_id"])
    adverse = {}
    for kind in AdverseEventKind.values:
        figure = _rate(len(with_kind.get(kind, ())), total)
        adverse[kind] = {**figure, "reference_rate": BRADY_2014_REFERENCE_RATES.get(kind)}

    # 3. Every signed session of the courses up to the end of the period: their order.
    course_sessions: dict = defaultdict(list)
    for row in (
        TreatmentSession.objects.filter(
            clinic=clinic, assessment_id__in=course_ids, status=RecordStatus.SIGNED, started_at__lt=end
        )
        .order_by("started_at", "number")
        .values("id", "assessment_id", "started_at")
    ):
        course_sessions[row["assessment_id"]].append(row)
    session_index = {}
    for sessions in course_sessions.values():
        for index, row in enumerate(sessions, start=1):
            session_index[row["id"]] = (row["assessment_id"], index)

    def index_at(course, at) -> int:
        """The nth session of the course that had started by ``at`` (0 before the first)."""
        return sum(1 for row in course_sessions.get(course, ()) if row["started_at"] <= at)

    # 4. NPRS ratings of the counted treatments and of the courses' sessions: one range scan
    # of the clinic's signed sessions (from the earliest course start) joined to their scores,
    # kept by session in Python; 5. the follow-ups recorded against the courses themselves.
    earliest = min([start, *(rows[0]["started_at"] for rows in course_sessions.values())])
    ratings_by_course: dict = defaultdict(list)
    session_pairs: dict = defaultdict(lambda: {"pre": None, "post": None})
    session_pains = PainScore.objects.filter(
        session__clinic=clinic, session__status=RecordStatus.SIGNED, session__started_at__gte=earliest,
        session__started_at__lt=end, moment__in=list(_MOMENT_ORDER), recorded_at__lt=end,
    ).order_by("recorded_at")
    follow_ups = PainScore.objects.filter(
        clinic=clinic, session__isnull=True, assessment_id__in=list(course_ids), moment=PainMoment.FOLLOW_UP,
        recorded_at__lt=end,
    ) if course_ids else PainScore.objects.none()
    rows = list(session_pains.values("session_id", "assessment_id", "moment", "score", "recorded_at"))
    rows += follow_ups.values("session_id", "assessment_id", "moment", "score", "recorded_at")
    for row in rows:
        if row["session_id"] in counted_ids:
            pair = session_pairs[row["session_id"]]
            if row["moment"] == PainMoment.PRE_SESSION and pair["pre"] is None:
                pair["pre"] = row["score"]
            elif row["moment"] == PainMoment.POST_SESSION:
                pair["post"] = row["score"]
        if row["session_id"] in session_index:
            course, index = session_index[row["session_id"]]
        elif row["session_id"] is None and row["assessment_id"] in course_ids:
            course = row["assessment_id"]
            index = index_at(course, row["recorded_at"])
        else:
            continue
        if index:
            ratings_by_course[course].append((row["recorded_at"], _MOMENT_ORDER[row["moment"]], index, row))

    reached_at = []
    for course in course_ids:
        ratings = sorted(ratings_by_course.get(course, ()), key=lambda r: (r[0], r[2], r[1]))
        course_ratings = [(index, row["moment"], row["score"]) for *_, index, row in ratings]
        reached_at.append(sessions_to_lasting_relief(course_ratings))
    n_courses = len(course_ids)
    reached = [n for n in reached_at if n is not None]

    pairs = [pair for pair in session_pairs.values() if pair["pre"] is not None and pair["post"] is not None]
    relieved = sum(1 for pair in pairs if nprs_relief(pair["pre"], pair["post"]))

    discrepancies = sum(
        1
        for row in counted
        if row["needles_removed"] < row["needles_used"] or (with_note and row.get("sharps_discrepancy_note"))
    )

    # 6. Scored questionnaires of the courses.
    instruments = _instrument_responders(clinic, course_ids, end)

    return {
        "clinic": clinic.slug,
        "period": {"from": date_from.isoformat(), "to": date_to.isoformat(), "time_zone": clinic.timezone},
        "practitioner": practitioner_id,
        "treatments": total,
        "adverse_events": adverse,
        "reference": BRADY_2014,
        "courses": n_courses,
        "mcid_reached": _rate(len(reached), n_courses),
        "immediate_relief": {**_rate(relieved, len(pairs)), "sessions_with_both_scores": len(pairs)},
        "responders_by_session": responders_by_session(reached_at, total=n_courses),
        "median_sessions_to_mcid": median(reached),
        "sharps_discrepancies": {
            **_rate(discrepancies, total),
            "source": "sharps_discrepancy_note" if with_note else "needles_removed < needles_used",
        },
        "instruments": instruments,
        "definitions": DEFINITIONS,
    }


def _instrument_responders(clinic: Clinic, course_ids: set, end: dt.datetime) -> list[dict]:
    rows = (
        OutcomeResponse.objects.filter(
            Q(session__assessment_id__in=course_ids) | Q(assessment_id__in=course_ids),
            clinic=clinic,
            recorded_at__lt=end,
        )
        .order_by("recorded_at")
        .values(
            "score", "session__assessment_id", "assessment_id", "instrument__code", "instrument__name",
            "instrument__mcid", "instrument__higher_is_better",
        )
    )
    series: dict = defaultdict(lambda: defaultdict(list))
    meta = {}
    for row in rows:
        course = row["assessment_id"] or row["session__assessment_id"]
        code = row["instrument__code"]
        series[code][course].append(row["score"])
        meta[code] = row
    result = []
    for code in sorted(series):
        info = meta[code]
        followed = [scores for scores in series[code].values() if len(scores) >= 2]
        responders = sum(
            1
            for scores in followed
            if any(
                instrument_change_reached(
                    scores[0], later, mcid=info["instrument__mcid"],
                    higher_is_better=info["instrument__higher_is_better"],
                )
                for later in scores[1:]
            )
        )
        result.append({
            "code": code,
            "name": info["instrument__name"],
            "mcid": float(info["instrument__mcid"]),
            "courses": len(followed),
            "responders": responders,
            **{key: value for key, value in _rate(responders, len(followed)).items() if key != "count"},
        })
    return result
