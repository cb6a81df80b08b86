"""Immutability in depth: the database refuses to change signed records, addenda and the
audit trail, even for raw SQL that bypasses the services; drafts stay editable."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from records import services
from records.immutability import immutability_triggers, triggers_suspended
from records.models import (
    Addendum,
    AdverseEvent,
    Assessment,
    AssessmentFinding,
    AuditEvent,
    PainScore,
    PlanItem,
    TargetedMuscle,
    TreatmentSession,
)
from tests.factories import muscle


def db_id(model, pk):
    """The primary key as the database stores it (hex text on SQLite, uuid on PostgreSQL)."""
    return model._meta.pk.get_db_prep_value(pk, connection)


def raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def refused(callable_, *args):
    """True when the database refuses the statement (inside a savepoint, so the test goes on)."""
    try:
        with transaction.atomic():
            callable_(*args)
    except IntegrityError as exc:
        assert "signed" in str(exc) or "append-only" in str(exc)
        return True
    return False


def test_raw_sql_update_of_a_signed_sessions_notes_fails(signed_session):
    assert refused(
        raw, "UPDATE records_treatmentsession SET notes = %s WHERE id = %s",
        ["rewritten", db_id(TreatmentSession, signed_session.pk)],
    )
    signed_session.refresh_from_db()
    assert signed_session.notes == "Lumbar paraspinals released."


def test_signed_session_cannot_be_deleted_or_unsigned(signed_session):
    pk = db_id(TreatmentSession, signed_session.pk)
    assert refused(raw, "DELETE FROM records_treatmentsession WHERE id = %s", [pk])
    assert refused(raw, "UPDATE records_treatmentsession SET status = 'draft' WHERE id = %s", [pk])
    assert refused(lambda: TreatmentSession.objects.filter(pk=signed_session.pk).update(needles_used=9))
    assert TreatmentSession.objects.filter(pk=signed_session.pk, status="signed", needles_used=2).exists()


def test_signed_assessment_cannot_be_changed_or_deleted(signed_assessment):
    assert refused(lambda: Assessment.objects.filter(pk=signed_assessment.pk).update(history="edited"))
    assert refused(lambda: Assessment.objects.filter(pk=signed_assessment.pk).update(status="draft"))
    assert refused(
        raw, "DELETE FROM records_assessment WHERE id = %s", [db_id(Assessment, signed_assessment.pk)]
    )


@pytest.mark.parametrize("model", [TargetedMuscle, PainScore, AdverseEvent])
def test_nested_rows_of_a_signed_session_are_refused(signed_session, model):
    rows = model.objects.filter(session=signed_session)
    assert rows.exists()
    assert refused(lambda: rows.update(created_at=timezone.now()))
    assert refused(lambda: rows.delete())
    assert rows.count() == model.objects.filter(session=signed_session).count()


def test_a_row_cannot_be_added_to_a_signed_session(signed_session):
    assert refused(lambda: TargetedMuscle.objects.create(
        clinic=signed_session.clinic, session=signed_session, order=9, muscle=muscle("piriformis"),
        side="left", twitch_response="none", outcome="not_released",
    ))
    assert refused(lambda: AdverseEvent.objects.create(
        clinic=signed_session.clinic, session=signed_session, kind="syncope", severity="serious",
    ))
    assert signed_session.targeted_muscles.count() == 2


def test_a_row_cannot_be_moved_into_a_signed_session(signed_session, draft_session):
    draft_row = draft_session.adverse_events.get()
    assert refused(lambda: AdverseEvent.objects.filter(pk=draft_row.pk).update(session=signed_session))


@pytest.mark.parametrize("model", [AssessmentFinding, PlanItem])
def test_nested_rows_of_a_signed_assessment_are_refused(signed_assessment, model):
    rows = model.objects.filter(assessment=signed_assessment)
    assert rows.exists()
    assert refused(lambda: rows.update(created_at=timezone.now()))
    assert refused(lambda: rows.delete())


def test_audit_events_are_append_only(signed_session):
    event = AuditEvent.objects.filter(object_id=str(signed_session.pk)).first()
    assert event is not None
    assert refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(action="view"))
    assert refused(lambda: AuditEvent.objects.filter(pk=event.pk).delete())
    assert refused(raw, "DELETE FROM records_auditevent", [])
    assert AuditEvent.objects.filter(pk=event.pk, action=event.action).exists()


def test_addenda_are_append_only(physio, signed_session):
    addendum = services.addendum_create(actor=physio, record=signed_session, text="Bruise noted next day.")
    assert refused(lambda: Addendum.objects.filter(pk=addendum.pk).update(text="nothing happened"))
    assert refused(lambda: Addendum.objects.filter(pk=addendum.pk).delete())
    assert Addendum.objects.get(pk=addendum.pk).text == "Bruise noted next day."


def test_drafts_stay_editable_and_deletable(physio, draft_session, draft_assessment):
    pk = db_id(TreatmentSession, draft_session.pk)
    assert raw("UPDATE records_treatmentsession SET notes = %s WHERE id = %s", ["edited draft", pk]) == 1
    session = services.session_update(
        actor=physio, session=draft_session, adverse_events=[{"kind": "headache", "severity": "mild"}],
    )
    assert list(session.adverse_events.values_list("kind", flat=True)) == ["headache"]
    draft_assessment = services.assessment_update(actor=physio, assessment=draft_assessment, history="Edited")
    assert Assessment.objects.get(pk=draft_assessment.pk).history == "Edited"
    services.session_delete_draft(actor=physio, session=session)
    assert not TreatmentSession.objects.filter(pk=session.pk).exists()
    assert not TargetedMuscle.objects.filter(session_id=session.pk).exists()


def test_signing_and_addenda_still_work_with_the_triggers(physio, draft_session):
    signed = services.session_sign(actor=physio, session=draft_session)
    services.addendum_create(actor=physio, record=signed, text="Reviewed.")
    assert TreatmentSession.objects.get(pk=signed.pk).status == "signed"


def test_every_trigger_is_installed(db):
    names = {name for name, _table in immutability_triggers()}
    tables = {table for _name, table in immutability_triggers()}
    assert tables == {
        "records_treatmentsession", "records_assessment", "records_targetedmuscle", "records_painscore",
        "records_adverseevent", "records_assessmentfinding", "records_planitem", "records_addendum",
        "records_auditevent", "records_attachment", "records_segmentalsign",
    }
    # Attachments add 1 trigger on PostgreSQL (2 on SQLite), segmental signs 1 (3 on SQLite).
    assert len(names) == (12 if connection.vendor == "postgresql" else 30)


def test_triggers_suspended_restores_them(db):
    before = immutability_triggers()
    with triggers_suspended():
        pass
    assert immutability_triggers() == before


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_a_database_with_an_audit_trail(clinic, physio, patient):
    services.audit_view(actor=physio, patient=patient, what="chart")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    assert len(immutability_triggers()) > 0


def test_a_rating_may_follow_a_signed_assessment_but_stays_fixed(physio, patient, signed_assessment):
    pain = services.pain_score_record(
        actor=physio, patient=patient, moment="follow_up", score=4, assessment=signed_assessment,
    )
    assert refused(lambda: PainScore.objects.filter(pk=pain.pk).update(score=1))
    assert refused(lambda: PainScore.objects.filter(pk=pain.pk).delete())


def test_segmental_signs_of_a_signed_assessment_are_fixed(physio, patient):
    import datetime as dt

    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from records.models import SegmentalSign

    assessment = services.assessment_create(
        actor=physio, patient=patient, chief_complaint="Neck", assessed_at=timezone.now() - dt.timedelta(days=1),
        segmental_signs=[{"segment": "C6", "sign": "trophoedema"}],
    )
    services.assessment_sign(actor=physio, assessment=assessment)
    for change in (
        lambda: SegmentalSign.objects.filter(assessment=assessment).update(sign="pilomotor"),
        lambda: SegmentalSign.objects.filter(assessment=assessment).delete(),
        lambda: SegmentalSign.objects.create(clinic=assessment.clinic, assessment=assessment, segment="C7",
                                             sign="vasomotor"),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()
    assert list(SegmentalSign.objects.filter(assessment=assessment).values_list("segment", "sign")) == [
        ("C6", "trophoedema")
    ]
