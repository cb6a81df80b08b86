"""The assessment page: findings, affected segments with their myotome muscles, an ordered plan."""

from django.urls import reverse

from records.choices import RecordStatus
from records.models import Assessment, PainScore
from tests.web.conftest import formset


def post_data(plan, findings=(), **fields):
    data = {"assessed_at": "2026-01-05T10:00", "chief_complaint": "Left buttock pain", "history": "Six months",
            "affected_segments": ["L5", "S1"], "baseline_pain": "6", "action": "draft"}
    data.update(formset("pl", plan))
    data.update(formset("fd", list(findings)))
    data.update(fields)
    return data


def test_create_with_ordered_plan_findings_and_baseline(client, physio, patient):
    client.force_login(physio)
    data = post_data(
        [{"muscle": "Piriformis", "side": "left", "rationale": "S1"},
         {"muscle": "Lumbar multifidus", "side": "left", "rationale": "L5 root"}],
        [{"muscle": "Gluteus medius", "side": "left", "taut_band": "on", "tenderness": "3"}],
    )
    response = client.post(reverse("web:assessment_new", args=[patient.pk]), data)
    assessment = Assessment.objects.get(patient=patient)
    assert response.status_code == 302
    assert assessment.affected_segments == ["L5", "S1"] and assessment.status == RecordStatus.DRAFT
    assert list(assessment.plan.order_by("order").values_list("order", "muscle__slug", "rationale")) == [
        (1, "piriformis", "S1"), (2, "multifidus-lumbar", "L5 root")]
    assert list(assessment.findings.values_list("muscle__slug", "taut_band", "tenderness")) == [
        ("gluteus-medius", True, 3)]
    assert PainScore.objects.get(assessment=assessment).score == 6
    # Edit and sign: the reordered plan replaces the old one.
    edit = reverse("web:assessment_edit", args=[assessment.pk])
    page = client.get(edit).content.decode()
    assert page.index('value="Piriformis"') < page.index('value="Lumbar multifidus"')
    data = post_data([{"muscle": "Lumbar multifidus", "side": "left"}, {"muscle": "Piriformis", "side": "left"}],
                     version="1", action="sign")
    assert client.post(edit, data).status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == RecordStatus.SIGNED
    assert list(assessment.plan.order_by("order").values_list("muscle__slug", flat=True)) == [
        "multifidus-lumbar", "piriformis"]
    assert client.get(edit).status_code == 302  # signed: read-only


def test_invalid_assessment_saves_nothing(client, physio, patient):
    client.force_login(physio)
    data = post_data([{"muscle": "Nonexistent", "side": "left"}], chief_complaint="")
    response = client.post(reverse("web:assessment_new", args=[patient.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html and "“Nonexistent” is not in the muscle catalogue" in html
    assert Assessment.objects.count() == 0 and PainScore.objects.count() == 0


def test_segment_muscles_are_suggested(client, physio, patient):
    client.force_login(physio)
    html = client.get(reverse("web:suggested_muscles"), {"affected_segments": ["L5"]},
                      HTTP_HX_REQUEST="true").content.decode()
    assert 'data-muscle="Gluteus medius"' in html and 'data-muscle="Upper trapezius"' not in html
    assert 'aria-label="Add Piriformis to the plan"' in html


def test_signed_assessment_takes_addenda(client, physio, physio2, patient, course):
    from records import services

    services.assessment_sign(actor=physio, assessment=course)
    client.force_login(physio2)
    detail = reverse("web:assessment_detail", args=[course.pk])
    assert "Edit draft" not in client.get(detail).content.decode()
    client.post(reverse("web:assessment_addendum", args=[course.pk]), {"text": "Also S1 findings."})
    assert "Also S1 findings." in client.get(detail).content.decode()
