"""Response headers every API response carries."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

__all__ = ["NoStoreMiddleware"]

# Prefixes whose responses may carry patient data: the REST API and the FHIR facade.
NO_STORE_PREFIXES = ("/api/", "/fhir/")


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on API responses: patient data must not sit in
    browser, proxy or CDN caches."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(NO_STORE_PREFIXES):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
