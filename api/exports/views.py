"""``GET /api/v1/exports/targeted-muscles.csv``: the research export, streamed."""

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_orjson_renderer.renderers import ORJSONRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer
from rest_framework.views import APIView

from records import policy
from records.exceptions import NotPermitted
from records.exports import COLUMNS, TargetedMuscleExport, audit_export

__all__ = ["TargetedMusclesExportView"]


class CSVRenderer(BaseRenderer):
    """Lets clients ask for ``text/csv``; only refusals are rendered through it (as one line)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        error = (data or {}).get("error", {}) if isinstance(data, dict) else {}
        return f"error,{error.get('code', '')},{error.get('message', '')}\r\n".encode()


class TargetedMusclesExportView(APIView):
    """One row per targeted muscle of the clinic, pseudonymised (see :mod:`records.exports`).

    Clinic admins only (``export.run``); each export writes one ``export`` audit event.
    Authentication, the role check and the error shape are those of the REST API.
    """

    policy_actions = {"GET": "export.run"}
    renderer_classes = [ORJSONRenderer, CSVRenderer]
    pagination_class = None

    @extend_schema(
        operation_id="exports_targeted_muscles_csv",
        summary="Research export of targeted muscles (CSV, pseudonymised)",
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="Columns: " + ", ".join(COLUMNS) + ". One row per targeted muscle; "
                "patient_key is an HMAC of the patient id, never a name or chart number.",
            )
        },
        tags=["exports"],
    )
    def get(self, request):
        clinic = policy.clinic_of(request.user)
        if clinic is None:  # a superuser without membership: an export is always one clinic's
            raise NotPermitted("Exports are per clinic and your account is not a member of one.")
        policy.require(request.user, "export.run", clinic=clinic)
        audit_export(actor=request.user, clinic=clinic, destination="api")
        export = TargetedMuscleExport(clinic)
        response = StreamingHttpResponse(export.chunks(), content_type="text/csv; charset=utf-8")
        filename = f"targeted-muscles-{clinic.slug}-{timezone.localdate().isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
