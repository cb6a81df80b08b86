"""Assessment services: findings and ordered plan, validation paths, sign-off and addenda."""

import datetime as dt

import pytest

from records import services
from records.choices import AuditAction, RecordStatus
from records.exceptions import InvalidInput, NotPermitted, RecordLocked
from records.models import Addendum, Assessment, AuditEvent, PlanItem
from tests.factories import muscle

pytestmark = pytest.mark.django_db


def plan():
    return [
        {"muscle": muscle("multifidus-lumbar"), "side": "left", "rationale": "L5 root level"},
        {"muscle": "gluteus-medius", "side": "left"},
        {"muscle": str(muscle("piriformis").pk), "side": "left"},
    ]


def assess(actor, patient, when, **kwargs):
    kwargs.setdefault("chief_complaint", "Low back pain into the left leg")
    kwargs.setdefault("affected_segments", ["S1", "L5", "L5"])
    kwargs.setdefault("findings", [{"muscle": "gluteus-medius", "side": "left", "taut_band": True, "tenderness": 3}])
    kwargs.setdefault("plan", plan())
    return services.assessment_create(actor=actor, patient=patient, assessed_at=when, **kwargs)


def test_plan_order_comes_from_list_order(physio, patient, yesterday):
    assessment = assess(physio, patient, yesterday)
    rows = list(assessment.plan.order_by("order").values_list("order", "muscle__slug", "side"))
    assert rows == [(1, "multifidus-lumbar", "left"), (2, "gluteus-medius", "left"), (3, "piriformis", "left")]
    # Segments are de-duplicated and put in spinal order.
    assert assessment.affected_segments == ["L5", "S1"]
    assert assessment.status == RecordStatus.DRAFT and assessment.practitioner == physio
    finding = assessment.findings.get()
    assert (finding.muscle.slug, finding.taut_band, finding.tenderness) == ("gluteus-medius", True, 3)
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(assessment.pk))
    assert [item["order"] for item in event.after["plan"]] == [1, 2, 3]


def test_explicit_orders_are_kept(physio, patient, yesterday):
    items = plan()
    items[0]["order"], items[1]["order"], items[2]["order"] = 3, 1, 2
    assessment = assess(physio, patient, yesterday, plan=items)
    assert list(assessment.plan.order_by("order").values_list("muscle__slug", flat=True)) == [
        "gluteus-medius", "piriformis", "multifidus-lumbar",
    ]


def test_duplicate_plan_order_names_the_second_item(physio, patient, yesterday):
    items = plan()
    items[0]["order"], items[1]["order"] = 1, 1
    with pytest.raises(InvalidInput) as refused:
        assess(physio, patient, yesterday, plan=items)
    assert list(refused.value.errors) == ["plan[1].order"]
    assert "already used by plan[0]" in refused.value.errors["plan[1].order"][0]
    assert not Assessment.objects.exists() and not PlanItem.objects.exists() and not AuditEvent.objects.exists()


def test_bad_input_names_each_field(physio, patient):
    with pytest.raises(InvalidInput) as refused:
        services.assessment_create(
            actor=physio,
            patient=patient,
            assessed_at=dt.datetime(1950, 1, 1, tzinfo=dt.UTC),
            chief_complaint="",
            affected_segments=["L6"],
            findings=[{"muscle": "gluteus-medius", "side": "up", "tenderness": 4}],
            plan=[{"muscle": "no-such-muscle", "side": "left"}, {"muscle": "piriformis", "side": "left", "x": 1}],
        )
    errors = refused.value.errors
    assert set(errors) == {
        "assessed_at", "chief_complaint", "affected_segments[0]", "findings[0].side", "findings[0].tenderness",
        "plan[0].muscle", "plan[1].x",
    }
    assert errors["plan[0].muscle"] == ["Unknown muscle 'no-such-muscle'."]
    assert not Assessment.objects.exists()


def test_only_physiotherapists_of_the_clinic_assess(clinic_admin, reader, other_physio, patient, yesterday):
    for actor in (clinic_admin, reader, other_physio):
        with pytest.raises(NotPermitted):
            assess(actor, patient, yesterday)
    assert not Assessment.objects.exists()


def test_update_replaces_plan_and_audits(physio, patient, yesterday):
    assessment = assess(physio, patient, yesterday)
    services.assessment_update(
        actor=physio, assessment=assessment, expected_version=1,
        plan=[{"muscle": "piriformis", "side": "left"}, {"muscle": "gluteus-maximus", "side": "left"}],
        chief_complaint="Buttock pain",
    )
    assessment.refresh_from_db()
    assert assessment.version == 2 and assessment.chief_complaint == "Buttock pain"
    assert list(assessment.plan.order_by("order").values_list("order", "muscle__slug")) == [
        (1, "piriformis"), (2, "gluteus-maximus"),
    ]
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(assessment.pk))
    assert len(event.before["plan"]) == 3 and len(event.after["plan"]) == 2


def test_sign_locks_the_assessment(physio, physio2, patient, yesterday):
    assessment = assess(physio, patient, yesterday)
    with pytest.raises(NotPermitted):
        services.assessment_sign(actor=physio2, assessment=assessment)

    signed = services.assessment_sign(actor=physio, assessment=assessment)
    assert signed.status == RecordStatus.SIGNED and signed.signed_by == physio and signed.signed_at is not None
    assert len(signed.signature_digest) == 64
    event = AuditEvent.objects.get(action=AuditAction.SIGN, object_id=str(assessment.pk))
    assert event.changes["status"] == ["draft", "signed"]

    with pytest.raises(RecordLocked):
        services.assessment_sign(actor=physio, assessment=assessment)
    with pytest.raises(RecordLocked):
        services.assessment_update(actor=physio, assessment=assessment, chief_complaint="Changed")
    assessment.refresh_from_db()
    assert assessment.chief_complaint == "Low back pain into the left leg"


def test_addenda_only_on_signed_records(physio, physio2, clinic_admin, patient, yesterday):
    assessment = assess(physio, patient, yesterday)
    with pytest.raises(RecordLocked, match="signed records"):
        services.addendum_create(actor=physio, record=assessment, text="Too early")
    services.assessment_sign(actor=physio, assessment=assessment)

    # Any physiotherapist of the clinic may append to a signed record; the text is required.
    addendum = services.addendum_create(actor=physio2, record=assessment, text="  Also tender at L4.  ")
    assert (addendum.text, addendum.author, addendum.patient) == ("Also tender at L4.", physio2, patient)
    assert addendum.assessment == assessment and addendum.session is None
    event = AuditEvent.objects.get(action=AuditAction.ADDENDUM)
    assert event.object_id == str(addendum.pk) and event.patient == patient

    for blank in ("", "   "):
        with pytest.raises(InvalidInput) as refused:
            services.addendum_create(actor=physio, record=assessment, text=blank)
        assert refused.value.errors == {"text": ["This field may not be blank."]}
    with pytest.raises(NotPermitted):
        services.addendum_create(actor=clinic_admin, record=assessment, text="Admin note")
    assert Addendum.objects.count() == 1


def test_addendum_on_signed_session(physio, patient, yesterday):
    session = services.session_record(actor=physio, patient=patient, started_at=yesterday)
    with pytest.raises(RecordLocked):
        services.addendum_create(actor=physio, record=session, text="Early")
    services.session_sign(actor=physio, session=session)
    addendum = services.addendum_create(actor=physio, record=session, text="Needle count confirmed")
    assert addendum.session == session and addendum.assessment is None
