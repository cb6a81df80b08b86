"""Documents on the pages: the two PDFs for the browser, and attachments (upload, download).

The same functions as the API issue the PDFs (``pdfs.issue``) and store attachments
(``services.attachment_upload``), so the rules, the audit trail and the bytes are the same.
"""

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from pdfs.issue import course_summary, procedure_note
from records import services
from records.attachments import attachments_for_clinic
from records.choices import AttachmentKind
from records.exceptions import InvalidInput, NotSigned, PayloadTooLarge
from web.access import clinic_patient, clinic_view, require

__all__ = ["AttachmentForm", "attachment_download", "attachment_upload", "session_note_pdf", "summary_pdf"]


class AttachmentForm(forms.Form):
    """The chart's upload form; the service checks the bytes, the size and the fields again."""

    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=AttachmentKind.choices)
    file = forms.FileField(help_text="PDF, PNG or JPEG, at most 10 MB.")


def _pdf(document) -> HttpResponse:
    # Inline: the browser opens its PDF viewer, from which the note is printed or saved.
    response = HttpResponse(document.content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document.filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _not_signed(exc: NotSigned) -> HttpResponse:
    return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_GET
@clinic_view
def session_note_pdf(request, pk):
    require(request, "record.read")
    try:
        document = procedure_note(actor=request.user, clinic=request.clinic, session_id=pk,
                                  base_url=_base_url(request))
    except NotSigned as exc:
        return _not_signed(exc)
    return _pdf(document)


@require_GET
@clinic_view
def summary_pdf(request, pk):
    require(request, "record.read")
    try:
        document = course_summary(
            actor=request.user, clinic=request.clinic, patient_id=pk,
            assessment_id=request.GET.get("assessment") or None, base_url=_base_url(request),
        )
    except NotSigned as exc:
        return _not_signed(exc)
    except InvalidInput:
        raise Http404 from None
    return _pdf(document)


@require_POST
@clinic_view
def attachment_upload(request, pk):
    require(request, "attachment.create")
    patient = clinic_patient(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label or field}: {errors[0]}")
        return redirect("web:patient_chart", pk=patient.pk)
    upload = form.cleaned_data["file"]
    try:
        services.attachment_upload(
            actor=request.user, patient=patient, title=form.cleaned_data["title"], kind=form.cleaned_data["kind"],
            file=upload, filename=upload.name,
        )
    except InvalidInput as exc:
        for field, errors in exc.errors.items():
            messages.error(request, f"{field.capitalize()}: {errors[0]}")
    except PayloadTooLarge as exc:
        messages.error(request, exc.message.replace("file:", "File:"))
    else:
        messages.success(request, "Document attached.")
    return redirect("web:patient_chart", pk=patient.pk)


@require_GET
@clinic_view
def attachment_download(request, pk):
    require(request, "attachment.read")
    attachment = get_object_or_404(attachments_for_clinic(request.clinic), pk=pk)
    attachment.patient.clinic = request.clinic
    services.audit_view(actor=request.user, patient=attachment.patient, what="attachment",
                        object_id=str(attachment.pk))
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, content_type=attachment.content_type,
        filename=attachment.filename or f"document-{attachment.pk}",
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
