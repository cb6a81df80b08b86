"""Assessments, treatment sessions and addenda in the admin.

Clinic admins review these records (the role table gives them read access only). Users
whom the role table allows to write them (in practice superusers: physiotherapists are
not staff) may change a *draft* through ``assessment_update`` / ``session_update``,
which take the inlines as whole lists (replace semantics, so an inline formset maps
onto them cleanly). Signed records are read-only, including their inlines; corrections
are addenda (``addendum_create``). Sign-off is an action calling the sign services, and
a draft session is deleted through ``session_delete_draft``.
"""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.html import format_html, format_html_join

from records import services
from records.choices import RecordStatus
from records.exceptions import DomainError
from records.models import (
    Addendum,
    AdverseEvent,
    Assessment,
    AssessmentFinding,
    PainScore,
    PlanItem,
    TargetedMuscle,
    TreatmentSession,
)
from records.selectors import session_warnings
from records.services.assessments import ASSESSMENT_EDITABLE_FIELDS, FINDING_FIELDS, PLAN_FIELDS
from records.services.sessions import ADVERSE_FIELDS, SESSION_EDITABLE_FIELDS, SESSION_PAIN_FIELDS, TARGETED_FIELDS

from .base import ClinicScopedAdmin, ClinicScopedInline, ReadOnlyInline, ServiceForm, formset_rows, refusal_message

__all__ = [
    "AddendumAdmin",
    "AdverseEventAdmin",
    "AssessmentAdmin",
    "AssessmentFindingAdmin",
    "PainScoreAdmin",
    "PlanItemAdmin",
    "TargetedMuscleAdmin",
    "TreatmentSessionAdmin",
]


class DraftRecordAdmin(ClinicScopedAdmin):
    """Shared by assessments and sessions: editable while draft by its writer, then locked."""

    form = ServiceForm
    update_action = ""
    sign_action = ""
    editable_fields: tuple[str, ...] = ()
    # Inline model → (service keyword, fields the service takes).
    nested: dict = {}


    def may_edit_nested(self, request, obj) -> bool:
        if obj is None or obj.status != RecordStatus.DRAFT:
            return False
        if not self.may(request, self.update_action, obj):
            return False
        return request.user.is_superuser or obj.practitioner_id == request.user.pk

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.may(request, self.update_action)
        return self.may_edit_nested(request, obj)

    def has_sign_permission(self, request):
        return self.may(request, self.sign_action)

    def get_readonly_fields(self, request, obj=None):
        fields = [name for fieldset in self.get_fieldsets(request, obj) for name in fieldset[1]["fields"]]
        return [name for name in fields if name not in self.editable_fields and name != "loaded_version"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(title, {"fields": list(fields)}) for title, fields in self.layout]
        if obj is not None and self.has_change_permission(request, obj):
            fieldsets[0][1]["fields"].append("loaded_version")
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        admin_self = self

        class BoundForm(form_class):
            def apply_writes(self):
                return admin_self.write_record(request, self, nested=None)

        return BoundForm

    def save_model(self, request, obj, form, change):
        """Nothing here: the update (with the inlines) happens in save_related."""

    def save_formset(self, request, form, formset, change):
        """Inline formsets are never saved directly; see save_related."""

    def save_related(self, request, form, formsets, change):
        nested = {}
        for formset in formsets:
            if formset.model in self.nested and formset.has_changed():
                keyword, fields = self.nested[formset.model]
                nested[keyword] = formset_rows(formset, fields)
        self.write_record(request, form, nested=nested)

    def write_record(self, request, form, *, nested):
        data = form.cleaned_data
        changes = {field: data[field] for field in form.changed_data if field in self.editable_fields}
        if not changes and not nested:
            return None
        return self.update_service(
            actor=request.user, record=form.instance, expected_version=data.get("loaded_version"),
            **changes, **(nested or {}),
        )

    def _sign_all(self, request, queryset, sign, noun):
        signed = 0
        for record in queryset.select_related("patient").order_by("pk"):
            try:
                sign(actor=request.user, record=record)
            except DomainError as exc:
                # Chart number, not name: messages wait in the server-side session (SessionStorage)
                # until shown, and patient names stay out of stores that outlive the request.
                self.message_user(
                    request, f"{noun} of {record.patient.chart_number} not signed: {refusal_message(exc)}",
                    messages.ERROR,
                )
            else:
                signed += 1
        if signed:
            self.message_user(request, f"Signed {signed} {noun.lower()}(s).", messages.SUCCESS)


# --- sessions -----------------------------------------------------------------------


class TargetedMuscleInline(ClinicScopedInline):
    """Muscles in release order; a draft's list is written whole by ``session_update``."""

    model = TargetedMuscle
    fields = TARGETED_FIELDS
    ordering = ("order",)


class SessionPainInline(ClinicScopedInline):
    model = PainScore
    fk_name = "session"
    fields = SESSION_PAIN_FIELDS
    ordering = ("recorded_at", "moment")
    verbose_name = "pain score (NPRS 0–10)"


class AdverseEventInline(ClinicScopedInline):
    model = AdverseEvent
    fields = ADVERSE_FIELDS


class SessionAddendumInline(ReadOnlyInline):
    """Addenda are append-only; new ones are added from the Addenda page."""

    model = Addendum
    fk_name = "session"
    fields = ("created_at", "author", "text")
    readonly_fields = fields


@admin.register(TreatmentSession)
class TreatmentSessionAdmin(DraftRecordAdmin):
    list_display = (
        "__str__", "patient", "practitioner", "status", "needles_used", "needles_removed", "signed_at",
    )
    list_filter = (
        "status",
        ("practitioner", admin.RelatedOnlyFieldListFilter),
        ("started_at", admin.DateFieldListFilter),
    )
    search_fields = ("patient__chart_number", "patient__family_name")
    list_select_related = ("patient", "practitioner")
    ordering = ("-started_at",)
    inlines = (TargetedMuscleInline, SessionPainInline, AdverseEventInline, SessionAddendumInline)
    actions = ("sign_sessions",)
    update_action = "session.update"
    sign_action = "session.sign"
    editable_fields = SESSION_EDITABLE_FIELDS
    nested = {
        TargetedMuscle: ("targeted_muscles", TARGETED_FIELDS),
        PainScore: ("pain_scores", SESSION_PAIN_FIELDS),
        AdverseEvent: ("adverse_events", ADVERSE_FIELDS),
    }
    layout = (
        (None, ("patient", "number", "practitioner", "assessment", "started_at", "status")),
        ("Sharps count", ("needles_used", "needles_removed", "sharps_discrepancy_note")),
        ("Lung field", ("lung_field_precautions_confirmed",)),
        ("Treatment notes", ("exercises", "notes")),
        ("Warnings", ("warnings",)),
        ("Sign-off", ("signed_at", "signed_by", "signature_digest", "version")),
    )

    @staticmethod
    def update_service(*, record, **kwargs):
        return services.session_update(session=record, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # Only drafts: a signed session is a legal record.
        if obj is not None and obj.status != RecordStatus.DRAFT:
            return False
        if obj is not None and not (request.user.is_superuser or obj.practitioner_id == request.user.pk):
            return False
        return self.may(request, "session.delete", obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "assessment" in form_class.base_fields:
            # A session belongs to a course of care of the same patient.
            form_class.base_fields["assessment"].queryset = Assessment.objects.filter(patient_id=obj.patient_id)
        return form_class

    @admin.display(description="warnings")
    def warnings(self, session):
        found = [] if session._state.adding else session_warnings(session)
        if not found:
            return "None"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((w["message"],) for w in found)))

    def get_deleted_objects(self, objs, request):
        # The nested rows go with their draft through session_delete_draft; their own
        # admin pages never delete, so only the sessions' own permission counts here.
        to_delete, model_count, _, protected = super().get_deleted_objects(objs, request)
        perms_needed = {
            obj._meta.verbose_name for obj in objs if not self.has_delete_permission(request, obj)
        }
        return to_delete, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        services.session_delete_draft(actor=request.user, session=obj)

    def delete_queryset(self, request, queryset):
        for session in queryset:
            services.session_delete_draft(actor=request.user, session=session)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            self.message_user(request, refusal_message(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description="Sign selected sessions", permissions=["sign"])
    def sign_sessions(self, request, queryset):
        self._sign_all(
            request, queryset,
            lambda *, actor, record: services.session_sign(actor=actor, session=record),
            "Session",
        )


# --- assessments ----------------------------------------------------------------------


class FindingInline(ClinicScopedInline):
    model = AssessmentFinding
    fields = FINDING_FIELDS


class PlanInline(ClinicScopedInline):
    """The intended release order; written whole by ``assessment_update``."""

    model = PlanItem
    fields = PLAN_FIELDS
    ordering = ("order",)


class BaselinePainInline(ReadOnlyInline):
    model = PainScore
    fk_name = "assessment"
    fields = ("moment", "score", "region", "recorded_at")
    readonly_fields = fields
    verbose_name = "pain score (NPRS 0–10)"


class AssessmentAddendumInline(ReadOnlyInline):
    model = Addendum
    fk_name = "assessment"
    fields = ("created_at", "author", "text")
    readonly_fields = fields


@admin.register(Assessment)
class AssessmentAdmin(DraftRecordAdmin):
    list_display = ("assessed_at", "patient", "chief_complaint", "segments", "practitioner", "status")
    list_filter = ("status", ("practitioner", admin.RelatedOnlyFieldListFilter))
    search_fields = ("patient__chart_number", "patient__family_name", "chief_complaint")
    list_select_related = ("patient", "practitioner")
    ordering = ("-assessed_at",)
    inlines = (FindingInline, PlanInline, BaselinePainInline, AssessmentAddendumInline)
    actions = ("sign_assessments",)
    update_action = "assessment.update"
    sign_action = "assessment.sign"
    editable_fields = ASSESSMENT_EDITABLE_FIELDS
    nested = {
        AssessmentFinding: ("findings", FINDING_FIELDS),
        PlanItem: ("plan", PLAN_FIELDS),
    }
    layout = (
        (None, ("patient", "practitioner", "assessed_at", "status")),
        ("Assessment", ("chief_complaint", "history", "affected_segments")),
        ("Sign-off", ("signed_at", "signed_by", "signature_digest", "version")),
    )

    @staticmethod
    def update_service(*, record, **kwargs):
        return services.assessment_update(assessment=record, **kwargs)

    @admin.display(description="segments")
    def segments(self, assessment):
        return ", ".join(assessment.affected_segments or ()) or "—"

    @admin.action(description="Sign selected assessments", permissions=["sign"])
    def sign_assessments(self, request, queryset):
        self._sign_all(
            request, queryset,
            lambda *, actor, record: services.assessment_sign(actor=actor, assessment=record),
            "Assessment",
        )


# --- addenda ----------------------------------------------------------------------------


class AddendumForm(ServiceForm):
    def clean(self):
        data = self.cleaned_data
        if bool(data.get("session")) == bool(data.get("assessment")):
            self.add_error(None, "Choose either the signed session or the signed assessment this addendum amends.")
            return data
        return super().clean()


@admin.register(Addendum)
class AddendumAdmin(ClinicScopedAdmin):
    """Append-only: added through ``addendum_create``, never changed or deleted."""

    form = AddendumForm
    list_display = ("created_at", "patient", "amends", "author")
    list_select_related = ("patient", "author", "session", "assessment")
    search_fields = ("patient__chart_number",)
    ordering = ("-created_at",)

    def has_add_permission(self, request, *args):
        return self.may(request, "addendum.create")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("session", "assessment", "text")
        return ("patient", "session", "assessment", "author", "text", "created_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.get_fields(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name in ("session", "assessment"):
            field.queryset = field.queryset.filter(status=RecordStatus.SIGNED).select_related("patient")
        return field

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class BoundAddendumForm(form_class):
            def apply_writes(self):
                data = self.cleaned_data
                return services.addendum_create(
                    actor=request.user, record=data.get("session") or data.get("assessment"), text=data["text"]
                )

        return BoundAddendumForm

    def save_model(self, request, obj, form, change):
        addendum = form.apply_writes()
        for field in Addendum._meta.concrete_fields:
            setattr(obj, field.attname, getattr(addendum, field.attname))
        obj._state.adding = False

    @admin.display(description="amends")
    def amends(self, addendum):
        return addendum.session or addendum.assessment


# --- nested rows, listed on their own (read-only) ----------------------------------------------


@admin.register(AssessmentFinding)
class AssessmentFindingAdmin(ClinicScopedAdmin):
    list_display = ("assessment", "muscle", "side", "taut_band", "tenderness")
    list_select_related = ("assessment", "muscle")
    list_filter = ("taut_band", "tenderness")


@admin.register(PlanItem)
class PlanItemAdmin(ClinicScopedAdmin):
    list_display = ("assessment", "order", "muscle", "side", "rationale")
    list_select_related = ("assessment", "muscle")


@admin.register(TargetedMuscle)
class TargetedMuscleAdmin(ClinicScopedAdmin):
    list_display = ("session", "order", "muscle", "side", "segment", "twitch_response", "outcome")
    list_select_related = ("session", "muscle")
    list_filter = ("twitch_response", "outcome", "side")


@admin.register(PainScore)
class PainScoreAdmin(ClinicScopedAdmin):
    list_display = ("recorded_at", "patient", "moment", "score", "region")
    list_select_related = ("patient",)
    list_filter = ("moment",)
    search_fields = ("patient__chart_number",)


@admin.register(AdverseEvent)
class AdverseEventAdmin(ClinicScopedAdmin):
    list_display = ("session", "kind", "severity", "notes")
    list_select_related = ("session",)
    list_filter = ("kind", "severity")
