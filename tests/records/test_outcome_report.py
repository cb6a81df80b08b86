"""The clinic outcome report against a hand-built clinic where every figure is known."""

import datetime as dt

import pytest

from records import services
from records.outcome_report import outcome_report
from tests.factories import ConsentFactory, PatientFactory, muscle

UTC = dt.UTC
START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)


def at(day, hour=10, month=3):
    return dt.datetime(2026, month, day, hour, 0, tzinfo=UTC)


def _patient(clinic, physio):
    patient = PatientFactory(clinic=clinic)
    ConsentFactory(patient=patient, recorded_by=physio, given_at=dt.datetime(2026, 1, 1, tzinfo=UTC))
    return patient


def _session(physio, patient, started_at, *, assessment=None, pre=None, post=None, adverse=(), sign=True):
    pains = [{"moment": m, "score": s} for m, s in (("pre_session", pre), ("post_session", post)) if s is not None]
    session = services.session_record(
        actor=physio, patient=patient, assessment=assessment, started_at=started_at,
        targeted_muscles=[{"muscle": muscle("gluteus-medius"), "side": "left", "twitch_response": "local_twitch",
                           "outcome": "released"}],
        needles_used=1, needles_removed=1, pain_scores=pains,
        adverse_events=[{"kind": kind} for kind in adverse],
    )
    return services.session_sign(actor=physio, session=session) if sign else session


def _psfs(physio, patient, values, recorded_at, **link):
    answers = [{"item": f"activity_{i}", "value": v, "text": "Stairs"} for i, v in enumerate(values, start=1)]
    return services.outcome_response_record(
        actor=physio, patient=patient, instrument="psfs", answers=answers, recorded_at=recorded_at, **link
    )


@pytest.fixture
def hand_built(clinic, physio, physio2):
    """Three courses and two stray sessions in March 2026, clinic in Vancouver (UTC−8, −7 from 8 March)."""
    clinic.timezone = "America/Vancouver"
    clinic.save()
    p1, p2, p3, p4 = (_patient(clinic, physio) for _ in range(4))
    a = services.assessment_create(actor=physio, patient=p1, chief_complaint="LBP", assessed_at=at(1, 9))
    b = services.assessment_create(actor=physio2, patient=p2, chief_complaint="Neck", assessed_at=at(2, 9))
    c = services.assessment_create(actor=physio, patient=p3, chief_complaint="Hip", assessed_at=at(3, 9))
    # Course A: 8 → 7 (12.5 %, not yet) → 5 (3 points): lasting relief at session 3; every session relieves at once.
    _session(physio, p1, at(2), assessment=a, pre=8, post=4, adverse=["bruising"])
    _session(physio, p1, at(9), assessment=a, pre=7, post=5, adverse=["bruising", "bleeding"])
    a3 = _session(physio, p1, at(16), assessment=a, pre=5, post=3)
    _psfs(physio, p1, (3, 3, 3), at(1, 9, 3), assessment=a)
    _psfs(physio, p1, (5, 6, 5), at(16, 11), session=a3)  # 3.00 → 5.33: PSFS MCID reached
    # Course B (physio2): 6 → 5 at once (no immediate relief); a follow-up of 4 after session 1 is lasting.
    _session(physio2, p2, at(3), assessment=b, pre=6, post=5, adverse=["pain_during"])
    services.pain_score_record(actor=physio2, patient=p2, moment="follow_up", score=4, recorded_at=at(5),
                               assessment=b)
    _session(physio2, p2, at(10), assessment=b, pre=5, post=5)
    _psfs(physio2, p2, (4, 4, 4), at(3, 9), assessment=b)
    _psfs(physio2, p2, (5, 5, 5), at(10, 11), assessment=b)  # +1: not a responder
    # Course C: 4 → 3 (25 %, 1 point): nothing; its second session is a draft and does not count.
    _session(physio, p3, at(4), assessment=c, pre=4, post=3)
    _session(physio, p3, at(11), assessment=c, pre=2, post=1, sign=False)
    # No course: 10 → 7 relieves at once.
    _session(physio, p3, at(20), pre=10, post=7)
    # Edges of the period in Vancouver time: 1 March 07:30 UTC is 28 February there (out);
    # 1 April 06:30 UTC is 31 March 23:30 there (in).
    _session(physio, p4, dt.datetime(2026, 3, 1, 7, 30, tzinfo=UTC), adverse=["bruising"])
    _session(physio, p4, dt.datetime(2026, 4, 1, 6, 30, tzinfo=UTC), adverse=["post_needling_soreness"])
    return {"clinic": clinic, "courses": (a, b, c)}


def test_every_figure_of_the_hand_built_clinic(hand_built, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        report = outcome_report(hand_built["clinic"], date_from=START, date_to=END)
    assert report["treatments"] == 8
    events = report["adverse_events"]
    assert (events["bruising"]["count"], events["bruising"]["rate"]) == (2, 0.25)
    assert (events["bleeding"]["count"], events["bleeding"]["rate"]) == (1, 0.125)
    assert events["pain_during"]["count"] == 1 and events["post_needling_soreness"]["count"] == 1
    assert events["syncope"] == {"count": 0, "rate": 0.0, "ci95": [0.0, pytest.approx(0.3244, abs=1e-4)],
                                 "reference_rate": None}
    assert [round(x, 4) for x in events["bruising"]["ci95"]] == [0.0715, 0.5907]  # Wilson, 2 of 8
    assert events["bruising"]["reference_rate"] == 0.076 and events["bleeding"]["reference_rate"] == 0.047
    assert events["pain_during"]["reference_rate"] == 0.030
    assert events["post_needling_soreness"]["reference_rate"] == 0.022
    assert report["courses"] == 3
    assert report["mcid_reached"]["count"] == 2 and report["mcid_reached"]["rate"] == pytest.approx(2 / 3)
    curve = [row["rate"] for row in report["responders_by_session"]]
    assert curve == pytest.approx([1 / 3, 1 / 3] + [2 / 3] * 8)
    assert [row["session"] for row in report["responders_by_session"]] == list(range(1, 11))
    assert report["median_sessions_to_mcid"] == 2.0  # courses reached at sessions 1 and 3
    relief = report["immediate_relief"]
    assert (relief["count"], relief["sessions_with_both_scores"]) == (4, 7)
    assert relief["rate"] == pytest.approx(4 / 7)
    assert report["sharps_discrepancies"]["count"] == 0
    (psfs,) = report["instruments"]
    assert (psfs["code"], psfs["courses"], psfs["responders"], psfs["rate"]) == ("psfs", 2, 1, 0.5)
    assert set(report["definitions"]) >= {"treatments", "mcid_reached", "immediate_relief", "responders_by_session"}


def test_one_practitioner(hand_built, physio2):
    report = outcome_report(hand_built["clinic"], date_from=START, date_to=END, practitioner_id=physio2.pk)
    assert (report["treatments"], report["courses"], report["mcid_reached"]["count"]) == (2, 1, 1)
    assert report["adverse_events"]["pain_during"]["rate"] == 0.5
    assert report["responders_by_session"][0]["rate"] == 1.0
    assert report["median_sessions_to_mcid"] == 1.0


def test_an_empty_period_and_its_query_count(hand_built, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        report = outcome_report(hand_built["clinic"], date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 1, 31))
    assert (report["treatments"], report["courses"], report["median_sessions_to_mcid"]) == (0, 0, None)
    assert report["mcid_reached"] == {"count": 0, "rate": 0.0, "ci95": [0.0, 0.0]}
    assert report["instruments"] == []


def test_query_count_does_not_grow_with_the_clinic(clinic, physio, django_assert_num_queries):
    counts = []
    for _ in range(2):
        patient = _patient(clinic, physio)
        course = services.assessment_create(actor=physio, patient=patient, chief_complaint="LBP",
                                            assessed_at=at(1, 8))
        for day in (2, 9, 16):
            _session(physio, patient, at(day), assessment=course, pre=7, post=4, adverse=["bruising"])
        _psfs(physio, patient, (2, 2, 2), at(2, 11), assessment=course)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            outcome_report(clinic, date_from=START, date_to=END)
        counts.append(len(captured))
    assert counts == [6, 6]
