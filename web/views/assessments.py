"""The assessment: findings per muscle, affected segments with their myotomes, an ordered plan."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from records import policy, services
from records.choices import PainMoment
from records.exceptions import DomainError, InvalidInput
from records.models import Addendum, PainScore
from records.selectors import muscles_for_segments
from web.access import clinic_assessment, clinic_patient, clinic_view, require, session_left_alone
from web.catalogue import Catalogue, segment_range
from web.forms import (
    AddendumForm,
    AssessmentForm,
    FindingFormSet,
    PlanFormSet,
    apply_errors,
    local_now_input,
    oversized_formsets,
    to_local_input,
)
from web.views.addenda import add_addendum

__all__ = ["assessment_addendum", "assessment_detail", "assessment_edit", "assessment_new", "suggested_muscles"]


def _save(request, patient, assessment, form, findings, plan):
    finding_rows = [f for f in findings.forms if f.cleaned_data.get("muscle")]
    plan_rows = [f for f in plan.forms if f.cleaned_data.get("muscle")]
    data = form.cleaned_data
    payload = {
        "assessed_at": data["assessed_at"],
        "chief_complaint": data["chief_complaint"],
        "history": data.get("history") or "",
        "affected_segments": list(data.get("affected_segments") or []),
        "findings": [f.as_item() for f in finding_rows],
        "plan": [f.as_item() for f in plan_rows],
    }
    sign = request.POST.get("action") == "sign"
    if assessment is not None and data.get("version") is None:
        # A page always sends the version it showed (DESIGN §11): without it an edit could
        # overwrite a change made meanwhile.
        form.add_error(None, "This page did not say which version of the record it showed; reload it and redo it.")
        return None, sign
    try:
        with transaction.atomic():
            if assessment is None:
                assessment = services.assessment_create(actor=request.user, patient=patient, **payload)
                if data.get("baseline_pain") not in (None, ""):
                    services.pain_score_record(
                        actor=request.user, patient=patient, moment=PainMoment.BASELINE,
                        score=int(data["baseline_pain"]), recorded_at=data["assessed_at"], assessment=assessment,
                    )
            else:
                assessment = services.assessment_update(
                    actor=request.user, assessment=assessment, expected_version=data.get("version"), **payload
                )
            if sign:
                assessment = services.assessment_sign(actor=request.user, assessment=assessment)
    except InvalidInput as exc:
        apply_errors(exc.errors, form=form, formsets={"findings": findings, "plan": plan},
                     index_maps={"findings": finding_rows, "plan": plan_rows})
    except DomainError as exc:
        form.add_error(None, exc.message)
    else:
        return assessment, sign
    return None, sign


def _page(request, patient, assessment=None):
    if request.method == "POST" and oversized_formsets(request.POST, {"fd": FindingFormSet, "pl": PlanFormSet}):
        return HttpResponseBadRequest("Too many rows in one form.")
    segments = request.POST.getlist("affected_segments") if request.method == "POST" else (
        assessment.affected_segments if assessment else [])
    catalogue = Catalogue(segments=list(segments))
    kwargs = {"catalogue": catalogue.lookup}
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        findings = FindingFormSet(request.POST, prefix="fd", form_kwargs=kwargs)
        plan = PlanFormSet(request.POST, prefix="pl", form_kwargs=kwargs)
        if form.is_valid() & findings.is_valid() & plan.is_valid():
            saved, signed = _save(request, patient, assessment, form, findings, plan)
            if saved is not None:
                messages.success(request, "Assessment signed and locked." if signed else "Assessment draft saved.")
                if signed:
                    return redirect("web:patient_chart", pk=patient.pk)
                return redirect("web:assessment_edit", pk=saved.pk)
        status = 400
    else:
        status = 200
        if assessment is None:
            initial = {"assessed_at": local_now_input()}
            finding_rows, plan_rows = [], []
        else:
            initial = {
                "assessed_at": to_local_input(assessment.assessed_at), "chief_complaint": assessment.chief_complaint,
                "history": assessment.history, "affected_segments": assessment.affected_segments,
                "version": assessment.version,
            }
            finding_rows = [
                {"muscle": f.muscle.name, "side": f.side, "taut_band": f.taut_band, "tenderness": f.tenderness,
                 "notes": f.notes} for f in assessment.findings.select_related("muscle")
            ]
            plan_rows = [
                {"muscle": p.muscle.name, "side": p.side, "rationale": p.rationale}
                for p in assessment.plan.select_related("muscle").order_by("order")
            ]
        form = AssessmentForm(initial=initial)
        findings = FindingFormSet(prefix="fd", initial=finding_rows or [{}], form_kwargs=kwargs)
        plan = PlanFormSet(prefix="pl", initial=plan_rows or [{}], form_kwargs=kwargs)
    return render(request, "web/assessment_form.html", {
        "patient": patient, "assessment": assessment, "form": form, "findings": findings, "plan": plan,
        "catalogue": catalogue.options(), "suggested": catalogue.suggested, "segments": segments,
    }, status=status)


@clinic_view
def assessment_new(request, pk):
    require(request, "assessment.create")
    return _page(request, clinic_patient(request, pk))


@clinic_view
def assessment_edit(request, pk):
    require(request, "assessment.update")
    assessment = clinic_assessment(request, pk)
    if assessment.is_signed:
        messages.info(request, "This assessment is signed and locked; corrections are added as addenda.")
        return redirect("web:assessment_detail", pk=assessment.pk)
    if assessment.practitioner_id != request.user.pk and not request.user.is_superuser:
        raise PermissionDenied("Only the practitioner who wrote this draft may change it.")
    return _page(request, clinic_patient(request, assessment.patient_id), assessment)


@clinic_view
def suggested_muscles(request):
    """htmx: the muscles of the chosen segments' myotomes, to add to the plan or findings."""
    require(request, "record.read")
    session_left_alone(request)
    segments = [s for s in request.GET.getlist("affected_segments")][:30]
    muscles = list(muscles_for_segments(segments).order_by("name")) if segments else []
    return render(request, "web/_suggested.html", {"suggested": muscles, "segments": segments})


@clinic_view
def assessment_detail(request, pk):
    require(request, "record.read")
    assessment = clinic_assessment(request, pk)
    patient = assessment.patient
    baseline = PainScore.objects.filter(assessment=assessment, moment=PainMoment.BASELINE).first()
    own_draft = not assessment.is_signed and assessment.practitioner_id == request.user.pk
    return render(request, "web/assessment_detail.html", {
        "assessment": assessment, "patient": patient,
        "findings": list(assessment.findings.select_related("muscle")),
        "plan": list(assessment.plan.select_related("muscle").order_by("order")),
        "segments": segment_range(assessment.affected_segments), "baseline": baseline,
        "addenda": list(Addendum.objects.filter(assessment=assessment).select_related("author")),
        "can_edit": own_draft and policy.allowed(request.user, "assessment.update"),
        "can_addendum": assessment.is_signed and policy.allowed(request.user, "addendum.create"),
        "addendum_form": AddendumForm(),
    })


@require_POST
@clinic_view
def assessment_addendum(request, pk):
    require(request, "addendum.create")
    return add_addendum(request, clinic_assessment(request, pk), detail_view="web:assessment_detail")
