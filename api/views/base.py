"""The base of every API v1 viewset: clinic scoping, ETags, If-Match, re-reads after writes."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework import status, viewsets
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from api.input_checks import nul_paths, query_nul_paths
from records import policy
from records.access_log import note_read

__all__ = [
    "IF_MATCH", "ClinicViewSet", "PreconditionFailed", "PreconditionRequired", "ReleaseRenderedData", "etag_for",
]

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    location=OpenApiParameter.HEADER,
    required=True,
    description="The `ETag` you read (required: 428 without it; `*` is not enough); the write is refused "
    "with 412 when the record changed since.",
)


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "If-Match does not match the record's current ETag."
    default_code = "precondition_failed"


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = 'This write needs If-Match with the ETag you read, e.g. If-Match: "3" (DESIGN §11).'
    default_code = "precondition_required"


def etag_for(instance) -> str:
    """A record's ETag: its version, which every write bumps."""
    return f'"{instance.version}"'


def _drop_data(response) -> None:
    response.data = None


class ReleaseRenderedData:
    """Lets a response's data go as soon as its bytes are rendered.

    REST framework keeps the view and its response in a reference cycle, so a large
    document (a page of sessions, a FHIR Bundle) would otherwise wait for the cyclic
    garbage collector, whose occasional full passes then free many at once: under load
    that was the long tail of latency (sessions list p99 147 → 99 ms, wrk, README).
    """

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if hasattr(response, "add_post_render_callback"):
            response.add_post_render_callback(_drop_data)
        return response


class ClinicViewSet(ReleaseRenderedData, viewsets.GenericViewSet):
    """Scopes everything to the requesting user's clinic; another clinic's row is a 404.

    Subclasses define ``policy_actions`` (view action → ``records.policy`` action),
    ``get_queryset`` through a selector, and call :meth:`respond` after a write so the
    response is re-read through the optimised queryset.
    """

    policy_actions: dict[str, str] = {}
    # The access log: which key of each returned item names its patient ("id" for the
    # patients themselves); None where the data names no patient (muscles, audit trail).
    # Every successful GET through this base notes the patients it returned (DESIGN §11).
    access_log_key: str | None = "patient"
    # Writes that must name the version they change (If-Match), so no update is lost.
    conditional_actions = frozenset({"update", "partial_update", "destroy", "sign"})

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles first
        bad = query_nul_paths(request.query_params)
        if request.method in ("POST", "PUT", "PATCH"):
            bad += nul_paths(request.data)
        if bad:
            raise ValidationError({path: ["NUL characters are not allowed."] for path in bad})
        if self.action in self.conditional_actions:
            header = request.headers.get("If-Match", "").strip()
            if not header or header == "*":
                raise PreconditionRequired()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and 200 <= response.status_code < 300:
            # A file download is no REST framework Response: its view notes the read itself.
            self.note_access(getattr(response, "data", None))
        return response

    def access_log_name(self) -> str:
        """What the event calls the read: the record kind for a detail, ``<kind>_list`` for a list."""
        name = getattr(self, "view_name", None) or (self.basename or type(self).__name__.lower()).replace("-", "_")
        return name if self.action == "retrieve" else f"{name}_{self.action}"

    def note_access(self, data) -> None:
        key = self.access_log_key
        if key is None or not isinstance(data, dict | list):
            return
        items = data.get("results", [data]) if isinstance(data, dict) else data
        patients = [item.get(key) for item in items if isinstance(item, dict)]
        if patients:
            object_id = str(data.get("id", "")) if isinstance(data, dict) and "results" not in data else ""
            note_read(
                actor=self.request.user, clinic=self.clinic, patients=patients, what=self.access_log_name(),
                object_id=object_id,
            )

    @property
    def clinic(self):
        return policy.clinic_of(self.request.user)

    def get_object(self):
        # Filters (e.g. "archived patients hidden") narrow lists, never detail lookups.
        obj = get_object_or_404(self.get_queryset(), pk=self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        self.check_object_permissions(self.request, obj)
        return obj

    def get_record(self, model, **extra):
        """The row for a write, without the read prefetches (services re-read it under lock)."""
        return get_object_or_404(
            model.objects.filter(clinic=self.clinic, **extra).select_related("clinic"),
            pk=self.kwargs[self.lookup_url_kwarg or self.lookup_field],
        )

    def expected_version(self) -> int | None:
        """The version named by ``If-Match`` (``"3"``, ``W/"3"``); :meth:`initial` has made sure
        there is one on the writes that need it."""
        header = self.request.headers.get("If-Match")
        if header is None or header.strip() in ("", "*"):
            raise PreconditionRequired()
        value = header.strip()
        if value.startswith("W/"):
            value = value[2:]
        value = value.strip().strip('"')
        if not value.isdigit():
            raise PreconditionFailed("If-Match must be an ETag this API sent, e.g. \"3\".")
        return int(value)

    def respond(self, pk, *, status_code=status.HTTP_200_OK, serializer_class=None) -> Response:
        """Re-read a written record through the optimised queryset and answer with its ETag."""
        instance = self.get_queryset().get(pk=pk)
        serializer_class = serializer_class or self.get_serializer_class()
        data = serializer_class(instance, context=self.get_serializer_context()).data
        response = Response(data, status=status_code)
        if hasattr(instance, "version"):
            response["ETag"] = etag_for(instance)
        return response

    def validated(self, serializer_class, *, partial: bool = False) -> dict:
        serializer = serializer_class(data=self.request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)
