"""Patients in the admin: demographics, precautions, consent and the release-order panel.

Writes map onto services as follows:

- the patient form → ``patient_create`` / ``patient_update`` (and the precautions inline
  is handed to the service as a whole list: ``patient_create(precautions=…)`` or
  ``precautions_set``, whose replace semantics match an inline formset);
- consent is not edited inline (a consent row is a legal record): the form's
  "Record consent" / "Withdraw consent" fields call ``consent_give`` / ``consent_withdraw``,
  and the consent inline only shows the history;
- the "Archive" action calls ``patient_archive``; patients are never deleted.
"""

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from records import policy, services
from records.choices import TwitchResponse
from records.exceptions import DomainError
from records.models import Consent, Patient, Precaution
from records.selectors import current_consent, release_order_for_patient
from records.services.patients import PATIENT_EDITABLE_FIELDS

from .base import ClinicScopedAdmin, ClinicScopedInline, ReadOnlyInline, ServiceForm, formset_rows, refusal_message

__all__ = ["ConsentAdmin", "PatientAdmin", "PrecautionAdmin"]


class ArchivedFilter(admin.SimpleListFilter):
    title = "archived"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return (("no", "Active"), ("yes", "Archived"))

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(archived_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(archived_at__isnull=False)
        return queryset


class ConsentFilter(admin.SimpleListFilter):
    title = "consent to needling"
    parameter_name = "consent"

    def lookups(self, request, model_admin):
        return (("current", "Current"), ("none", "None current"))

    def queryset(self, request, queryset):
        now = timezone.now()
        with_current = Consent.objects.filter(given_at__lte=now).exclude(withdrawn_at__lte=now)
        if self.value() == "current":
            return queryset.filter(pk__in=with_current.values("patient_id"))
        if self.value() == "none":
            return queryset.exclude(pk__in=with_current.values("patient_id"))
        return queryset


class PatientForm(ServiceForm):
    """Demographics plus the consent changes the service-backed form can make."""

    consent_form_version = forms.CharField(
        required=False, max_length=40, label="Record consent: form version",
        help_text="Fill in to record the patient's consent to needling (e.g. IMS-consent-v3).",
    )
    consent_given_at = forms.SplitDateTimeField(
        required=False, widget=AdminSplitDateTime, label="Consent given at",
        help_text="Leave blank for now.",
    )
    withdraw_consent = forms.BooleanField(
        required=False, label="Withdraw the current consent",
        help_text="No needling can be recorded after consent is withdrawn.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "chart_number" in self.fields and self.instance._state.adding:
            self.fields["chart_number"].required = False
            self.fields["chart_number"].help_text = "Leave blank to generate the next number (P000123)."


class PrecautionInline(ClinicScopedInline):
    """Edited as a whole list and written with ``precautions_set`` (replace semantics)."""

    model = Precaution
    fields = ("code", "note")
    extra = 1
    view_action = "consent.read"


class ConsentInline(ReadOnlyInline):
    """The consent history; changes go through the patient form's consent fields."""

    model = Consent
    fields = ("given_at", "form_version", "recorded_by", "withdrawn_at", "withdrawn_by")
    readonly_fields = fields
    ordering = ("-given_at",)
    view_action = "consent.read"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Patient)
class PatientAdmin(ClinicScopedAdmin):
    form = PatientForm
    list_display = (
        "chart_number", "family_name", "given_name", "date_of_birth", "sex", "consent_status",
        "precaution_list", "is_archived",
    )
    list_display_links = ("chart_number", "family_name")
    search_fields = ("chart_number", "given_name", "family_name")
    list_filter = ("sex", ArchivedFilter, ConsentFilter)
    ordering = ("family_name", "given_name", "chart_number")
    inlines = (PrecautionInline, ConsentInline)
    actions = ("archive_patients", "restore_patients")
    view_action = "patient.read"

    # --- permissions: the role table ------------------------------------------------

    def has_add_permission(self, request, *args):
        return self.may(request, "patient.create")

    def has_change_permission(self, request, obj=None):
        return self.may(request, "patient.update", obj)

    def has_archive_permission(self, request):
        return self.may(request, "patient.archive")

    def may_edit_nested(self, request, obj) -> bool:
        """The precautions inline is editable by whoever may set precautions."""
        return self.may(request, "precautions.set", obj)

    # --- lists ----------------------------------------------------------------------

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("precautions", "consents")

    @admin.display(description="consent")
    def consent_status(self, patient):
        now = timezone.now()
        current = [c for c in patient.consents.all() if c.is_current(now)]
        return f"current ({current[0].form_version})" if current else "none"

    @admin.display(description="precautions")
    def precaution_list(self, patient):
        return ", ".join(p.get_code_display() for p in patient.precautions.all()) or "—"

    @admin.display(boolean=True, description="archived")
    def is_archived(self, patient):
        return patient.archived_at is not None

    def get_list_display(self, request):
        if request.user.is_superuser:
            return ("clinic", *self.list_display)
        return self.list_display

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return ("clinic", *self.list_filter)
        return self.list_filter

    # --- the change page ------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        demographics = ["chart_number", "given_name", "family_name", "date_of_birth", "sex", "phone", "email"]
        editable = obj is None or self.has_change_permission(request, obj)
        if obj is None and request.user.is_superuser:
            demographics.insert(0, "clinic")
        if editable:
            demographics.append("loaded_version")
        consent = ["current_consent"] if obj is not None else []
        if editable and obj is not None and current_consent(obj) is not None:
            consent.append("withdraw_consent")
        elif editable:
            consent += ["consent_form_version", "consent_given_at"]
        fieldsets = [(None, {"fields": demographics}), ("Consent to needling", {"fields": consent})]
        if obj is not None:
            fieldsets += [
                ("Release order across sessions", {"fields": ["release_order_panel"]}),
                ("Record", {"fields": ["clinic", "archived_at", "version", "created_at", "updated_at"],
                            "classes": ["collapse"]}),
            ]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = ["current_consent", "release_order_panel", "archived_at", "version", "created_at", "updated_at"]
        if obj is not None:
            readonly.append("clinic")
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        admin_self = self

        class BoundPatientForm(form_class):
            def apply_writes(self):
                return admin_self.write_patient(request, self, precautions=None)

        return BoundPatientForm


    @admin.display(description="current consent")
    def current_consent(self, patient):
        consent = None if patient._state.adding else current_consent(patient)
        if consent is None:
            return "None: needling cannot be recorded."
        tz = zoneinfo.ZoneInfo(patient.clinic.timezone)
        return f"{consent.form_version}, given {timezone.localtime(consent.given_at, tz):%Y-%m-%d %H:%M}"

    @admin.display(description="release order")
    def release_order_panel(self, patient):
        """A row per muscle and side, a column per session: the release order and twitch."""
        if patient is None or patient._state.adding:
            return "—"
        data = release_order_for_patient(patient)
        if not data["sessions"]:
            return "No sessions recorded yet."
        tz = zoneinfo.ZoneInfo(patient.clinic.timezone)
        # "None" alone would read as an empty cell: say what it means.
        twitch_labels = {**dict(TwitchResponse.choices), TwitchResponse.NONE: "no twitch"}
        cells = {}
        for session in data["sessions"]:
            for release in session["releases"]:
                cells[(session["id"], release["muscle"], release["side"])] = release
        header = format_html_join(
            "", '<th scope="col">#{}<br><small>{}{}</small></th>',
            (
                (s["number"], f"{timezone.localtime(s['started_at'], tz):%Y-%m-%d}",
                 " (draft)" if s["status"] == "draft" else "")
                for s in data["sessions"]
            ),
        )
        rows = []
        for muscle in data["muscles"]:
            session_cells = format_html_join(
                "", '<td title="{}">{}</td>',
                (
                    (cell["outcome"].replace("_", " "), f"{cell['order']}. {twitch_labels[cell['twitch_response']]}")
                    if (cell := cells.get((s["id"], muscle["muscle"], muscle["side"]))) else ("", "")
                    for s in data["sessions"]
                ),
            )
            rows.append(
                format_html(
                    '<tr><th scope="row">{} ({})</th><td>{}</td>{}</tr>',
                    muscle["muscle_name"], muscle["side"], muscle["planned_order"] or "—", session_cells,
                )
            )
        adherence = ""
        if "plan_adherence" in data:
            summary = data["plan_adherence"]
            adherence = format_html(
                "<p>Plan: {} of {} steps targeted; {} of {} sessions kept the planned order.</p>",
                summary["planned_steps_targeted"], summary["planned_steps"],
                summary["sessions_following_plan_order"], summary["sessions"],
            )
        return format_html(
            '<table class="release-order"><thead><tr><th scope="col">Muscle (side)</th>'
            '<th scope="col">Plan</th>{}</tr></thead><tbody>{}</tbody></table>{}',
            header, format_html_join("", "{}", ((row,) for row in rows)), adherence,
        )

    # --- writes: all through services -------------------------------------------------

    def write_patient(self, request, form, *, precautions) -> Patient:
        """Every write the patient page can make, in one place (also dry-run by the form)."""
        actor, data = request.user, form.cleaned_data
        adding = form.instance._state.adding
        if adding:
            clinic = data.get("clinic") or policy.clinic_of(actor)
            patient = services.patient_create(
                actor=actor, clinic=clinic, precautions=precautions or [],
                **{field: data[field] for field in PATIENT_EDITABLE_FIELDS if field in data},
            )
        else:
            patient = Patient.objects.get(pk=form.instance.pk)
            changes = {field: data[field] for field in form.changed_data if field in PATIENT_EDITABLE_FIELDS}
            if changes:
                patient = services.patient_update(
                    actor=actor, patient=patient, expected_version=data.get("loaded_version"), **changes
                )
            if precautions is not None:
                services.precautions_set(actor=actor, patient=patient, precautions=precautions)
        if data.get("withdraw_consent"):
            services.consent_withdraw(actor=actor, patient=patient)
        if data.get("consent_form_version"):
            services.consent_give(
                actor=actor, patient=patient, form_version=data["consent_form_version"],
                given_at=data.get("consent_given_at"),
            )
        return patient

    def save_model(self, request, obj, form, change):
        """Nothing here: the write happens in save_related, which also has the precautions."""

    def save_formset(self, request, form, formset, change):
        """Inline formsets are never saved directly; see save_related."""

    def save_related(self, request, form, formsets, change):
        precautions = None
        for formset in formsets:
            if formset.model is Precaution and (not change or formset.has_changed()):
                precautions = formset_rows(formset, ("code", "note"))
        patient = self.write_patient(request, form, precautions=precautions)
        # The admin goes on to log and redirect with form.instance: give it the saved row.
        instance = form.instance
        for field in Patient._meta.concrete_fields:
            setattr(instance, field.attname, getattr(patient, field.attname))
        instance._state.adding = False
        instance._state.db = patient._state.db

    def delete_model(self, request, obj):  # pragma: no cover - delete permission is never granted
        raise PermissionError("Patients are archived, never deleted.")

    @admin.action(description="Archive selected patients", permissions=["archive"])
    def archive_patients(self, request, queryset):
        archived = 0
        for patient in queryset:
            try:
                was_active = patient.archived_at is None
                services.patient_archive(actor=request.user, patient=patient)
                archived += was_active
            except DomainError as exc:
                self.message_user(request, f"{patient.chart_number}: {refusal_message(exc)}", messages.ERROR)
        self.message_user(request, f"Archived {archived} patient(s).", messages.SUCCESS)

    @admin.action(description="Restore selected patients from the archive", permissions=["archive"])
    def restore_patients(self, request, queryset):
        restored = 0
        for patient in queryset:
            try:
                services.patient_unarchive(actor=request.user, patient=patient)
                restored += 1
            except DomainError as exc:
                self.message_user(request, f"{patient.chart_number}: {refusal_message(exc)}", messages.ERROR)
        self.message_user(request, f"Restored {restored} patient(s).", messages.SUCCESS)


@admin.register(Precaution)
class PrecautionAdmin(ClinicScopedAdmin):
    """Read-only list; precautions are edited on the patient page (``precautions_set``)."""

    list_display = ("patient", "code", "note")
    list_filter = ("code",)
    list_select_related = ("patient",)
    search_fields = ("patient__chart_number",)
    view_action = "consent.read"


@admin.register(Consent)
class ConsentAdmin(ClinicScopedAdmin):
    """Read-only list; consent is given and withdrawn on the patient page."""

    list_display = ("patient", "form_version", "given_at", "withdrawn_at", "recorded_by")
    list_select_related = ("patient", "recorded_by")
    search_fields = ("patient__chart_number",)
    view_action = "consent.read"
