"""One JSON error shape for every 4xx, and the mapping of domain errors to HTTP.

Shape (documented in the OpenAPI schema as ``Error``)::

    {"error": {"status": 400, "code": "invalid", "message": "…",
               "fields": {"targeted_muscles[2].muscle": ["Unknown muscle …"]}}}

``fields`` is present only for field errors; paths use ``name[index].name`` with
0-based indexes, exactly as the services report them.
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from records.exceptions import (
    DomainError,
    InvalidInput,
    NotPermitted,
    PayloadTooLarge,
    RuleViolation,
    StaleVersion,
)

__all__ = ["api_exception_handler", "error_body", "flatten_errors"]

logger = logging.getLogger(__name__)


def error_body(status_code: int, code: str, message: str, fields: dict | None = None) -> dict:
    """The error document every API refusal uses."""
    error = {"status": status_code, "code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _join(prefix: str, key) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    if key in ("non_field_errors",) and prefix:
        return prefix
    return f"{prefix}.{key}" if prefix else str(key)


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure → ``{"targeted_muscles[2].muscle": ["msg"]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            for path, messages in flatten_errors(value, _join(prefix, key)).items():
                flat.setdefault(path, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            if detail:
                flat.setdefault(prefix or "non_field_errors", []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                if isinstance(item, dict | list):
                    for path, messages in flatten_errors(item, _join(prefix, index)).items():
                        flat.setdefault(path, []).extend(messages)
                else:
                    flat.setdefault(prefix or "non_field_errors", []).append(str(item))
    else:
        flat.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return flat


def _first_message(fields: dict[str, list[str]]) -> str:
    path, messages = next(iter(fields.items()))
    return f"{path}: {messages[0]}" if path != "non_field_errors" else messages[0]


def _domain_response(exc: DomainError) -> Response:
    if isinstance(exc, InvalidInput):
        return Response(
            error_body(400, exc.code, _first_message(exc.errors), exc.errors), status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, NotPermitted):
        return Response(error_body(403, exc.code, exc.message), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, RuleViolation):
        return Response(error_body(409, exc.code, exc.message), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, StaleVersion):
        return Response(error_body(412, exc.code, exc.message), status=status.HTTP_412_PRECONDITION_FAILED)
    if isinstance(exc, PayloadTooLarge):
        return Response(
            error_body(413, exc.code, exc.message), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        )
    return Response(error_body(400, exc.code, exc.message), status=status.HTTP_400_BAD_REQUEST)


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def api_exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every refusal in the one shape."""
    if isinstance(exc, DomainError):
        return _domain_response(exc)
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body(413, "request_too_large", str(exc)), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, IntegrityError):
        # The services validate first; reaching a database constraint means a race or a
        # gap in validation. The transaction has rolled back, so nothing was saved.
        logger.warning("Database constraint refused an API write: %s", type(exc).__name__)
        return Response(
            error_body(409, "constraint_violation", "The change conflicts with the stored record; nothing was saved."),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_errors(exc.detail)
        response.data = error_body(response.status_code, "invalid", _first_message(fields), fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        message = str(detail) if not isinstance(detail, dict | list) else _first_message(flatten_errors(detail))
        response.data = error_body(response.status_code, _code_of(exc), message)
    return response
