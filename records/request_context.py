"""The request an action happens in, for the audit trail (request id and route)."""

import contextvars
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

__all__ = ["RequestContextMiddleware", "current_request_id", "current_route", "source"]

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_route: contextvars.ContextVar[str] = contextvars.ContextVar("route", default="")

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")  # anything else is replaced by our own


def current_request_id() -> str:
    return _request_id.get()


def current_route() -> str:
    return _route.get()


class source:  # noqa: N801 - used as a context manager, reads like a keyword
    """Marks work done outside a request (a management command) for the audit trail."""

    def __init__(self, route: str):
        self.route = route

    def __enter__(self):
        self._token = _route.set(self.route)
        self._rid = _request_id.set(uuid.uuid4().hex)
        return self

    def __exit__(self, *exc):
        _route.reset(self._token)
        _request_id.reset(self._rid)


class RequestContextMiddleware:
    """Gives each request an id (or keeps a sane X-Request-ID) and records its route.

    The route is the URL pattern, never the path, so no patient identifier or search
    term ends up in the audit trail's route column.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        rid_token = _request_id.set(request_id)
        route_token = _route.set(request.method or "")
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(rid_token)
            _route.reset(route_token)
        response["X-Request-ID"] = request_id
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        if match is not None:
            _route.set(f"{request.method} /{match.route}")
        return None
