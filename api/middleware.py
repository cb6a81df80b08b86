"""What every API response carries, whichever view (or none) produced it."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

__all__ = ["NoStoreMiddleware"]

# Prefixes whose responses may carry patient data: the REST API and the FHIR facade.
NO_STORE_PREFIXES = ("/api/", "/fhir/")


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on API responses (patient data must not sit in browser,
    proxy or CDN caches), and the API's JSON error shape for a 404 of an unknown API URL,
    which Django, not DRF, answers (with an HTML page otherwise)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(NO_STORE_PREFIXES):
            if (
                request.path.startswith("/api/")
                and response.status_code == 404
                and not response.get("Content-Type", "").startswith("application/")
            ):
                response = JsonResponse(
                    {"error": {"status": 404, "code": "not_found", "message": "No such API endpoint."}}, status=404
                )
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
