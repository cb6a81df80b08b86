"""records.representations.assessments: findings, plan and addenda of a course of care."""

import datetime as dt

from django.utils import timezone

from records import services
from records.models import Assessment
from records.representations import ASSESSMENT_COLUMNS, assessment_representation, assessment_representations
from tests.factories import muscle


def _assessment(physio, patient, **extra):
    extra.setdefault("plan", [
        {"muscle": muscle("multifidus-lumbar"), "side": "left", "rationale": "Root level first"},
        {"muscle": muscle("gluteus-medius"), "side": "left"},
    ])
    return services.assessment_create(
        actor=physio, patient=patient, assessed_at=timezone.now() - dt.timedelta(days=3),
        chief_complaint="Low back pain", history="Six months", affected_segments=["L4", "L5"],
        findings=[
            {"muscle": muscle("piriformis"), "side": "left", "taut_band": False, "tenderness": 1},
            {"muscle": muscle("gluteus-medius"), "side": "left", "taut_band": True, "tenderness": 3, "notes": "Tight"},
        ],
        **extra,
    )


def test_an_assessment_says_what_was_found_and_planned(physio, physio2, patient):
    assessment = services.assessment_sign(actor=physio, assessment=_assessment(physio, patient))
    services.addendum_create(actor=physio2, record=assessment, text="Imaging received")
    document = assessment_representation(patient.clinic, assessment.pk)

    assert (document["id"], document["patient"], document["practitioner"]) == (assessment.pk, patient.pk, physio.pk)
    assert (document["practitioner_name"], document["chief_complaint"], document["history"]) == (
        "Pat Lee", "Low back pain", "Six months"
    )
    assert document["affected_segments"] == ["L4", "L5"]
    # Findings by muscle name, the plan in release order.
    assert [(f["muscle_name"], f["taut_band"], f["tenderness"], f["notes"]) for f in document["findings"]] == [
        ("Gluteus medius", True, 3, "Tight"), ("Piriformis", False, 1, ""),
    ]
    assert [(p["order"], p["muscle"], p["rationale"]) for p in document["plan"]] == [
        (1, muscle("multifidus-lumbar").pk, "Root level first"), (2, muscle("gluteus-medius").pk, ""),
    ]
    assert (document["status"], document["signed_by"], document["signed_by_name"]) == ("signed", physio.pk, "Pat Lee")
    assert [(a["text"], a["assessment"], a["session"]) for a in document["addenda"]] == [
        ("Imaging received", assessment.pk, None)
    ]
    assert document["version"] == assessment.version


def test_rows_of_a_page_keep_their_order_in_five_queries(physio, patient, other_physio, other_patient,
                                                         django_assert_num_queries):
    first, second = _assessment(physio, patient), _assessment(physio, patient, plan=[])
    foreign = _assessment(other_physio, other_patient)
    with django_assert_num_queries(5):  # findings, plans, addenda, segmental signs + the page
        rows = Assessment.objects.filter(clinic=patient.clinic).order_by("created_at").values(*ASSESSMENT_COLUMNS)
        documents = assessment_representations(rows)
    assert [(d["id"], len(d["plan"]), d["signed_by_name"]) for d in documents] == [
        (first.pk, 2, None), (second.pk, 0, None)
    ]
    assert assessment_representation(patient.clinic, foreign.pk) is None
    assert assessment_representations([]) == []
