"""``outcome-instruments/``, ``outcome-responses/``, ``objective-measures/``, ``reports/outcomes/`` (DESIGN §12)."""

import csv
import datetime as dt
import io
import json

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from api.filters_outcomes import ObjectiveMeasureFilter, OutcomeResponseFilter
from api.serializers.outcomes import (
    ObjectiveMeasureCreateSerializer,
    ObjectiveMeasureSerializer,
    OutcomeInstrumentSerializer,
    OutcomeReportSerializer,
    OutcomeResponseCreateSerializer,
    OutcomeResponseSerializer,
)
from records import policy
from records.models import ObjectiveMeasure, OutcomeInstrument, OutcomeResponse
from records.outcome_report import outcome_report
from records.services import objective_measure_record, outcome_response_record

from .base import ClinicViewSet

__all__ = ["ObjectiveMeasureViewSet", "OutcomeInstrumentViewSet", "OutcomeReportView", "OutcomeResponseViewSet",
           "report_csv"]


class OutcomeInstrumentViewSet(mixins.ListModelMixin, ClinicViewSet):
    """The questionnaires your clinic can use: those that ship, and those it loaded under its own licence."""

    serializer_class = OutcomeInstrumentSerializer
    queryset = OutcomeInstrument.objects.none()  # for the schema; get_queryset answers
    pagination_class = None
    filterset_class = None
    policy_actions = {"list": "record.read"}

    def get_queryset(self):
        rows = list(OutcomeInstrument.objects.filter(clinic__in=[self.clinic]).order_by("code")) + list(
            OutcomeInstrument.objects.filter(clinic__isnull=True).order_by("code")
        )
        # A clinic's own copy of an instrument takes the place of the shipped one.
        seen, result = set(), []
        for row in rows:
            if row.code not in seen:
                seen.add(row.code)
                result.append(row)
        return sorted(result, key=lambda row: row.code)


class _PatientDataViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClinicViewSet):
    """Lists and details of patient data. The view base notes the patients each answer
    names (its ``patient`` key) for the request's one access-log event."""

    view_name: str


@extend_schema_view(
    list=extend_schema(summary="List questionnaire responses (logged as views)"),
    create=extend_schema(request=OutcomeResponseCreateSerializer, responses={201: OutcomeResponseSerializer},
                         summary="Record answers to an instrument; the server computes the score"),
)
class OutcomeResponseViewSet(_PatientDataViewSet):
    """Patients' answers to outcome questionnaires, scored by the server."""

    serializer_class = OutcomeResponseSerializer
    filterset_class = OutcomeResponseFilter
    ordering = ("-recorded_at", "-id")
    view_name = "outcomeresponse"
    policy_actions = {"list": "record.read", "retrieve": "record.read", "create": "outcome.create"}

    def get_queryset(self):
        return OutcomeResponse.objects.filter(clinic=self.clinic).select_related("instrument")

    def create(self, request, *args, **kwargs):
        data = self.validated(OutcomeResponseCreateSerializer)
        response = outcome_response_record(actor=request.user, **data)
        body = self.get_serializer(self.get_queryset().get(pk=response.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List objective measures (logged as views)"),
    create=extend_schema(request=ObjectiveMeasureCreateSerializer, responses={201: ObjectiveMeasureSerializer},
                         summary="Record a pressure-pain threshold or a range of motion"),
)
class ObjectiveMeasureViewSet(_PatientDataViewSet):
    """Pressure-pain thresholds and ranges of motion of your clinic's patients."""

    serializer_class = ObjectiveMeasureSerializer
    filterset_class = ObjectiveMeasureFilter
    ordering = ("-recorded_at", "-id")
    view_name = "objectivemeasure"
    policy_actions = {"list": "record.read", "retrieve": "record.read", "create": "measure.create"}

    def get_queryset(self):
        return ObjectiveMeasure.objects.filter(clinic=self.clinic).select_related("muscle")

    def create(self, request, *args, **kwargs):
        data = self.validated(ObjectiveMeasureCreateSerializer)
        measure = objective_measure_record(actor=request.user, **data)
        body = self.get_serializer(self.get_queryset().get(pk=measure.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class ReportQuerySerializer(serializers.Serializer):
    # "from" is a Python keyword: the field is renamed in to_internal_value.
    to = serializers.DateField()
    practitioner = serializers.IntegerField(required=False, min_value=1)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField()
        return fields

    def validate(self, attrs):
        if attrs["from"] > attrs["to"]:
            raise ValidationError({"to": ["The period ends before it starts."]})
        if attrs["to"] - attrs["from"] > dt.timedelta(days=3 * 366):
            raise ValidationError({"to": ["A report covers at most three years."]})
        return attrs


def _report_query(request) -> dict:
    serializer = ReportQuerySerializer(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    query = dict(serializer.validated_data)
    practitioner = query.get("practitioner")
    clinic = policy.clinic_of(request.user)
    if practitioner is not None and not get_user_model().objects.filter(
        pk=practitioner, membership__clinic=clinic
    ).exists():
        raise ValidationError({"practitioner": ["No such practitioner in your clinic."]})
    return query


def report_csv(report: dict) -> str:
    """The report as CSV: one row per figure (``section``, ``key``, ``count``, ``total``, ``rate``, ``ci95_low``,
    ``ci95_high``, ``reference_rate``)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "count", "total", "rate", "ci95_low", "ci95_high", "reference_rate"])
    writer.writerow(["period", f"{report['period']['from']}..{report['period']['to']}", "", "", "", "", "", ""])
    writer.writerow(["treatments", "", report["treatments"], "", "", "", "", ""])
    for kind, figure in report["adverse_events"].items():
        writer.writerow(["adverse_events", kind, figure["count"], report["treatments"], f"{figure['rate']:.4f}",
                         f"{figure['ci95'][0]:.4f}", f"{figure['ci95'][1]:.4f}",
                         "" if figure["reference_rate"] is None else figure["reference_rate"]])
    writer.writerow(["courses", "", report["courses"], "", "", "", "", ""])
    for key in ("mcid_reached", "immediate_relief", "sharps_discrepancies"):
        figure = report[key]
        total = report["courses"] if key == "mcid_reached" else (
            figure.get("sessions_with_both_scores", report["treatments"]))
        writer.writerow([key, "", figure["count"], total, f"{figure['rate']:.4f}", f"{figure['ci95'][0]:.4f}",
                         f"{figure['ci95'][1]:.4f}", ""])
    for row in report["responders_by_session"]:
        writer.writerow(["responders_by_session", row["session"], row["count"], report["courses"],
                         f"{row['rate']:.4f}", "", "", ""])
    median = report["median_sessions_to_mcid"]
    writer.writerow(["median_sessions_to_mcid", "", "" if median is None else median, "", "", "", "", ""])
    for row in report["instruments"]:
        writer.writerow(["instrument_responders", row["code"], row["responders"], row["courses"],
                         f"{row['rate']:.4f}", f"{row['ci95'][0]:.4f}", f"{row['ci95'][1]:.4f}", ""])
    return out.getvalue()


class CsvRenderer(BaseRenderer):
    """Lets ``?format=csv`` and ``Accept: text/csv`` through content negotiation; the view writes the CSV."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # The view answers with the CSV itself; what reaches here is an error document.
        return data if isinstance(data, bytes | str) else json.dumps(data, default=str).encode()


class OutcomeReportView(APIView):
    """The clinic outcome report (clinic admins and physiotherapists, own clinic)."""

    policy_actions = {"GET": "outcome_report.read"}
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, CsvRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", dt.date, required=True, description="First day (clinic's time zone)."),
            OpenApiParameter("to", dt.date, required=True, description="Last day, included."),
            OpenApiParameter("practitioner", int, required=False, description="One practitioner's user id."),
            OpenApiParameter("format", str, required=False, enum=["json", "csv"], description="`csv` to export."),
        ],
        responses=OutcomeReportSerializer,
        summary="Clinic outcome report: treatments, adverse-event rates, MCID, responders (fractions 0–1)",
    )
    def get(self, request):
        query = _report_query(request)
        report = outcome_report(
            policy.clinic_of(request.user), date_from=query["from"], date_to=query["to"],
            practitioner_id=query.get("practitioner"),
        )
        if request.accepted_renderer.format == "csv":
            response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="outcomes-{query["from"]}-{query["to"]}.csv"'
            response["Cache-Control"] = "no-store"
            return response
        return Response(report)
