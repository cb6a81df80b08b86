"""Session services: atomic nested recording, numbering, sign refusals, drafts, audit."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from records import services
from records.choices import AuditAction, RecordStatus
from records.exceptions import ConsentRequired, InvalidInput, NotPermitted, RecordLocked, SharpsCountMismatch
from records.models import AdverseEvent, AuditEvent, PainScore, TargetedMuscle, TreatmentSession
from tests.factories import muscle


def three_muscles():
    return [
        {"muscle": muscle("multifidus-lumbar"), "side": "left", "segment": "L5",
         "twitch_response": "strong_contraction", "outcome": "released"},
        {"muscle": muscle("gluteus-medius"), "side": "left", "twitch_response": "local_twitch", "outcome": "partial"},
        {"muscle": muscle("piriformis"), "side": "left", "twitch_response": "none", "outcome": "not_released"},
    ]


def record(actor, patient, started_at, **kwargs):
    kwargs.setdefault("targeted_muscles", three_muscles())
    kwargs.setdefault("needles_used", 3)
    kwargs.setdefault("needles_removed", 3)
    return services.session_record(actor=actor, patient=patient, started_at=started_at, **kwargs)


def test_record_session_saves_nested_rows_in_list_order(physio, patient, yesterday):
    session = record(
        physio, patient, yesterday,
        pain_scores=[{"moment": "pre_session", "score": 7}, {"moment": "post_session", "score": 3}],
        adverse_events=[{"kind": "bruising", "severity": "mild"}],
    )
    session.refresh_from_db()
    assert session.number == 1
    assert session.status == RecordStatus.DRAFT
    rows = list(session.targeted_muscles.order_by("order").values_list("order", "muscle__slug", "twitch_response"))
    assert rows == [
        (1, "multifidus-lumbar", "strong_contraction"),
        (2, "gluteus-medius", "local_twitch"),
        (3, "piriformis", "none"),
    ]
    assert sorted(session.pain_scores.values_list("moment", "score")) == [("post_session", 3), ("pre_session", 7)]
    assert session.pain_scores.first().recorded_at == yesterday
    assert list(session.adverse_events.values_list("kind", flat=True)) == ["bruising"]
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(session.pk))
    assert event.actor == physio and event.patient == patient
    assert [t["order"] for t in event.after["targeted_muscles"]] == [1, 2, 3]


def test_sessions_are_numbered_per_patient(physio, patient, yesterday):
    first = record(physio, patient, yesterday - dt.timedelta(days=7))
    second = record(physio, patient, yesterday)
    assert (first.number, second.number) == (1, 2)


@pytest.mark.parametrize(
    ("bad", "path"),
    [
        ({"side": "up"}, "targeted_muscles[2].side"),
        ({"twitch_response": "wobble"}, "targeted_muscles[2].twitch_response"),
        ({"muscle": "no-such-muscle"}, "targeted_muscles[2].muscle"),
        ({"order": 1}, "targeted_muscles[2].order"),
        ({"outcome": None}, "targeted_muscles[2].outcome"),
        ({"colour": "red"}, "targeted_muscles[2].colour"),
    ],
)
def test_invalid_third_muscle_saves_nothing(physio, patient, yesterday, bad, path):
    items = three_muscles()
    items[2].update(bad)
    with pytest.raises(InvalidInput) as exc:
        record(physio, patient, yesterday, targeted_muscles=items, pain_scores=[{"moment": "pre_session", "score": 5}])
    assert path in exc.value.errors
    assert TreatmentSession.objects.count() == 0
    assert TargetedMuscle.objects.count() == 0
    assert PainScore.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="treatmentsession").exists()


@pytest.mark.parametrize("score", [11, -1, "seven", None])
def test_pain_out_of_range_is_refused(physio, patient, yesterday, score):
    with pytest.raises(InvalidInput) as exc:
        record(physio, patient, yesterday, pain_scores=[{"moment": "pre_session", "score": score}])
    assert "pain_scores[0].score" in exc.value.errors
    assert TreatmentSession.objects.count() == 0


def test_negative_needle_counts_are_refused(physio, patient, yesterday):
    with pytest.raises(InvalidInput) as exc:
        record(physio, patient, yesterday, needles_used=-1)
    assert "needles_used" in exc.value.errors


def test_session_before_birth_is_refused(physio, patient):
    before_birth = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(InvalidInput) as exc:
        record(physio, patient, before_birth)
    assert exc.value.errors["started_at"] == ["This is before the patient's date of birth."]


def test_session_far_in_future_is_refused(physio, patient, now):
    with pytest.raises(InvalidInput) as exc:
        record(physio, patient, now + dt.timedelta(days=30))
    assert "started_at" in exc.value.errors


def test_needling_without_consent_is_refused(physio, patient_without_consent, yesterday):
    with pytest.raises(ConsentRequired):
        record(physio, patient_without_consent, yesterday)
    assert TreatmentSession.objects.count() == 0


def test_patient_of_another_clinic_is_refused(physio, other_patient, yesterday):
    with pytest.raises(NotPermitted):
        record(physio, other_patient, yesterday)
    assert TreatmentSession.objects.count() == 0


def test_assessment_of_another_patient_is_refused(physio, patient, clinic, yesterday):
    from tests.factories import ConsentFactory, PatientFactory

    someone_else = PatientFactory(clinic=clinic)
    ConsentFactory(patient=someone_else, recorded_by=physio)
    assessment = services.assessment_create(
        actor=physio, patient=someone_else, assessed_at=yesterday, chief_complaint="Neck pain"
    )
    with pytest.raises(InvalidInput) as exc:
        record(physio, patient, yesterday, assessment=assessment)
    assert exc.value.errors["assessment"] == ["This assessment belongs to another patient."]


def test_api_reader_and_admin_cannot_record(reader, clinic_admin, patient, yesterday):
    for actor in (reader, clinic_admin):
        with pytest.raises(NotPermitted):
            record(actor, patient, yesterday)


def test_sign_refuses_sharps_mismatch(physio, patient, yesterday):
    session = record(physio, patient, yesterday, needles_used=4, needles_removed=3)
    with pytest.raises(SharpsCountMismatch) as exc:
        services.session_sign(actor=physio, session=session)
    assert "4 needles used but 3" in exc.value.message
    session.refresh_from_db()
    assert session.status == RecordStatus.DRAFT


def test_sign_refuses_when_consent_withdrawn(physio, patient, yesterday):
    session = record(physio, patient, yesterday)
    services.consent_withdraw(actor=physio, patient=patient)
    with pytest.raises(ConsentRequired):
        services.session_sign(actor=physio, session=session)


def test_sign_refuses_signed_session(physio, patient, yesterday):
    session = services.session_sign(actor=physio, session=record(physio, patient, yesterday))
    with pytest.raises(RecordLocked):
        services.session_sign(actor=physio, session=session)


def test_sign_refuses_another_physiotherapist(physio, physio2, patient, yesterday):
    session = record(physio, patient, yesterday)
    with pytest.raises(Exception, match="Only the practitioner"):
        services.session_sign(actor=physio2, session=session)


def test_sign_locks_and_stores_digest(physio, patient, yesterday):
    session = services.session_sign(actor=physio, session=record(physio, patient, yesterday))
    session.refresh_from_db()
    assert session.status == RecordStatus.SIGNED
    assert session.signed_by == physio and session.signed_at is not None
    assert len(session.signature_digest) == 64
    event = AuditEvent.objects.get(action=AuditAction.SIGN)
    assert event.before["status"] == "draft" and event.after["status"] == "signed"
    with pytest.raises(RecordLocked):
        services.session_update(actor=physio, session=session, notes="changed")
    with pytest.raises(RecordLocked):
        services.session_delete_draft(actor=physio, session=session)


def test_update_draft_replaces_nested_rows_and_audits_before_after(physio, patient, yesterday):
    session = record(physio, patient, yesterday)
    services.session_update(
        actor=physio, session=session, notes="Felt better",
        targeted_muscles=[{"muscle": muscle("quadratus-lumborum"), "side": "right",
                           "twitch_response": "needle_grasp", "outcome": "released"}],
    )
    session.refresh_from_db()
    assert session.version == 2 and session.notes == "Felt better"
    assert list(session.targeted_muscles.values_list("muscle__slug", "order")) == [("quadratus-lumborum", 1)]
    event = AuditEvent.objects.get(action=AuditAction.UPDATE)
    assert event.changes["notes"] == ["", "Felt better"]
    assert len(event.before["targeted_muscles"]) == 3 and len(event.after["targeted_muscles"]) == 1


def test_only_author_edits_draft(physio, physio2, patient, yesterday):
    session = record(physio, patient, yesterday)
    with pytest.raises(NotPermitted):
        services.session_update(actor=physio2, session=session, notes="x")


def test_stale_version_is_refused(physio, patient, yesterday):
    from records.exceptions import StaleVersion

    session = record(physio, patient, yesterday)
    services.session_update(actor=physio, session=session, notes="first", expected_version=1)
    with pytest.raises(StaleVersion):
        services.session_update(actor=physio, session=session, notes="second", expected_version=1)
    session.refresh_from_db()
    assert session.notes == "first"


def test_delete_draft_is_audited(physio, patient, yesterday):
    session = record(physio, patient, yesterday, adverse_events=[{"kind": "bruising"}])
    pk = session.pk
    services.session_delete_draft(actor=physio, session=session)
    assert not TreatmentSession.objects.filter(pk=pk).exists()
    assert not AdverseEvent.objects.exists()
    event = AuditEvent.objects.get(action=AuditAction.DELETE)
    assert event.object_id == str(pk) and len(event.before["targeted_muscles"]) == 3


def test_database_refuses_pain_eleven_even_by_raw_update(physio, patient, yesterday):
    record(physio, patient, yesterday, pain_scores=[{"moment": "pre_session", "score": 5}])
    with pytest.raises(IntegrityError), transaction.atomic():
        PainScore.objects.update(score=11)


def test_database_refuses_duplicate_order(physio, patient, yesterday):
    session = record(physio, patient, yesterday)
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetedMuscle.objects.filter(session=session, order=3).update(order=1)


def test_database_refuses_unknown_side(physio, patient, yesterday):
    record(physio, patient, yesterday)
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetedMuscle.objects.update(side="up")


def test_database_refuses_signing_with_sharps_mismatch(physio, patient, yesterday):
    session = record(physio, patient, yesterday, needles_used=3, needles_removed=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentSession.objects.filter(pk=session.pk).update(status="signed", signed_by=physio, signed_at=yesterday)


def test_signed_digest_verifies_until_altered(physio, patient, yesterday):
    from records.immutability import triggers_suspended
    from records.integrity import verify_session

    session = services.session_sign(actor=physio, session=record(physio, patient, yesterday))
    assert verify_session(session) == "intact"
    with triggers_suspended():  # the database refuses this change otherwise (migration 0003)
        TargetedMuscle.objects.filter(session=session, order=1).update(outcome="partial")
    assert verify_session(session) == "altered"


def test_needles_without_itemised_muscles_still_need_consent(physio, patient_without_consent, yesterday):
    with pytest.raises(ConsentRequired):
        record(physio, patient_without_consent, yesterday, targeted_muscles=[], needles_used=2, needles_removed=2)
    assert TreatmentSession.objects.count() == 0


def test_a_session_without_needling_needs_no_consent(physio, patient_without_consent, yesterday):
    session = record(physio, patient_without_consent, yesterday, targeted_muscles=[], needles_used=0,
                     needles_removed=0, notes="Assessment of movement only; exercises given.")
    assert session.number == 1
