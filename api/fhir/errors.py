"""Every refusal of the facade as an ``OperationOutcome`` with the matching HTTP status."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

__all__ = ["InvalidSearch", "ResourceNotFound", "fhir_exception_handler", "operation_outcome"]

logger = logging.getLogger(__name__)

# HTTP status → OperationOutcome.issue.code (http://hl7.org/fhir/issue-type).
ISSUE_CODE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    413: "too-costly",
    415: "not-supported",
    429: "throttled",
}


class ResourceNotFound(exceptions.NotFound):
    default_detail = "No such resource in your clinic."


class InvalidSearch(exceptions.ValidationError):
    """A search parameter the facade does not support, or a malformed value (400)."""


def operation_outcome(message: str, *, code: str = "processing", severity: str = "error") -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": message}],
    }


def _message(exc) -> str:
    detail = getattr(exc, "detail", None)
    if isinstance(detail, list):
        return " ".join(str(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(f"{key}: {value}" for key, value in detail.items())
    return str(detail if detail is not None else exc)


def fhir_exception_handler(exc, context):
    """DRF's handling (status, ``WWW-Authenticate``, ``Retry-After``) with a FHIR body."""
    if isinstance(exc, Http404):
        exc = ResourceNotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None and getattr(settings, "FHIR_VALIDATE_RESPONSES", settings.DEBUG):
        return None  # development: let the error (e.g. an invalid resource) surface loudly
    if response is None:
        # Anything unexpected is still FHIR: a 500 OperationOutcome, never an HTML page (the
        # log keeps the trace, with the request id the client can quote).
        logger.exception("FHIR request failed", exc_info=exc)
        return Response(
            operation_outcome("The server failed to answer; the error is logged.", code="exception", severity="fatal"),
            status=500,
        )
    code = ISSUE_CODE.get(response.status_code, "processing")
    return Response(
        operation_outcome(_message(exc), code=code),
        status=response.status_code,
        headers={key: value for key, value in response.items() if key in ("WWW-Authenticate", "Retry-After")},
    )
