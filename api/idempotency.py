"""``Idempotency-Key`` on the API's creating POSTs (DESIGN §10).

Decorate a viewset action with :func:`idempotent`. Without the header nothing changes.
With it, the action and the storing of its answer run in one transaction: the first
request's writes and its stored answer commit together, and a retry with the same key
(same user, method and path) receives that answer byte for byte, errors included, and
writes nothing. Another body under the same key is ``422 idempotency_key_reused``.
"""

import functools
import json

from django.db import transaction
from django.http import HttpResponse
from django.http.request import RawPostDataException
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from api.errors import error_body
from idempotency import store

__all__ = ["IDEMPOTENCY_KEY", "idempotent"]

IDEMPOTENCY_KEY = OpenApiParameter(
    store.KEY_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="1–255 characters chosen by the client (a UUID is ideal). Retrying with the same key within "
    "24 h returns the first answer and writes nothing more; another body under the same key is 422.",
)

# Headers of the first answer that a replay repeats (the rest are set per response).
_KEPT_HEADERS = ("Content-Type", "ETag", "Location")


def _refusal(status: int, code: str, message: str, fields: dict | None = None) -> Response:
    return Response(error_body(status, code, message, fields), status=status)


def _as_bytes(view, request, response) -> HttpResponse:
    """Render a REST framework response the way REST framework would, once, as bytes."""
    if isinstance(response, Response):
        response = view.finalize_response(request, response)
        response.render()
    return response


def _replayed(row) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status, content_type=row.headers.get("Content-Type"))
    for name, value in row.headers.items():
        if name != "Content-Type":
            response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(action):
    """Make a POST action answer each ``Idempotency-Key`` once."""

    @functools.wraps(action)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(store.KEY_HEADER)
        if key is None:
            return action(view, request, *args, **kwargs)
        problem = store.key_problem(key)
        if problem:
            return _refusal(400, "invalid", f"{store.KEY_HEADER}: {problem}", {store.KEY_HEADER: [problem]})
        try:
            body = request.body
        except RawPostDataException:
            # The body was already parsed (the view base checks every value for NUL bytes):
            # JSON is hashed from what it parsed to, canonically, as the raw body would be.
            if request.content_type.startswith("application/json"):
                body = json.dumps(request.data, default=str).encode()
            else:  # a multipart form
                body = repr(sorted(request.data.items())).encode()
        body_hash = store.request_hash(body)
        with transaction.atomic():
            try:
                claim = store.claim(
                    user=request.user, method=request.method, path=request.path, key=key, body_hash=body_hash
                )
            except store.KeyReused:
                return _refusal(
                    422, "idempotency_key_reused",
                    f"This {store.KEY_HEADER} was already used with a different request body; use a new key.",
                )
            except store.InProgress:
                return _refusal(
                    409, "idempotency_key_in_progress",
                    f"A request with this {store.KEY_HEADER} is still being processed; retry shortly.",
                )
            if claim.replay:
                return _replayed(claim.row)
            try:
                with transaction.atomic():
                    response = action(view, request, *args, **kwargs)
            except Exception as exc:
                response = view.handle_exception(exc)  # re-raises what the API does not answer
            response = _as_bytes(view, request, response)
            headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
            store.finish(claim.row, status=response.status_code, headers=headers, body=response.content)
        return response

    return wrapper
