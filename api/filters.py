"""django-filter FilterSets of the API lists (one per resource)."""

import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_filters.fields import IsoDateTimeField, IsoDateTimeRangeField, RangeField

from records.choices import AuditAction, PainMoment, RecordStatus, Segment, TwitchResponse
from records.models import Assessment, AuditEvent, Muscle, PainScore, Patient, TargetedMuscle, TreatmentSession
from records.selectors import muscles_for_segments
from records.services.audit import events_naming_patient

__all__ = [
    "AssessmentFilter",
    "AuditEventFilter",
    "MuscleFilter",
    "PainScoreFilter",
    "PatientFilter",
    "SessionFilter",
]

class UtcIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 date-times, converted to UTC: PostgreSQL refuses odd offsets such as -16:29."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is None or timezone.is_naive(result):
            return result
        try:
            return result.astimezone(dt.UTC)
        except OverflowError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc


class UtcIsoDateTimeRangeField(IsoDateTimeRangeField):
    def __init__(self, *args, **kwargs):
        RangeField.__init__(self, (UtcIsoDateTimeField(), UtcIsoDateTimeField()), *args, **kwargs)


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class UtcIsoDateTimeFromToRangeFilter(django_filters.IsoDateTimeFromToRangeFilter):
    field_class = UtcIsoDateTimeRangeField


UPDATED_SINCE_HELP = "Only rows changed at or after this time (ISO 8601), for incremental sync."


class PatientFilter(django_filters.FilterSet):
    """``search`` over names and chart number; archived patients only with ``archived``."""

    search = django_filters.CharFilter(
        method="filter_search", help_text="Words matched against names and chart number."
    )
    archived = django_filters.ChoiceFilter(
        method="filter_archived",
        choices=[("false", "active only (default)"), ("true", "archived only"), ("all", "both")],
        help_text="Archived patients are hidden unless `archived=true` (only them) or `archived=all`.",
    )
    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE_HELP
    )

    class Meta:
        model = Patient
        fields = []

    def filter_queryset(self, queryset):
        # Without an explicit ``archived`` the list shows active patients only.
        if not self.form.cleaned_data.get("archived"):
            queryset = queryset.filter(archived_at__isnull=True)
        return super().filter_queryset(queryset)

    def filter_archived(self, queryset, name, value):
        if value == "true":
            return queryset.filter(archived_at__isnull=False)
        if value == "false":
            return queryset.filter(archived_at__isnull=True)
        return queryset

    def filter_search(self, queryset, name, value):
        for word in value.split()[:5]:
            queryset = queryset.filter(
                Q(given_name__icontains=word) | Q(family_name__icontains=word) | Q(chart_number__icontains=word)
            )
        return queryset


class MuscleFilter(django_filters.FilterSet):
    segment = django_filters.ChoiceFilter(
        choices=Segment.choices, method="filter_segment", help_text="Muscles of this root level's myotome, e.g. L5."
    )
    region = django_filters.CharFilter(field_name="region", lookup_expr="iexact")
    search = django_filters.CharFilter(
        method="filter_search",
        help_text="Name, slug, clinical abbreviation or synonym (`QL`, `glut med`, `VMO`), misspellings within "
        "one letter; best match first (then not paginated: every match in one page).",
    )

    class Meta:
        model = Muscle
        fields = []

    def filter_segment(self, queryset, name, value):
        return queryset.filter(pk__in=muscles_for_segments([value]).values("pk"))

    def filter_search(self, queryset, name, value):
        # Ranked in Python over the (small, global) catalogue: see MuscleViewSet.list.
        return queryset


class AssessmentFilter(django_filters.FilterSet):
    patient = django_filters.UUIDFilter(field_name="patient_id")
    status = django_filters.ChoiceFilter(choices=RecordStatus.choices)
    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE_HELP
    )

    class Meta:
        model = Assessment
        fields = []


class SessionFilter(django_filters.FilterSet):
    """Sessions by patient, practitioner, status, start time, muscle and twitch response."""

    patient = django_filters.UUIDFilter(field_name="patient_id")
    practitioner = django_filters.NumberFilter(field_name="practitioner_id", help_text="The practitioner's user id.")
    status = django_filters.ChoiceFilter(choices=RecordStatus.choices)
    started = UtcIsoDateTimeFromToRangeFilter(
        field_name="started_at", help_text="`started_after` / `started_before` (ISO 8601)."
    )
    muscle = django_filters.UUIDFilter(method="filter_targets", help_text="Sessions in which this muscle was needled.")
    twitch_response = django_filters.ChoiceFilter(
        choices=TwitchResponse.choices, method="filter_targets",
        help_text="Sessions with a muscle that responded so (with `muscle`: that muscle).",
    )
    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE_HELP
    )

    class Meta:
        model = TreatmentSession
        fields = []

    def filter_targets(self, queryset, name, value):
        # muscle and twitch_response describe the same targeted row, so they are applied
        # together in one EXISTS (no join, no duplicates, no DISTINCT).
        if name == "twitch_response" and self.form.cleaned_data.get("muscle"):
            return queryset  # handled with the muscle
        conditions = {}
        muscle = self.form.cleaned_data.get("muscle")
        twitch = self.form.cleaned_data.get("twitch_response")
        if muscle:
            conditions["muscle_id"] = muscle
        if twitch:
            conditions["twitch_response"] = twitch
        return queryset.filter(Exists(TargetedMuscle.objects.filter(session=OuterRef("pk"), **conditions)))


class PainScoreFilter(django_filters.FilterSet):
    patient = django_filters.UUIDFilter(field_name="patient_id")
    session = django_filters.UUIDFilter(field_name="session_id")
    moment = django_filters.ChoiceFilter(choices=PainMoment.choices)
    recorded = UtcIsoDateTimeFromToRangeFilter(
        field_name="recorded_at", help_text="`recorded_after` / `recorded_before` (ISO 8601)."
    )
    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE_HELP
    )

    class Meta:
        model = PainScore
        fields = []


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(choices=AuditAction.choices)
    actor = django_filters.CharFilter(field_name="actor_username", help_text="The acting user's username.")
    patient = django_filters.UUIDFilter(
        method="filter_patient", help_text="Events about this patient, list reads naming them included."
    )
    object_type = django_filters.CharFilter()
    at = UtcIsoDateTimeFromToRangeFilter(help_text="`at_after` / `at_before` (ISO 8601).")

    def filter_patient(self, queryset, name, value):
        return queryset.filter(events_naming_patient(value))

    class Meta:
        model = AuditEvent
        fields = []
