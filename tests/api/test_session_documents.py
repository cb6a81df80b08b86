"""api.session_documents (fixed SQL) against SessionSerializer, which documents the shape.

The API answers session reads from the documents; the serializer stays as the OpenAPI
description. These tests hold the two to the same bytes, so the schema cannot drift from
what clients receive, on SQLite and PostgreSQL alike.
"""

import datetime as dt
import uuid
from decimal import Decimal

import orjson
import pytest
from django.test.utils import override_settings
from django.utils import timezone
from drf_orjson_renderer.renderers import ORJSONRenderer

from api.serializers.base import api_datetime
from api.serializers.records import SessionSerializer
from api.session_documents import session_documents
from records import selectors, services
from tests.factories import PrecautionFactory, muscle

from .conftest import record_session

render = ORJSONRenderer().render


def serialized(session) -> bytes:
    instance = selectors.sessions_for_clinic(session.clinic).get(pk=session.pk)
    return render(SessionSerializer(instance).data)


def documented(session) -> bytes:
    (document,) = session_documents(session.clinic, [session.pk])
    return render(document)


@pytest.fixture
def rich_session(physio, physio2, patient):
    """Every optional part filled in: needle sizes, segment, lung field on both sides,
    pain at three moments, adverse events, precautions (one with a note), a signer with no
    full name, an addendum."""
    physio2.first_name = physio2.last_name = ""
    physio2.save()
    PrecautionFactory(patient=patient, code="anticoagulants", note="Warfarin (INR 2.4).")
    PrecautionFactory(patient=patient, code="pregnancy")
    started = timezone.now() - dt.timedelta(hours=3)
    session = services.session_record(
        actor=physio2,
        patient=patient,
        started_at=started,
        targeted_muscles=[
            {"muscle": muscle("multifidus-lumbar"), "side": "right", "segment": "L5", "needle_length_mm": 50,
             "needle_diameter_mm": Decimal("0.30"), "twitch_response": "strong_contraction", "twitch_count": 4,
             "outcome": "released", "notes": "Deep"},
            {"muscle": muscle("rhomboid-major"), "side": "left", "twitch_response": "local_twitch",
             "outcome": "partial"},
            {"muscle": muscle("intercostals"), "side": "right", "needle_diameter_mm": Decimal("0.25"),
             "twitch_response": "none", "outcome": "not_released"},
        ],
        pain_scores=[
            {"moment": "pre_session", "score": 7, "region": "Low back"},
            {"moment": "post_session", "score": 3, "recorded_at": started + dt.timedelta(minutes=40)},
            {"moment": "follow_up", "score": 2, "recorded_at": started + dt.timedelta(hours=2)},
        ],
        adverse_events=[
            {"kind": "bruising", "severity": "mild"},
            {"kind": "post_needling_soreness", "notes": "Next day"},
        ],
        needles_used=3,
        needles_removed=3,
        exercises="Cat-camel ×10",
        notes="Tolerated well.",
        lung_field_precautions_confirmed=True,
    )
    session = services.session_sign(actor=physio2, session=session)
    services.addendum_create(actor=physio, record=session, text="Patient called: soreness settled.")
    return session


def test_rich_signed_session_matches_the_serializer_byte_for_byte(rich_session):
    body = documented(rich_session)
    assert body == serialized(rich_session)
    # And the bytes say what was recorded (guards against both sides being wrong alike).
    (document,) = session_documents(rich_session.clinic, [rich_session.pk])
    assert [t["needle_diameter_mm"] for t in document["targeted_muscles"]] == [0.3, None, 0.25]
    assert [w["code"] for w in document["warnings"]] == [
        "lung_field", "lung_field_bilateral", "precaution_anticoagulants", "precaution_pregnancy",
    ]
    assert document["signed_by_name"] == "physio2" and document["practitioner_name"] == "physio2"
    assert document["addenda"][0]["author_name"] == "Pat Lee"
    assert [p["moment"] for p in document["pain_scores"]] == ["pre_session", "post_session", "follow_up"]
    assert b'"needle_diameter_mm":0.3,' in body and b'"signed_at":"' in body


def test_bare_draft_matches_the_serializer(physio, patient):
    session = services.session_record(actor=physio, patient=patient)
    assert documented(session) == serialized(session)
    (document,) = session_documents(session.clinic, [session.pk])
    assert document["signed_at"] is None and document["signed_by_name"] is None
    assert document["targeted_muscles"] == [] and document["warnings"] == []


def test_documents_keep_the_order_given_and_leave_out_other_clinics(physio, patient, other_physio, other_patient):
    first = record_session(physio, patient, started_at=timezone.now() - dt.timedelta(days=2))
    second = record_session(physio, patient, started_at=timezone.now() - dt.timedelta(days=1))
    foreign = record_session(other_physio, other_patient)
    ids = [second.pk, foreign.pk, uuid.uuid4(), first.pk]
    assert [d["id"] for d in session_documents(patient.clinic, ids)] == [str(second.pk), str(first.pk)]
    assert session_documents(patient.clinic, []) == []


def test_list_and_detail_bodies_are_the_documents(physio_client, physio, patient):
    sessions = [
        record_session(physio, patient, started_at=timezone.now() - dt.timedelta(hours=h), sign=h % 2 == 0)
        for h in (1, 2, 3)
    ]
    listed = physio_client.get("/api/v1/sessions/?page_size=2")
    expected = session_documents(patient.clinic, [sessions[0].pk, sessions[1].pk])
    assert listed.content.startswith(b'{"next":')
    assert listed.json()["results"] == [orjson.loads(render(d)) for d in expected]
    detail = physio_client.get(f"/api/v1/sessions/{sessions[2].pk}/")
    assert detail.content == render(session_documents(patient.clinic, [sessions[2].pk])[0])
    assert detail["ETag"] == f'"{sessions[2].version}"'


@pytest.mark.parametrize("pk", ["not-a-uuid", str(uuid.uuid4())])
def test_detail_of_unknown_or_malformed_id_is_a_404_in_the_api_shape(physio_client, pk):
    response = physio_client.get(f"/api/v1/sessions/{pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_api_datetime_writes_instants_as_rest_framework_does():
    assert api_datetime(dt.datetime(2026, 3, 1, 9, 30, 5)) == "2026-03-01T09:30:05Z"
    assert api_datetime(dt.datetime(2026, 3, 1, 9, 30, 5, 120, tzinfo=dt.UTC)) == "2026-03-01T09:30:05.000120Z"
    with override_settings(TIME_ZONE="Europe/Paris"):
        assert api_datetime(dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)) == "2026-03-01T10:30:00+01:00"
    assert api_datetime(None) is None
