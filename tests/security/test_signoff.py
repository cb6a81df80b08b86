"""Verifiable sign-off: a change made behind the application's back (with the immutability
triggers switched off, as an attacker with database access could) is seen as ``altered``."""

import pytest
from django.db import IntegrityError, connection, transaction

from records.immutability import triggers_suspended
from records.integrity import verify_assessment, verify_session
from records.models import AssessmentFinding, PainScore, TargetedMuscle, TreatmentSession


def test_untouched_signed_records_verify_intact(signed_session, signed_assessment):
    assert len(signed_session.signature_digest) == 64
    assert verify_session(signed_session) == "intact"
    assert verify_assessment(signed_assessment) == "intact"


def test_raw_sql_change_of_the_notes_is_detected(signed_session):
    with triggers_suspended(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE records_treatmentsession SET notes = %s WHERE id = %s",
            ["No adverse events.", TreatmentSession._meta.pk.get_db_prep_value(signed_session.pk, connection)],
        )
    assert TreatmentSession.objects.get(pk=signed_session.pk).notes == "No adverse events."
    assert verify_session(signed_session) == "altered"


@pytest.mark.parametrize(
    ("model", "change"),
    [
        (TargetedMuscle, {"twitch_response": "none"}),
        (PainScore, {"score": 0}),
    ],
)
def test_change_of_a_nested_row_is_detected(signed_session, model, change):
    with triggers_suspended():
        row = model.objects.filter(session=signed_session).order_by("pk").first()
        model.objects.filter(pk=row.pk).update(**change)
    assert verify_session(signed_session) == "altered"


def test_deleted_adverse_event_is_detected(signed_session):
    with triggers_suspended():
        signed_session.adverse_events.all().delete()
    assert verify_session(signed_session) == "altered"


def test_change_of_an_assessment_finding_is_detected(signed_assessment):
    with triggers_suspended():
        AssessmentFinding.objects.filter(assessment=signed_assessment).update(tenderness=0)
    assert verify_assessment(signed_assessment) == "altered"


def test_triggers_are_back_after_the_tampering(signed_session):
    with triggers_suspended():
        pass
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentSession.objects.filter(pk=signed_session.pk).update(notes="again")


def test_the_verify_endpoint_reports_the_tampering(physio, signed_session, signed_assessment):
    from django.core.cache import cache
    from rest_framework.test import APIClient

    cache.clear()
    client = APIClient()
    client.force_authenticate(physio)
    url = f"/api/v1/sessions/{signed_session.pk}/verify/"
    assert client.get(url).json()["status"] == "intact"
    with triggers_suspended():
        TargetedMuscle.objects.filter(session=signed_session, order=1).update(outcome="not_released")
    assert client.get(url).json()["status"] == "altered"
    assert client.get(f"/api/v1/assessments/{signed_assessment.pk}/verify/").json()["status"] == "intact"
