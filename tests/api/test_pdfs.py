"""The PDFs, read back as text: what a referrer or insurer would see (DESIGN §13)."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from records import services
from records.models import AuditEvent, TreatmentSession
from tests.api.conftest import record_assessment
from tests.factories import muscle


@pytest.fixture(autouse=True)
def _clinic_address(clinic):
    clinic.address = "12 Quay Street\nHarbourtown 4010"
    clinic.save(update_fields=["address"])


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def signed_session(physio, patient, *, when=None, slugs=("multifidus-lumbar", "gluteus-medius", "piriformis"),
                   pain=(7, 3), sign=True, assessment=None, **extra):
    targeted = []
    twitches = ["strong_contraction", "local_twitch", "needle_grasp", "none"]
    for index, slug in enumerate(slugs):
        item = {"muscle": muscle(slug), "side": "left" if index % 2 == 0 else "right",
                "twitch_response": twitches[index % 4], "outcome": "released" if index % 3 != 2 else "partial"}
        if slug == "multifidus-lumbar":
            item["segment"] = "L5"
        targeted.append(item)
    pain_scores = []
    if pain:
        pain_scores = [{"moment": "pre_session", "score": pain[0]}, {"moment": "post_session", "score": pain[1]}]
    session = services.session_record(
        actor=physio, patient=patient, started_at=when or timezone.now() - dt.timedelta(days=1),
        targeted_muscles=targeted, pain_scores=pain_scores, needles_used=len(slugs), needles_removed=len(slugs),
        adverse_events=[{"kind": "bruising", "severity": "mild", "notes": "left buttock"}],
        assessment=assessment, **extra,
    )
    if sign:
        session = services.session_sign(actor=physio, session=session)
    return session


def test_procedure_note_carries_the_signed_record(physio_client, physio, patient, clinic):
    session = signed_session(physio, patient)
    services.addendum_create(actor=physio, record=session, text="Bruise settled by the next day.")
    response = physio_client.get(f"/api/v1/sessions/{session.pk}/document.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="procedure-note-{session.pk}.pdf"'
    assert response["Cache-Control"] == "no-store"
    text = pdf_text(response.content)
    assert "Harbour Physio" in text and "12 Quay Street" in text and "Harbourtown 4010" in text
    assert "Quinlan, Morgan" in text and patient.chart_number in text
    assert "Pat Lee" in text  # the practitioner
    assert "Needling authorisation" in text
    # The muscles in release order, each with side, twitch response and outcome.
    lines = [line for line in text.splitlines() if line.strip()]
    order = [next(i for i, line in enumerate(lines) if name in line)
             for name in ("Lumbar multifidus", "Gluteus medius", "Piriformis")]
    assert order == sorted(order)
    assert "Strong" in text and "Needle grasp" in text and "Partial" in text and "L5" in text
    assert "Before: 7; after: 3" in text
    assert "Bruising" in text and "left buttock" in text
    assert "Needles used: 3; removed and disposed: 3 (count balanced)" in text
    assert "Bruise settled by the next day." in text
    digest = TreatmentSession.objects.get(pk=session.pk).signature_digest
    assert len(digest) == 64 and digest in text
    assert f"http://testserver/api/v1/sessions/{session.pk}/verify/" in text.replace("\n", "")


def test_procedure_note_keeps_the_order_the_muscles_were_released_in(physio_client, physio, patient):
    session = signed_session(physio, patient, slugs=("piriformis", "gluteus-medius", "multifidus-lumbar"))
    text = pdf_text(physio_client.get(f"/api/v1/sessions/{session.pk}/document.pdf").content)
    positions = [text.index(name) for name in ("Piriformis", "Gluteus medius", "Lumbar multifidus")]
    assert positions == sorted(positions)


def test_issuing_a_note_is_audited_as_an_export_of_the_patient(physio_client, physio, patient):
    session = signed_session(physio, patient)
    physio_client.get(f"/api/v1/sessions/{session.pk}/document.pdf")
    event = AuditEvent.objects.get(action="export")
    assert (event.object_type, event.object_id, event.patient_id, event.actor_id) == (
        "procedure_note", str(session.pk), patient.pk, physio.pk
    )


def test_a_draft_has_no_note(physio_client, physio, patient):
    draft = signed_session(physio, patient, sign=False)
    response = physio_client.get(f"/api/v1/sessions/{draft.pk}/document.pdf", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_signed"
    assert not AuditEvent.objects.filter(action="export").exists()


def test_another_clinics_documents_are_404(other_client, physio, patient):
    session = signed_session(physio, patient)
    assert other_client.get(f"/api/v1/sessions/{session.pk}/document.pdf").status_code == 404
    assert other_client.get(f"/api/v1/patients/{patient.pk}/summary.pdf").status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.parametrize("role_client", ["physio_client", "admin_client", "reader_client"])
def test_every_role_may_issue_the_documents(request, physio, patient, role_client):
    session = signed_session(physio, patient)
    client = request.getfixturevalue(role_client)
    assert client.get(f"/api/v1/sessions/{session.pk}/document.pdf").status_code == 200
    assert client.get(f"/api/v1/patients/{patient.pk}/summary.pdf").status_code == 200


def test_anonymous_is_401(api_client, physio, patient):
    session = signed_session(physio, patient)
    assert api_client.get(f"/api/v1/sessions/{session.pk}/document.pdf").status_code == 401
    assert api_client.get(f"/api/v1/patients/{patient.pk}/summary.pdf").status_code == 401


def test_summary_carries_the_course(physio_client, physio, patient, now):
    assessment = record_assessment(physio, patient, sign=True)
    for days, pain in ((9, (8, 5)), (6, (6, 4)), (3, (4, 1))):
        signed_session(physio, patient, when=now - dt.timedelta(days=days), pain=pain, assessment=assessment)
    signed_session(physio, patient, when=now - dt.timedelta(hours=3), sign=False)
    response = physio_client.get(f"/api/v1/patients/{patient.pk}/summary.pdf")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="course-summary-{patient.pk}.pdf"'
    assert response["Cache-Control"] == "no-store"
    text = pdf_text(response.content)
    assert "Course summary" in text and "Quinlan, Morgan" in text and "Harbour Physio" in text
    assert "Low back pain radiating to the left buttock" in text
    assert "Signed sessions" in text and "3, from" in text
    assert "NPRS before session" in text and "NPRS after session" in text
    assert "1. Lumbar multifidus (left, L5, strong, released); 2. Gluteus medius (right, LTR, released); " \
           "3. Piriformis (left, grasp," in text.replace("\n", " ")
    assert "strong > strong > strong" in text
    assert "1 unsigned draft session(s) are not included." in text
    event = AuditEvent.objects.get(action="export")
    assert (event.object_type, event.patient_id) == ("course_summary", patient.pk)
    assert len(event.after["sessions"]) == 3


def test_summary_of_one_course(physio_client, physio, patient, now):
    first = record_assessment(physio, patient, sign=True)
    signed_session(physio, patient, when=now - dt.timedelta(days=5), assessment=first, slugs=("piriformis",))
    second = record_assessment(physio, patient, sign=True)
    signed_session(physio, patient, when=now - dt.timedelta(days=2), assessment=second, slugs=("gluteus-medius",))
    response = physio_client.get(f"/api/v1/patients/{patient.pk}/summary.pdf?assessment={second.pk}")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'-{second.pk}.pdf"')
    text = pdf_text(response.content)
    assert "1. Gluteus medius (left, strong, released)" in text
    assert "1. Piriformis (left, strong" not in text  # the first course's session is left out
    assert "Signed sessions" in text and "1, from" in text


def test_summary_refusals(physio_client, physio, patient, other_patient, other_physio):
    response = physio_client.get(f"/api/v1/patients/{patient.pk}/summary.pdf")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_signed"
    draft = record_assessment(physio, patient)
    response = physio_client.get(f"/api/v1/patients/{patient.pk}/summary.pdf?assessment={draft.pk}")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_signed"
    for bad in ("not-a-uuid", str(record_assessment(other_physio, other_patient, sign=True).pk)):
        response = physio_client.get(f"/api/v1/patients/{patient.pk}/summary.pdf?assessment={bad}")
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["assessment"]
    assert not AuditEvent.objects.filter(action="export").exists()


def test_forty_session_summary_stays_on_a_fixed_number_of_queries(physio, patient, now, clinic,
                                                                   django_assert_max_num_queries):
    from pdfs.issue import course_summary

    for index in range(40):
        signed_session(physio, patient, when=now - dt.timedelta(days=80 - 2 * index), pain=(8 - index % 6, 3))
    with django_assert_max_num_queries(12):
        document = course_summary(actor=physio, clinic=clinic, patient_id=patient.pk, base_url="http://testserver")
    text = pdf_text(document.content)
    assert "40, from" in text and "#40" in text


def test_summary_carries_the_outcome_trends_beside_pain(physio_client, physio, patient, now):
    """PSFS answered at two visits: the summary draws its trend as a chart of its own."""
    signed_session(physio, patient, when=now - dt.timedelta(days=9), pain=(8, 5))
    for days, values in ((9, (2, 3, 4)), (2, (6, 7, 8))):
        services.outcome_response_record(
            actor=physio, patient=patient, instrument="psfs",
            answers=[{"item": f"activity_{i}", "value": v, "text": "Walking"} for i, v in enumerate(values, 1)],
            recorded_at=now - dt.timedelta(days=days),
        )
    response = physio_client.get(f"/api/v1/patients/{patient.pk}/summary.pdf")
    assert response.status_code == 200
    text = pdf_text(response.content).replace("\n", " ")
    assert "NPRS before session" in text
    assert "Patient-Specific Functional Scale (higher is better)" in text
