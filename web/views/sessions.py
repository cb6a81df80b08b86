"""Logging a treatment session fast, reading it back, and amending signed ones."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.http.request import RawPostDataException
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.selectors import has_current_authorisation
from idempotency import store as idempotency_store
from records import policy, services
from records.choices import PainMoment
from records.clinical import warnings_for_targets
from records.exceptions import (
    ConsentRequired,
    DomainError,
    InvalidInput,
    LungFieldConfirmationRequired,
    SharpsCountMismatch,
)
from records.models import Addendum, Assessment, PainScore, TargetedMuscle, TreatmentSession
from records.selectors import current_consent, session_warnings
from web.access import clinic_patient, clinic_session, clinic_view, require, session_left_alone
from web.catalogue import Catalogue
from web.forms import (
    AddendumForm,
    AdverseEventFormSet,
    SessionForm,
    TargetedFormSet,
    apply_errors,
    local_now_input,
    oversized_formsets,
    to_local_input,
)
from web.views.addenda import add_addendum

__all__ = [
    "session_addendum", "session_delete", "session_detail", "session_edit", "session_new", "session_warnings_view",
]


def _needle_defaults(request) -> dict:
    """The needle size this practitioner used last: most use one or two sizes all day."""
    last = (
        TargetedMuscle.objects.filter(
            clinic=request.clinic, session__practitioner=request.user, needle_length_mm__isnull=False
        )
        .order_by("-session__started_at", "-order")
        .values("needle_length_mm", "needle_diameter_mm")
        .first()
    )
    return last or {}


def _row(muscle, side, defaults, **extra) -> dict:
    return {"muscle": muscle.name, "side": side, **defaults, **extra}


def _start_rows(request, patient, assessment, start: str, defaults: dict) -> tuple[list[dict], str]:
    if start == "plan" and assessment is not None:
        rows = [_row(p.muscle, p.side, defaults) for p in assessment.plan.select_related("muscle").order_by("order")]
        return rows, "Started from the plan of the course of care: record each muscle's response."
    if start == "previous":
        previous = (
            TreatmentSession.objects.filter(patient=patient).order_by("-started_at", "-number").first()
        )
        if previous is not None:
            rows = [
                _row(t.muscle, t.side, {}, segment=t.segment, needle_length_mm=t.needle_length_mm or
                     defaults.get("needle_length_mm"), needle_diameter_mm=t.needle_diameter_mm or
                     defaults.get("needle_diameter_mm"))
                for t in previous.targeted_muscles.select_related("muscle").order_by("order")
            ]
            return rows, f"Copied the muscles of session {previous.number}: record today's responses."
    return [], ""


def _session_context(request, patient, *, session, form, targeted, adverse, catalogue, assessment, note=""):
    consent = current_consent(patient)
    return {
        "patient": patient,
        "session": session,
        "form": form,
        "targeted": targeted,
        "adverse": adverse,
        "catalogue": catalogue.options(),
        "suggested": catalogue.suggested,
        "assessment": assessment,
        "consent": consent,
        "start_note": note,
        "warnings": _warnings_from_post(request.POST, patient, catalogue) if request.method == "POST" else
        warnings_for_targets(
            [(catalogue.lookup[f.initial.get("muscle", "").lower()], f.initial.get("side"))
             for f in targeted.forms if f.initial.get("muscle", "").lower() in catalogue.lookup],
            patient.precautions.all(),
        ),
        "has_previous": TreatmentSession.objects.filter(patient=patient).exclude(
            pk=session.pk if session else None).exists(),
    }


def _warnings_from_post(data, patient, catalogue) -> list[dict]:
    """Warnings for whatever the form holds right now, even half filled in."""
    targets = []
    total = data.get("tm-TOTAL_FORMS", "0")
    for index in range(min(int(total) if total.isdigit() else 0, 60)):
        muscle = catalogue.lookup.get((data.get(f"tm-{index}-muscle") or "").strip().lower())
        if muscle is not None:
            targets.append((muscle, data.get(f"tm-{index}-side") or "left"))
    return warnings_for_targets(targets, patient.precautions.all())


def _save(request, patient, session, form, targeted, adverse):
    """Save (and sign, when asked) in one transaction; any refusal leaves nothing behind."""
    rows = [f for f in targeted.forms if f.cleaned_data.get("muscle")]
    events = [f for f in adverse.forms if f.cleaned_data.get("kind")]
    data = form.cleaned_data
    payload = {
        "started_at": data["started_at"],
        "assessment": data.get("assessment"),
        "needles_used": data["needles_used"],
        "needles_removed": data["needles_removed"],
        "exercises": data.get("exercises") or "",
        "notes": data.get("notes") or "",
        "sharps_discrepancy_note": data.get("sharps_discrepancy_note") or "",
        "lung_field_precautions_confirmed": bool(data.get("lung_field_precautions_confirmed")),
        "targeted_muscles": [f.as_item() for f in rows],
        "pain_scores": form.pain_items(),
        "adverse_events": [f.as_item() for f in events],
    }
    sign = request.POST.get("action") == "sign"
    if session is not None and data.get("version") is None:
        # A page always sends the version it showed (DESIGN §11): without it an edit could
        # overwrite a change made meanwhile.
        form.add_error(None, "This page did not say which version of the record it showed; reload it and redo it.")
        return None, sign
    try:
        with transaction.atomic():
            if session is None:
                session = services.session_record(actor=request.user, patient=patient, **payload)
            else:
                session = services.session_update(
                    actor=request.user, session=session, expected_version=data.get("version"), **payload
                )
            if sign:
                session = services.session_sign(actor=request.user, session=session)
    except InvalidInput as exc:
        apply_errors(exc.errors, form=form, formsets={"targeted_muscles": targeted, "adverse_events": adverse},
                     index_maps={"targeted_muscles": rows, "adverse_events": events})
    except SharpsCountMismatch as exc:
        form.add_error("needles_removed", exc.message)
    except LungFieldConfirmationRequired as exc:
        form.add_error("lung_field_precautions_confirmed", exc.message)
    except ConsentRequired as exc:
        form.add_error(None, exc.message)
    except DomainError as exc:
        form.add_error(None, exc.message)
    else:
        return session, sign
    return None, sign


def _logging_page(request, patient, session=None):
    formsets = {"tm": TargetedFormSet, "ae": AdverseEventFormSet}
    if request.method == "POST" and oversized_formsets(request.POST, formsets):
        return HttpResponseBadRequest("Too many rows in one form.")
    assessments = list(Assessment.objects.filter(patient=patient).order_by("-assessed_at"))
    default = assessments[0] if assessments else None
    assessment = session.assessment if session is not None else default
    catalogue = Catalogue(segments=list(assessment.affected_segments) if assessment else [])
    defaults = _needle_defaults(request)
    kwargs = {"catalogue": catalogue.lookup, "needle_defaults": defaults}
    note = ""
    if request.method == "POST":
        form = SessionForm(request.POST, assessments=assessments)
        targeted = TargetedFormSet(request.POST, prefix="tm", form_kwargs=kwargs)
        adverse = AdverseEventFormSet(request.POST, prefix="ae")
        if form.is_valid() & targeted.is_valid() & adverse.is_valid():
            with transaction.atomic():
                try:
                    claim = _claim_form_key(request)
                except (idempotency_store.KeyReused, idempotency_store.InProgress):
                    messages.warning(request, "This form was already sent once; its record is on the chart.")
                    return redirect("web:patient_chart", pk=patient.pk)
                if claim is not None and claim.replay:  # a double press of Save: the first answer again
                    return HttpResponseRedirect(claim.row.headers["Location"])
                saved, signed = _save(request, patient, session, form, targeted, adverse)
                if saved is not None:
                    if signed:
                        messages.success(request, f"Session {saved.number} signed and locked.")
                        response = redirect("web:patient_chart", pk=patient.pk)
                    else:
                        messages.success(request, f"Draft of session {saved.number} saved.")
                        response = redirect("web:session_edit", pk=saved.pk)
                    if claim is not None:
                        idempotency_store.finish(claim.row, status=302, headers={"Location": response.url}, body=b"")
                    return response
                transaction.set_rollback(True)  # refused: the key stays free (the page renders a new one)
        status = 400
    else:
        status = 200
        if session is None:
            rows, note = _start_rows(request, patient, assessment, request.GET.get("start", ""), defaults)
            initial = {"started_at": local_now_input(), "assessment": str(assessment.pk) if assessment else "",
                       "needles_used": 0, "needles_removed": 0}
        else:
            rows = [
                {"muscle": t.muscle.name, "side": t.side, "segment": t.segment, "twitch_response": t.twitch_response,
                 "twitch_count": t.twitch_count, "outcome": t.outcome, "needle_length_mm": t.needle_length_mm,
                 "needle_diameter_mm": t.needle_diameter_mm, "notes": t.notes}
                for t in session.targeted_muscles.select_related("muscle").order_by("order")
            ]
            pains = {p.moment: p.score for p in PainScore.objects.filter(session=session)}
            initial = {
                "started_at": to_local_input(session.started_at),
                "assessment": str(session.assessment_id or ""),
                "needles_used": session.needles_used, "needles_removed": session.needles_removed,
                "exercises": session.exercises, "notes": session.notes, "version": session.version,
                "sharps_discrepancy_note": session.sharps_discrepancy_note,
                "lung_field_precautions_confirmed": session.lung_field_precautions_confirmed,
                "pain_before": pains.get(PainMoment.PRE_SESSION), "pain_after": pains.get(PainMoment.POST_SESSION),
            }
        form = SessionForm(initial=initial, assessments=assessments)
        targeted = TargetedFormSet(prefix="tm", initial=rows or [{}], form_kwargs=kwargs)
        adverse_rows = (
            [{"kind": a.kind, "severity": a.severity, "notes": a.notes} for a in session.adverse_events.all()]
            if session is not None else []
        )
        # One blank row, so an adverse event can be noted even without JavaScript.
        adverse = AdverseEventFormSet(prefix="ae", initial=adverse_rows or [{}])
    context = _session_context(request, patient, session=session, form=form, targeted=targeted, adverse=adverse,
                               catalogue=catalogue, assessment=assessment, note=note)
    # Warn before signing, not only when signing is refused (records.services.sessions).
    context["authorisation_missing"] = not has_current_authorisation(request.user, timezone.localdate())
    # One key per rendered form: pressing Save twice (or a retried POST) saves once.
    context["idempotency_key"] = str(uuid.uuid4())
    return render(request, "web/session_form.html", context, status=status)


def _claim_form_key(request):
    """Claim the form's ``idempotency_key`` (see idempotency.store), or None without one."""
    key = request.POST.get("idempotency_key")
    if not key or idempotency_store.key_problem(key):
        return None
    try:
        body = request.body
    except RawPostDataException:  # a multipart body, already parsed: hash the fields instead
        body = repr(sorted(request.POST.lists())).encode()
    return idempotency_store.claim(
        user=request.user, method="POST", path=request.path, key=key,
        body_hash=idempotency_store.request_hash(body),
    )


@clinic_view
def session_new(request, pk):
    require(request, "session.create")
    patient = clinic_patient(request, pk)
    if patient.is_archived:
        # Refused before anything is typed, not on Save.
        messages.error(request, "This patient is archived: restore them before logging a session.")
        return redirect("web:patient_chart", pk=patient.pk)
    return _logging_page(request, patient)


@clinic_view
def session_edit(request, pk):
    require(request, "session.update")
    session = clinic_session(request, pk)
    if session.is_signed:
        messages.info(request, "This session is signed and locked; corrections are added as addenda.")
        return redirect("web:session_detail", pk=session.pk)
    if session.practitioner_id != request.user.pk and not request.user.is_superuser:
        raise PermissionDenied("Only the practitioner who wrote this draft may change it.")
    patient = clinic_patient(request, session.patient_id)
    return _logging_page(request, patient, session)


@require_POST
@clinic_view
def session_warnings_view(request, pk):
    """htmx: the warnings for the muscles currently in the logging form, before anything is saved."""
    require(request, "record.read")
    session_left_alone(request)
    patient = clinic_patient(request, pk)
    catalogue = Catalogue()
    return render(request, "web/_warnings.html", {
        "warnings": _warnings_from_post(request.POST, patient, catalogue),
        "consent": current_consent(patient), "patient": patient,
    })


@clinic_view
def session_detail(request, pk):
    require(request, "record.read")
    session = clinic_session(request, pk)
    patient = session.patient
    targeted = list(session.targeted_muscles.select_related("muscle").order_by("order"))
    pains = {p.moment: p.score for p in session.pain_scores.all()}
    addenda = list(Addendum.objects.filter(session=session).select_related("author").order_by("created_at"))
    own_draft = not session.is_signed and session.practitioner_id == request.user.pk
    return render(request, "web/session_detail.html", {
        "session": session, "patient": patient, "targeted": targeted,
        "pain_before": pains.get(PainMoment.PRE_SESSION), "pain_after": pains.get(PainMoment.POST_SESSION),
        "adverse": list(session.adverse_events.all()), "addenda": addenda,
        "warnings": session_warnings(session),
        "can_edit": own_draft and policy.allowed(request.user, "session.update"),
        "can_addendum": session.is_signed and policy.allowed(request.user, "addendum.create"),
        "addendum_form": AddendumForm(),
    })


@require_POST
@clinic_view
def session_addendum(request, pk):
    require(request, "addendum.create")
    return add_addendum(request, clinic_session(request, pk), detail_view="web:session_detail")


@require_POST
@clinic_view
def session_delete(request, pk):
    require(request, "session.delete")
    session = clinic_session(request, pk)
    try:
        services.session_delete_draft(actor=request.user, session=session)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("web:session_detail", pk=session.pk)
    messages.success(request, "Draft deleted.")
    return redirect("web:patient_chart", pk=session.patient_id)
