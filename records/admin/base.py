"""What every admin page of the clinical record shares: clinic scoping, policy-backed
permissions, and writes that go through :mod:`records.services`.

Clinic admins have no Django model permissions at all: what they may see and do comes
from :mod:`records.policy` (the same role table the API and the pages use), and what
they see is limited to their own clinic — in change lists, change pages and the
choices of every foreign-key dropdown. Superusers see every clinic.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import construct_change_message
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.http import HttpResponseRedirect

from records import policy
from records.access_log import note_read
from records.choices import Role
from records.exceptions import DomainError, InvalidInput
from records.models import Clinic, Muscle

__all__ = [
    "ClinicScopedAdmin",
    "ClinicScopedInline",
    "ReadOnlyInline",
    "ServiceForm",
    "dry_run",
    "formset_rows",
    "is_admin_user",
    "scoped_choices",
]


def is_admin_user(user) -> bool:
    """Superusers, and active staff accounts whose clinic role is clinic admin."""
    if user is None or not user.is_active or not user.is_staff:
        return False
    return user.is_superuser or policy.role_of(user) == Role.CLINIC_ADMIN


def scoped_choices(model, user) -> models.QuerySet | None:
    """The rows of ``model`` a non-superuser may pick in a dropdown, or None for "no limit"."""
    if user.is_superuser or model is Muscle:
        return None
    clinic = policy.clinic_of(user)
    manager = model._default_manager
    if clinic is None:
        return manager.none()
    if model is Clinic:
        return manager.filter(pk=clinic.pk)
    if model is get_user_model():
        return manager.filter(membership__clinic=clinic)
    if any(field.name == "clinic" for field in model._meta.get_fields()):
        return manager.filter(clinic=clinic)
    return manager.none()


class _Rollback(Exception):
    """Raised to undo a dry run."""


def dry_run(call) -> DomainError | None:
    """Run a service call inside a savepoint that is always rolled back.

    The admin form uses it to show a service's refusals as form errors before anything
    is written, without repeating the service's validation here.
    """
    try:
        with transaction.atomic():
            call()
            raise _Rollback
    except _Rollback:
        return None
    except DomainError as exc:
        return exc


class ServiceForm(forms.ModelForm):
    """A model form whose ``clean()`` dry-runs the service write it will end in.

    ``loaded_version`` carries the row version the page was opened with, so saving a
    stale page is refused (``StaleVersion``) instead of silently overwriting.
    """

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # Set per request by the ModelAdmin's get_form(): a method doing every write the form makes.
    apply_writes = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding and hasattr(self.instance, "version"):
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if not self.errors and self.apply_writes is not None:
            refusal = dry_run(self.apply_writes)
            if refusal is not None:
                self.add_refusal(refusal)
        return cleaned

    def add_refusal(self, refusal: DomainError) -> None:
        if isinstance(refusal, InvalidInput):
            for path, problems in refusal.errors.items():
                if path in self.fields:
                    self.add_error(path, problems)
                else:
                    self.add_error(None, [f"{path}: {problem}" for problem in problems])
        else:
            self.add_error(None, refusal.message)


def formset_rows(formset, fields) -> list[dict]:
    """The rows an inline formset would leave behind, as service input dicts (in form order)."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or (formset.can_delete and formset._should_delete_form(form)):
            continue
        rows.append({field: data[field] for field in fields if field in data})
    return rows


class ClinicScopedMixin:
    """Scoping and permissions for admin classes and inlines.

    ``view_action`` is the policy action that lets a user see the rows. Add, change and
    delete are refused unless a subclass allows them (and then write through a service).
    """

    view_action = "record.read"

    def clinic_id_of(self, obj):
        return obj.clinic_id

    def scope_queryset(self, request, queryset):
        user = request.user
        if user.is_superuser:
            return queryset
        clinic = policy.clinic_of(user) if is_admin_user(user) else None
        if clinic is None:
            return queryset.none()
        return queryset.filter(clinic=clinic)

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def in_scope(self, request, obj) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        clinic = policy.clinic_of(request.user)
        return clinic is not None and self.clinic_id_of(obj) == clinic.pk

    def may(self, request, action: str, obj=None) -> bool:
        """True when the user may use the admin, the role table allows ``action`` and ``obj`` is theirs."""
        return is_admin_user(request.user) and policy.allowed(request.user, action) and self.in_scope(request, obj)

    def has_module_permission(self, request):
        return is_admin_user(request.user)

    def has_view_permission(self, request, obj=None):
        return self.may(request, self.view_action, obj)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = scoped_choices(db_field.remote_field.model, request.user)
        if queryset is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ClinicScopedAdmin(ClinicScopedMixin, admin.ModelAdmin):
    """A ModelAdmin over one clinic's rows whose writes go through services.

    A service refusal that surfaces only at save time (a rule, a concurrent change) is
    shown as an error message; the admin's transaction has already rolled everything back.
    """

    list_per_page = 50
    # The access log: how a row reaches its patient ("pk", "patient_id", "session__patient_id" …),
    # found from the model's fields; None for rows that are not a patient's data.
    access_log = True

    def patient_lookup(self) -> str | None:
        if not self.access_log:
            return None
        names = {f.name for f in self.model._meta.get_fields()}
        if self.model._meta.model_name == "patient":
            return "pk"
        for relation in ("patient", "session", "assessment"):
            if relation in names:
                return "patient_id" if relation == "patient" else f"{relation}__patient_id"
        return None

    def note_patients_of(self, request, pks, what: str, object_id: str = "") -> None:
        """Tell the access log which patients the rows ``pks`` belong to (one query)."""
        lookup = self.patient_lookup()
        if lookup is None or not pks:
            return
        patients = self.model._default_manager.filter(pk__in=list(pks)).values_list(lookup, flat=True)
        note_read(actor=request.user, patients=list(patients), what=what, object_id=object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200:
            # Inlines are part of this page: their rows are the same patient's.
            self.note_patients_of(request, [object_id], f"admin_{self.model._meta.model_name}", str(object_id))
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200:
            self.note_patients_of(request, [object_id], f"admin_{self.model._meta.model_name}_history", str(object_id))
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", None) and response.context_data.get("cl")
        if response.status_code == 200 and changelist is not None:
            pks = [row.pk for row in changelist.result_list]
            self.note_patients_of(request, pks, f"admin_{self.model._meta.model_name}_list")
        return response

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "autocomplete":
            # The autocomplete answers 20 rows a page (AutocompleteJsonView.paginate_by).
            page = int(request.GET.get("page", "1")) if request.GET.get("page", "1").isdigit() else 1
            pks = list(queryset.order_by(*queryset.query.order_by or ["pk"]).values_list("pk", flat=True)[
                (page - 1) * 20 : page * 20
            ])
            self.note_patients_of(request, pks, f"admin_{self.model._meta.model_name}_autocomplete")
        return queryset, may_have_duplicates

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, refusal_message(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def construct_change_message(self, request, form, formsets, add=False):
        # Inline formsets are written by services, not saved by the admin, so the
        # admin's own log lists the form's fields only; the audit trail has the detail.
        return construct_change_message(form, [], add)


def refusal_message(exc: DomainError) -> str:
    if isinstance(exc, InvalidInput):
        return "; ".join(f"{path}: {' '.join(problems)}" for path, problems in exc.errors.items())
    return exc.message


class ClinicScopedInline(ClinicScopedMixin, admin.TabularInline):
    """An inline whose rows are the clinic's; editable only when the parent admin says so."""

    extra = 0

    def parent_admin(self):
        return self.admin_site.get_model_admin(self.parent_model)

    def _parent_editable(self, request, obj) -> bool:
        parent = self.parent_admin()
        return parent.may_edit_nested(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._parent_editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._parent_editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._parent_editable(request, obj)


class ReadOnlyInline(ClinicScopedMixin, admin.TabularInline):
    """An inline that only shows rows (their changes go through a service-backed form or action)."""

    extra = 0
    can_delete = False
    show_change_link = False
