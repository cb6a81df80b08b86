"""Backup and restore: export one clinic, empty the database of it, import it again, and get
the identical record, audit trail and digests that still verify."""

import json
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from api.models import ApiToken
from api.tokens import token_issue
from records import services
from records.backup import export_clinic
from records.choices import AuditAction
from records.immutability import triggers_suspended
from records.integrity import verify_assessment, verify_session
from records.models import (
    Addendum,
    AdverseEvent,
    Assessment,
    AssessmentFinding,
    AuditEvent,
    Clinic,
    Consent,
    Membership,
    PainScore,
    Patient,
    PlanItem,
    Precaution,
    TargetedMuscle,
    TreatmentSession,
)
from tests.factories import PrecautionFactory
from tests.security.conftest import record_assessment, record_session

CLINIC_MODELS = [
    Membership, Patient, Precaution, Consent, Assessment, AssessmentFinding, PlanItem,
    TreatmentSession, TargetedMuscle, PainScore, AdverseEvent, Addendum,
]


def state(clinic):
    """Every row of the clinic as stored, model by model."""
    rows = {
        model.__name__: list(model.objects.filter(clinic=clinic).order_by("pk").values()) for model in CLINIC_MODELS
    }
    rows["Clinic"] = list(Clinic.objects.filter(pk=clinic.pk).values())
    rows["User"] = list(
        get_user_model().objects.filter(membership__clinic=clinic).order_by("pk").values()
    )
    rows["AuditEvent"] = list(AuditEvent.objects.filter(clinic=clinic).order_by("pk").values())
    return rows


def forget(clinic):
    """Remove the clinic and everything of it, as if restoring into a database without it."""
    users = list(get_user_model().objects.filter(membership__clinic=clinic))
    with triggers_suspended():
        AuditEvent.objects.filter(clinic=clinic).delete()
        for model in reversed(CLINIC_MODELS):
            model.objects.filter(clinic=clinic).delete()
        ApiToken.objects.filter(user__in=users).delete()
        get_user_model().objects.filter(pk__in=[u.pk for u in users]).delete()
        Clinic.objects.filter(pk=clinic.pk).delete()


@pytest.fixture
def full_clinic(clinic, physio, physio2, clinic_admin, reader, patient, yesterday, now, other_patient):
    PrecautionFactory(patient=patient, code="anticoagulants", note="Warfarin")
    assessment = record_assessment(physio, patient, yesterday, sign=True)
    services.pain_score_record(actor=physio, patient=patient, moment="baseline", score=8, assessment=assessment,
                               recorded_at=yesterday)
    signed = record_session(physio, patient, yesterday, sign=True)
    services.addendum_create(actor=physio, record=signed, text="Bruise resolved in two days.")
    services.addendum_create(actor=physio, record=assessment, text="History: prior L5 radiculopathy.")
    draft = record_session(physio, patient, now, sign=False)
    services.session_update(actor=physio, session=draft, notes="Still being written.")
    services.audit_view(actor=clinic_admin, patient=patient, what="chart")
    token_issue(actor=reader, user=reader)
    return {"assessment": assessment, "signed": signed, "draft": draft}


def test_round_trip_restores_identical_records_audit_trail_and_digests(clinic, full_clinic, tmp_path, other_patient):
    before = state(clinic)
    assert before["AuditEvent"] and before["Addendum"] and before["PainScore"]
    path = tmp_path / "harbour.json"
    call_command("export_clinic", "harbour", "--out", str(path), verbosity=0)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = json.loads(path.read_text())
    assert str(other_patient.pk) not in path.read_text()  # one clinic only
    assert document["counts"]["sessions"] == 2 and document["counts"]["audit_events"] == len(before["AuditEvent"])
    export_event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert export_event.clinic == clinic

    forget(clinic)
    assert not Clinic.objects.filter(slug="harbour").exists()
    assert not TreatmentSession.objects.filter(pk=full_clinic["signed"].pk).exists()

    call_command("import_clinic", str(path), verbosity=0)

    restored = Clinic.objects.get(slug="harbour")
    after = state(restored)
    import_event = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert import_event.after["verification"]["sessions"] == {"intact": 1, "altered": []}
    after["AuditEvent"] = [e for e in after["AuditEvent"] if e["id"] != import_event.pk]
    for name in before:
        assert after[name] == before[name], name
    for session in TreatmentSession.objects.filter(clinic=restored, status="signed"):
        assert verify_session(session) == "intact"
    assert verify_assessment(full_clinic["assessment"]) == "intact"
    assert TreatmentSession.objects.get(pk=full_clinic["signed"].pk).signature_digest == (
        full_clinic["signed"].signature_digest
    )
    # Ids are kept, so a restored staff account logs in and its records are its own again.
    physio = get_user_model().objects.get(username="physio")
    assert physio.check_password("correct horse battery staple")
    assert TreatmentSession.objects.get(pk=full_clinic["draft"].pk).practitioner == physio


def test_import_refuses_a_clinic_that_exists(clinic, full_clinic, tmp_path):
    path = tmp_path / "harbour.json"
    call_command("export_clinic", "harbour", "--out", str(path), verbosity=0)
    with pytest.raises(CommandError, match="already exists"):
        call_command("import_clinic", str(path), verbosity=0)


def test_import_refuses_a_damaged_file(clinic, full_clinic, tmp_path):
    path = tmp_path / "harbour.json"
    call_command("export_clinic", "harbour", "--out", str(path), verbosity=0)
    document = json.loads(path.read_text())
    document["data"]["sessions"][0]["notes"] = "tampered in the file"
    path.write_text(json.dumps(document))
    forget(clinic)
    with pytest.raises(CommandError, match="damaged"):
        call_command("import_clinic", str(path), verbosity=0)
    assert not Clinic.objects.filter(slug="harbour").exists()


def test_export_of_an_unknown_clinic_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="No clinic"):
        call_command("export_clinic", "nowhere", "--out", str(tmp_path / "x.json"), verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_export_reads_one_snapshot_outside_any_transaction(clinic, physio, patient):
    """Outside a transaction (as the command runs), PostgreSQL gets REPEATABLE READ first."""
    assert not connection.in_atomic_block
    document = export_clinic("harbour")
    assert document["counts"]["patients"] == 1
    assert [row["given_name"] for row in document["data"]["patients"]] == ["Morgan"]
