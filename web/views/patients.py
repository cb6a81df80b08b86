"""Patients: list and search, registration, demographics, consent and precautions."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from records import services
from records.access_log import note_read
from records.exceptions import DomainError, InvalidInput
from records.selectors import current_consent, current_consent_among, patients_for_clinic
from web.access import clinic_patient, clinic_view, require
from web.forms import ConsentForm, PatientForm, PrecautionsForm

__all__ = [
    "consent_withdraw", "patient_archive", "home", "patient_create", "patient_details", "patient_list",
    "patient_unarchive",
]


def home(request):
    return redirect("web:patient_list")


@clinic_view
def patient_list(request):
    require(request, "patient.read")
    query = (request.GET.get("q") or "").strip()[:100]
    include_archived = request.GET.get("archived") == "1"
    patients = patients_for_clinic(request.clinic, include_archived=include_archived).annotate(
        last_session=Max("sessions__started_at")
    )
    if query:
        patients = patients.filter(
            Q(family_name__icontains=query) | Q(given_name__icontains=query) | Q(chart_number__icontains=query)
        )
    page = Paginator(patients.order_by("family_name", "given_name", "chart_number"), 50).get_page(
        request.GET.get("page")
    )
    for patient in page.object_list:
        patient.current_consent = current_consent(patient)
    note_read(actor=request.user, clinic=request.clinic, patients=page.object_list, what="patient_list")
    return render(
        request,
        "web/patient_list.html",
        {"page": page, "query": query, "can_create": _can(request, "patient.create"),
         "include_archived": include_archived},
    )


def _can(request, action):
    from records.policy import allowed

    return allowed(request.user, action)


def _errors_to_form(form, exc: InvalidInput):
    for path, msgs in exc.errors.items():
        field = path if path in form.fields else None
        for msg in msgs:
            form.add_error(field, msg if field else f"{path}: {msg}")


@clinic_view
def patient_create(request):
    require(request, "patient.create")
    form = PatientForm(request.POST or None)
    precautions = PrecautionsForm(request.POST or None, prefix="pr")
    if request.method == "POST" and form.is_valid() and precautions.is_valid():
        try:
            patient = services.patient_create(
                actor=request.user, clinic=request.clinic, precautions=precautions.precautions(), **form.cleaned_data
            )
        except InvalidInput as exc:
            _errors_to_form(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{patient.full_name} registered with chart number {patient.chart_number}.")
            return redirect("web:patient_details", pk=patient.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "web/patient_form.html", {"form": form, "precautions": precautions}, status=status)


@clinic_view
def patient_details(request, pk):
    """Demographics, precautions and consent of one patient, each edited with its own form."""
    require(request, "patient.read")
    patient = clinic_patient(request, pk)
    consents = list(patient.consents.select_related("recorded_by", "withdrawn_by").order_by("-given_at"))
    current = current_consent_among(consents)
    can_edit = _can(request, "patient.update")
    initial = {f: getattr(patient, f) for f in ("given_name", "family_name", "date_of_birth", "sex",
                                                "chart_number", "phone", "email")}
    which = request.POST.get("form") if request.method == "POST" else None
    form = PatientForm(request.POST if which == "patient" else None, initial=initial)
    precautions = PrecautionsForm(
        request.POST if which == "precautions" else None, prefix="pr", precautions=patient.precautions.all()
    )
    consent_form = ConsentForm(request.POST if which == "consent" else None)
    if which == "patient":
        require(request, "patient.update")
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if v != initial.get(k)}
            try:
                services.patient_update(actor=request.user, patient=patient, **changes)
            except InvalidInput as exc:
                _errors_to_form(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Patient details saved.")
                return redirect("web:patient_details", pk=patient.pk)
    elif which == "precautions":
        require(request, "precautions.set")
        if precautions.is_valid():
            try:
                services.precautions_set(actor=request.user, patient=patient, precautions=precautions.precautions())
            except DomainError as exc:
                precautions.add_error(None, exc.message)
            else:
                messages.success(request, "Precautions saved.")
                return redirect("web:patient_details", pk=patient.pk)
    elif which == "consent":
        require(request, "consent.give")
        if consent_form.is_valid():
            try:
                services.consent_give(
                    actor=request.user, patient=patient, form_version=consent_form.cleaned_data["form_version"],
                    given_at=consent_form.cleaned_data.get("given_at"),
                )
            except InvalidInput as exc:
                _errors_to_form(consent_form, exc)
            except DomainError as exc:
                consent_form.add_error(None, exc.message)
            else:
                messages.success(request, "Consent to needling recorded.")
                return redirect("web:patient_details", pk=patient.pk)
    status = 400 if which else 200
    return render(
        request,
        "web/patient_details.html",
        {
            "patient": patient, "form": form, "precautions": precautions, "consent_form": consent_form,
            "consents": consents, "current_consent": current, "can_edit": can_edit,
            "can_consent": _can(request, "consent.give"), "can_precautions": _can(request, "precautions.set"),
            "can_archive": _can(request, "patient.archive") and patient.archived_at is None,
            "can_restore": _can(request, "patient.archive") and patient.archived_at is not None,
            "confirm": request.GET.get("confirm") if request.GET.get("confirm") in ("archive", "restore") else "",
        },
        status=status,
    )


@require_POST
@clinic_view
def consent_withdraw(request, pk):
    require(request, "consent.withdraw")
    patient = clinic_patient(request, pk)
    try:
        services.consent_withdraw(actor=request.user, patient=patient)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.warning(request, "Consent withdrawn: no needling can be recorded until consent is given again.")
    return redirect("web:patient_details", pk=patient.pk)




@require_POST
@clinic_view
def patient_archive(request, pk):
    """Archive (never delete) a patient: hidden from the list, the record kept."""
    require(request, "patient.archive")
    patient = clinic_patient(request, pk)
    if request.POST.get("confirm") != "yes":  # archiving asks first (a confirmation step)
        return redirect(reverse("web:patient_details", args=[patient.pk]) + "?confirm=archive")
    try:
        services.patient_archive(actor=request.user, patient=patient)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{patient.full_name} archived; the record is kept.")
    return redirect("web:patient_details", pk=patient.pk)


@require_POST
@clinic_view
def patient_unarchive(request, pk):
    """Restore an archived patient to the list (after a confirmation step)."""
    require(request, "patient.archive")
    patient = clinic_patient(request, pk)
    if request.POST.get("confirm") != "yes":
        return redirect(reverse("web:patient_details", args=[patient.pk]) + "?confirm=restore")
    try:
        services.patient_unarchive(actor=request.user, patient=patient)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{patient.full_name} restored to the patient list.")
    return redirect("web:patient_details", pk=patient.pk)
