"""Release order and timeline read by fixed SQL: every value, in order, with its type.

The selectors feed the API, the chart and the admin; these tests pin their whole output
on the database the suite runs on (SQLite or PostgreSQL), and pin the bytes the API writes
from them.
"""

import datetime as dt
import uuid

import orjson
import pytest
from django.utils import timezone
from drf_orjson_renderer.renderers import ORJSONRenderer

from api.views.patients import _release_order_json
from records import services
from records.selectors import patient_timeline, release_order_for_patient
from tests.factories import make_user, muscle

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
FIRST_AT = T0 + dt.timedelta(days=3, microseconds=123456)


def target(slug, side, twitch, outcome, segment=""):
    """A targeted muscle as the session service takes it."""
    return {"muscle": slug, "side": side, "segment": segment, "twitch_response": twitch, "outcome": outcome}


def released(order, slug, side, twitch, outcome, segment=""):
    """A release as the release order lists it."""
    found = muscle(slug)
    return {
        "order": order, "muscle": found.pk, "muscle_name": found.name, "side": side, "segment": segment,
        "twitch_response": twitch, "outcome": outcome,
    }


@pytest.fixture
def history(clinic, physio, patient):
    """A course with a bilateral, a lung-field and an unplanned muscle; four sessions by three
    practitioners (one without a name, one with a first name only); standalone pain scores;
    addenda to a session and to the assessment."""
    nameless = make_user(clinic=clinic, username="nameless", first_name="", last_name="")
    ann = make_user(clinic=clinic, username="ann", first_name="Ann ", last_name="")
    course = services.assessment_create(
        actor=nameless, patient=patient, assessed_at=T0, chief_complaint="Low back pain into the leg",
        affected_segments=["L5", "S1"],
        plan=[
            {"muscle": "multifidus-lumbar", "side": "bilateral", "rationale": "The root first"},
            {"muscle": "gluteus-medius", "side": "left"},
            {"muscle": "trapezius-upper", "side": "right"},
        ],
    )
    baseline = services.pain_score_record(
        actor=nameless, patient=patient, moment="baseline", score=7, recorded_at=T0, assessment=course
    )
    first = services.session_record(
        actor=physio, patient=patient, assessment=course, started_at=FIRST_AT,
        targeted_muscles=[
            target("gluteus-medius", "left", "strong_contraction", "partial"),
            target("multifidus-lumbar", "bilateral", "local_twitch", "released", segment="L5"),
            target("tensor-fasciae-latae", "left", "none", "not_released"),
        ],
        pain_scores=[{"moment": "pre_session", "score": 6}, {"moment": "post_session", "score": 3}],
        adverse_events=[
            {"kind": "bruising", "severity": "mild", "notes": "Small, lateral hip"},
            {"kind": "headache", "severity": "significant"},
        ],
        needles_used=3, needles_removed=3,
    )
    second = services.session_record(
        actor=ann, patient=patient, started_at=T0 + dt.timedelta(days=10),
        targeted_muscles=[target("trapezius-upper", "right", "needle_grasp", "released")],
        needles_used=1, needles_removed=1,
    )
    third = services.session_record(
        actor=physio, patient=patient, assessment=course, started_at=T0 + dt.timedelta(days=12),
        targeted_muscles=[
            target("multifidus-lumbar", "bilateral", "none", "released", segment="S1"),
            target("gluteus-medius", "left", "local_twitch", "released"),
        ],
        needles_used=2, needles_removed=2,
    )
    empty = services.session_record(actor=physio, patient=patient, started_at=T0 + dt.timedelta(days=14))
    follow_up = services.pain_score_record(
        actor=ann, patient=patient, moment="follow_up", score=0, recorded_at=T0 + dt.timedelta(days=20)
    )
    services.session_sign(actor=physio, session=first)
    services.assessment_sign(actor=nameless, assessment=course)
    on_session = services.addendum_create(actor=nameless, record=first, text="Bruise gone at the follow-up call.")
    on_course = services.addendum_create(actor=ann, record=course, text="Imaging report received.")
    return {
        "course": course, "baseline": baseline, "first": first, "second": second, "third": third,
        "empty": empty, "follow_up": follow_up, "on_session": on_session, "on_course": on_course,
    }


def assert_same(actual, expected):
    """Equal values in the same key order, and no 1 for a True: compared as JSON bytes."""
    assert orjson.dumps(actual) == orjson.dumps(expected)
    assert actual == expected


def assert_types(value, key=None):
    """Ids are ``uuid.UUID`` and instants aware datetimes, however deep, for the chart and admin."""
    if isinstance(value, dict):
        for name, item in value.items():
            assert_types(item, name)
    elif isinstance(value, list):
        for item in value:
            assert_types(item, key)
    elif key in ("id", "muscle", "patient", "assessment", "amends") and value is not None:
        assert type(value) is uuid.UUID, (key, value)
    elif key in ("at", "started_at"):
        assert isinstance(value, dt.datetime) and value.utcoffset() == dt.timedelta(0), (key, value)


def summary(slug, side, *, lung_field, planned, first, trend, fading, outcomes, numbers):
    found = muscle(slug)
    return {
        "muscle": found.pk, "muscle_name": found.name, "side": side, "lung_field": lung_field,
        "planned_order": planned, "first_session_number": first, "times_targeted": len(trend),
        "twitch_trend": trend, "twitch_fading": fading, "outcomes": outcomes, "session_numbers": numbers,
    }


def plan_step(order, slug, side, rationale, *, targeted):
    found = muscle(slug)
    return {
        "order": order, "muscle": found.pk, "muscle_name": found.name, "side": side, "rationale": rationale,
        "targeted": targeted,
    }


def test_release_order_whole_output(patient, history):
    h = history
    data = release_order_for_patient(patient)

    assert_same(data, {
        "patient": patient.pk,
        "assessment": h["course"].pk,
        "sessions": [
            {
                "id": h["first"].pk, "number": 1, "started_at": FIRST_AT, "status": "signed",
                "releases": [
                    released(1, "gluteus-medius", "left", "strong_contraction", "partial"),
                    released(2, "multifidus-lumbar", "bilateral", "local_twitch", "released", segment="L5"),
                    released(3, "tensor-fasciae-latae", "left", "none", "not_released"),
                ],
                "plan_adherence": {"planned_targeted": 2, "unplanned_targeted": 1, "followed_plan_order": False},
            },
            {
                "id": h["second"].pk, "number": 2, "started_at": T0 + dt.timedelta(days=10), "status": "draft",
                "releases": [released(1, "trapezius-upper", "right", "needle_grasp", "released")],
                "plan_adherence": {"planned_targeted": 1, "unplanned_targeted": 0, "followed_plan_order": True},
            },
            {
                "id": h["third"].pk, "number": 3, "started_at": T0 + dt.timedelta(days=12), "status": "draft",
                "releases": [
                    released(1, "multifidus-lumbar", "bilateral", "none", "released", segment="S1"),
                    released(2, "gluteus-medius", "left", "local_twitch", "released"),
                ],
                "plan_adherence": {"planned_targeted": 2, "unplanned_targeted": 0, "followed_plan_order": True},
            },
            {
                "id": h["empty"].pk, "number": 4, "started_at": T0 + dt.timedelta(days=14), "status": "draft",
                "releases": [],
                "plan_adherence": {"planned_targeted": 0, "unplanned_targeted": 0, "followed_plan_order": True},
            },
        ],
        "muscles": [
            summary("gluteus-medius", "left", lung_field=False, planned=2, first=1,
                    trend=["strong_contraction", "local_twitch"], fading=True,
                    outcomes=["partial", "released"], numbers=[1, 3]),
            summary("multifidus-lumbar", "bilateral", lung_field=False, planned=1, first=1,
                    trend=["local_twitch", "none"], fading=True, outcomes=["released", "released"], numbers=[1, 3]),
            summary("tensor-fasciae-latae", "left", lung_field=False, planned=None, first=1,
                    trend=["none"], fading=False, outcomes=["not_released"], numbers=[1]),
            summary("trapezius-upper", "right", lung_field=True, planned=3, first=2,
                    trend=["needle_grasp"], fading=False, outcomes=["released"], numbers=[2]),
        ],
        "plan": [
            plan_step(1, "multifidus-lumbar", "bilateral", "The root first", targeted=True),
            plan_step(2, "gluteus-medius", "left", "", targeted=True),
            plan_step(3, "trapezius-upper", "right", "", targeted=True),
        ],
        "plan_adherence": {
            "sessions": 4, "sessions_following_plan_order": 2, "planned_steps": 3, "planned_steps_targeted": 3,
        },
    })
    assert_types(data)


def test_release_order_of_one_course(patient, history):
    """Narrowed to the course: its sessions only, and the plan step never reached shows."""
    h = history
    data = release_order_for_patient(patient, assessment=h["course"])
    assert [s["id"] for s in data["sessions"]] == [h["first"].pk, h["third"].pk]
    assert [(m["muscle_name"], m["side"]) for m in data["muscles"]] == [
        ("Gluteus medius", "left"), ("Lumbar multifidus", "bilateral"), ("Tensor fasciae latae", "left"),
    ]
    assert [p["targeted"] for p in data["plan"]] == [True, True, False]
    assert data["plan_adherence"] == {
        "sessions": 2, "sessions_following_plan_order": 1, "planned_steps": 3, "planned_steps_targeted": 2,
    }


def test_release_order_without_a_plan(physio, patient):
    """No plan anywhere: no plan keys at all; a named course without a plan is still named."""
    session = services.session_record(
        actor=physio, patient=patient, started_at=T0,
        targeted_muscles=[target("piriformis", "left", "local_twitch", "released")], needles_used=1, needles_removed=1,
    )
    data = release_order_for_patient(patient)
    assert list(data) == ["patient", "assessment", "sessions", "muscles"]
    assert data["assessment"] is None
    assert list(data["sessions"][0]) == ["id", "number", "started_at", "status", "releases"]
    assert data["sessions"][0]["id"] == session.pk

    course = services.assessment_create(actor=physio, patient=patient, assessed_at=T0, chief_complaint="x")
    data = release_order_for_patient(patient, assessment=course)
    assert data["assessment"] == course.pk and "plan" not in data and data["sessions"] == []


def test_the_latest_planned_assessment_is_compared(physio, patient):
    older = services.assessment_create(
        actor=physio, patient=patient, assessed_at=T0, chief_complaint="Older",
        plan=[{"muscle": "piriformis", "side": "left"}],
    )
    services.assessment_create(actor=physio, patient=patient, assessed_at=T0 + dt.timedelta(days=2),
                               chief_complaint="Latest, without a plan")
    data = release_order_for_patient(patient)
    assert data["assessment"] == older.pk
    assert [p["muscle_name"] for p in data["plan"]] == ["Piriformis"]
    newer = services.assessment_create(
        actor=physio, patient=patient, assessed_at=T0 + dt.timedelta(days=1), chief_complaint="Newer",
        plan=[{"muscle": "gluteus-medius", "side": "right"}, {"muscle": "piriformis", "side": "right"}],
    )
    data = release_order_for_patient(patient)
    assert data["assessment"] == newer.pk
    assert [(p["order"], p["muscle_name"], p["side"]) for p in data["plan"]] == [
        (1, "Gluteus medius", "right"), (2, "Piriformis", "right"),
    ]


def test_timeline_whole_output(physio, patient, history):
    h = history
    entries = patient_timeline(patient)

    assert_same(entries, [
        {
            "type": "assessment", "at": T0, "id": h["course"].pk, "status": "signed", "practitioner": "nameless",
            "summary": "Low back pain into the leg", "affected_segments": ["L5", "S1"],
            "plan": ["1. Lumbar multifidus (bilateral)", "2. Gluteus medius (left)", "3. Upper trapezius (right)"],
        },
        {
            "type": "pain_score", "at": T0, "id": h["baseline"].pk, "moment": "baseline", "score": 7,
            "summary": "NPRS 7/10 (Baseline (assessment))",
        },
        {
            "type": "session", "at": FIRST_AT, "id": h["first"].pk, "number": 1, "status": "signed",
            "practitioner": "Pat Lee",
            "summary": "1. Gluteus medius (left), 2. Lumbar multifidus (bilateral), 3. Tensor fasciae latae (left)",
            "pain_before": 6, "pain_after": 3,
            "adverse_events": [
                {"kind": "bruising", "severity": "mild", "notes": "Small, lateral hip"},
                {"kind": "headache", "severity": "significant", "notes": ""},
            ],
        },
        {
            "type": "session", "at": T0 + dt.timedelta(days=10), "id": h["second"].pk, "number": 2,
            "status": "draft", "practitioner": "Ann", "summary": "1. Upper trapezius (right)",
            "pain_before": None, "pain_after": None, "adverse_events": [],
        },
        {
            "type": "session", "at": T0 + dt.timedelta(days=12), "id": h["third"].pk, "number": 3,
            "status": "draft", "practitioner": "Pat Lee",
            "summary": "1. Lumbar multifidus (bilateral), 2. Gluteus medius (left)",
            "pain_before": None, "pain_after": None, "adverse_events": [],
        },
        {
            "type": "session", "at": T0 + dt.timedelta(days=14), "id": h["empty"].pk, "number": 4,
            "status": "draft", "practitioner": "Pat Lee", "summary": "",
            "pain_before": None, "pain_after": None, "adverse_events": [],
        },
        {
            "type": "pain_score", "at": T0 + dt.timedelta(days=20), "id": h["follow_up"].pk, "moment": "follow_up",
            "score": 0, "summary": "NPRS 0/10 (Follow-up)",
        },
        {
            "type": "addendum", "at": h["on_session"].created_at, "id": h["on_session"].pk,
            "amends": h["first"].pk, "amends_type": "session", "author": "nameless",
            "summary": "Bruise gone at the follow-up call.",
        },
        {
            "type": "addendum", "at": h["on_course"].created_at, "id": h["on_course"].pk,
            "amends": h["course"].pk, "amends_type": "assessment", "author": "Ann",
            "summary": "Imaging report received.",
        },
    ])
    assert_types(entries)


def test_records_at_the_same_instant_list_the_later_entered_first(physio, patient):
    """Same type, same instant: the order no longer depends on the database's plan."""
    sessions = [
        services.session_record(
            actor=physio, patient=patient, started_at=T0,
            targeted_muscles=[target(slug, "left", "none", "released")], needles_used=1, needles_removed=1,
        )
        for slug in ("piriformis", "gluteus-medius")
    ]
    assessments = [
        services.assessment_create(
            actor=physio, patient=patient, assessed_at=T0, chief_complaint=name,
            plan=[{"muscle": "piriformis", "side": "left"}] if name == "planned" else [],
        )
        for name in ("planned", "unplanned")
    ]
    entries = patient_timeline(patient)
    assert [(e["type"], e["id"]) for e in entries] == [
        ("assessment", assessments[1].pk), ("assessment", assessments[0].pk),
        ("session", sessions[1].pk), ("session", sessions[0].pk),
    ]
    # The release order keeps them in the order they are numbered.
    assert [s["id"] for s in release_order_for_patient(patient)["sessions"]] == [s.pk for s in sessions]


def test_timeline_without_records(patient):
    assert patient_timeline(patient) == []


# --- the API ------------------------------------------------------------------


def test_release_order_response_bytes(physio_client, patient, history):
    """The builder's document as the API writes it: session times in REST framework's format,
    the rest (UUIDs included) by the renderer; keys in the builder's order."""
    render = ORJSONRenderer().render
    for query, assessment in (("", None), (f"?assessment={history['course'].pk}", history["course"])):
        response = physio_client.get(f"/api/v1/patients/{patient.pk}/release-order/{query}")
        assert response.status_code == 200
        expected = release_order_for_patient(patient, assessment=assessment)
        for session in expected["sessions"]:
            session["started_at"] = session["started_at"].isoformat().replace("+00:00", "Z")
        assert response.content == render(expected)
    assert b'"started_at":"2025-03-06T09:00:00.123456Z"' in response.content


def test_release_order_json_writes_session_times_in_local_time(patient, history):
    result = release_order_for_patient(patient)
    with timezone.override("America/Vancouver"):
        written = _release_order_json(result)
    assert written["sessions"][0]["started_at"] == "2025-03-06T01:00:00.123456-08:00"
    assert result["sessions"][0]["started_at"] == FIRST_AT  # the builder's document is left as it was


def test_timeline_response_bytes(physio_client, patient, history):
    """Written by orjson straight from the selector: ``+00:00`` offsets, microseconds kept."""
    response = physio_client.get(f"/api/v1/patients/{patient.pk}/timeline/")
    assert response.status_code == 200
    body = response.json()
    assert body["patient"] == str(patient.pk)
    assert [e["at"] for e in body["entries"][:4]] == [
        "2025-03-03T09:00:00+00:00", "2025-03-03T09:00:00+00:00",
        "2025-03-06T09:00:00.123456+00:00", "2025-03-13T09:00:00+00:00",
    ]
    assert body["entries"][2]["id"] == str(history["first"].pk)
    assert body["entries"][-1]["amends"] == str(history["course"].pk)
    assert response.content == orjson.dumps({"patient": patient.pk, "entries": patient_timeline(patient)})
