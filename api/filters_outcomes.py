"""django-filter FilterSets of the outcome lists (DESIGN §12)."""

import django_filters

from api.filters import UPDATED_SINCE_HELP, UtcIsoDateTimeFilter, UtcIsoDateTimeFromToRangeFilter
from records.choices import MeasureKind
from records.models import ObjectiveMeasure, OutcomeResponse

__all__ = ["ObjectiveMeasureFilter", "OutcomeResponseFilter"]


class OutcomeResponseFilter(django_filters.FilterSet):
    patient = django_filters.UUIDFilter(field_name="patient_id")
    session = django_filters.UUIDFilter(field_name="session_id")
    assessment = django_filters.UUIDFilter(field_name="assessment_id")
    instrument = django_filters.CharFilter(field_name="instrument__code", help_text="An instrument code, e.g. psfs.")
    recorded = UtcIsoDateTimeFromToRangeFilter(
        field_name="recorded_at", help_text="`recorded_after` / `recorded_before` (ISO 8601)."
    )
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE_HELP)

    class Meta:
        model = OutcomeResponse
        fields = []


class ObjectiveMeasureFilter(django_filters.FilterSet):
    patient = django_filters.UUIDFilter(field_name="patient_id")
    session = django_filters.UUIDFilter(field_name="session_id")
    assessment = django_filters.UUIDFilter(field_name="assessment_id")
    kind = django_filters.ChoiceFilter(choices=MeasureKind.choices)
    muscle = django_filters.UUIDFilter(field_name="muscle_id")
    recorded = UtcIsoDateTimeFromToRangeFilter(
        field_name="recorded_at", help_text="`recorded_after` / `recorded_before` (ISO 8601)."
    )
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE_HELP)

    class Meta:
        model = ObjectiveMeasure
        fields = []
