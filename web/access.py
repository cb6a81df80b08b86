"""Who may open a page: login, a clinic membership, the role table, and clinic scoping.

Pages consult :func:`records.policy.allowed` with the same action names as the services,
so a page never offers what the service would refuse.
"""

from functools import wraps
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from records import policy
from records.access_log import note_read
from records.models import Assessment, Membership, Patient, TreatmentSession

__all__ = ["clinic_assessment", "clinic_patient", "clinic_session", "clinic_view", "require", "session_left_alone"]


def clinic_view(view):
    """Login required; the user's membership and clinic are loaded once and set on the request.

    Times are shown in the clinic's timezone.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = Membership.objects.select_related("clinic").filter(user=request.user).first()
        if membership is None:
            # E.g. a superuser who set the clinic up: say what to do instead of a bare 403.
            return render(request, "web/no_clinic.html", status=403)
        request.user.membership = membership  # policy.role_of/clinic_of read it without a query
        request.clinic = membership.clinic
        request.role = membership.role
        try:
            zone = ZoneInfo(membership.clinic.timezone)
        except (KeyError, ValueError):
            zone = ZoneInfo("UTC")
        with timezone.override(zone):
            return view(request, *args, **kwargs)

    return login_required(wrapper)


def require(request, action: str) -> None:
    """403 unless the user's role allows ``action`` (see records.policy.PERMISSIONS)."""
    if not policy.allowed(request.user, action):
        raise PermissionDenied(f"Your role may not {action.replace('.', ' ').replace('_', ' ')}.")


def clinic_patient(request, pk) -> Patient:
    """The patient ``pk`` of the user's clinic, or 404 (another clinic's patient does not exist here)."""
    patient = get_object_or_404(Patient.objects.filter(clinic=request.clinic).prefetch_related("precautions"), pk=pk)
    patient.clinic = request.clinic  # the same row: the services' audit rows need it, without a query
    _note(request, patient, "patient")
    return patient


def clinic_session(request, pk) -> TreatmentSession:
    session = get_object_or_404(
        TreatmentSession.objects.filter(clinic=request.clinic).select_related("patient", "practitioner", "signed_by"),
        pk=pk,
    )
    _note(request, session.patient_id, "treatmentsession", str(session.pk))
    return session


def clinic_assessment(request, pk) -> Assessment:
    assessment = get_object_or_404(
        Assessment.objects.filter(clinic=request.clinic).select_related("patient", "practitioner", "signed_by"),
        pk=pk,
    )
    _note(request, assessment.patient_id, "assessment", str(assessment.pk))
    return assessment


def _note(request, patient, what: str, object_id: str = "") -> None:
    # Every page that loads a patient's record passes here: the access log hears of it,
    # and writes one event if the page answers with it (a redirect after a write does not).
    note_read(actor=request.user, clinic=request.clinic, patients=[patient], what=what, object_id=object_id)


def session_left_alone(request) -> None:
    """Do not write the session back at the end of this request.

    The settings save the session on every request. A background htmx request that runs
    while the form is being submitted would then write back the session it read before
    the submit, and drop the flash message the submit stored ("Session 5 signed").
    """
    request.session.save = lambda must_create=False: None
