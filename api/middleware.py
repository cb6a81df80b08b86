"""What every API response carries, whichever view (or none) produced it."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

__all__ = ["NoStoreMiddleware"]


# Pages Django (not DRF) renders as HTML for API URLs: an unknown endpoint, and a crash,
# whose page would otherwise show a stack trace in debug mode (the log keeps it).
REPLACED_PAGES = {
    404: ("not_found", "No such API endpoint."),
    500: ("server_error", "The server failed to answer; the error is logged with this request's X-Request-ID."),
}


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response (patient data must not sit in browser,
    proxy or CDN caches, pages included), and the API's JSON error shape where Django, not DRF, answers an
    API URL (unknown endpoint, server error) with an HTML page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in REPLACED_PAGES
            and not response.get("Content-Type", "").startswith("application/")
        ):
            code, message = REPLACED_PAGES[response.status_code]
            status = response.status_code
            response = JsonResponse({"error": {"status": status, "code": code, "message": message}}, status=status)
        # Every answer that reaches here (static files are served before it, by WhiteNoise)
        # may carry patient data, or a page a shared clinic workstation should not keep:
        # pages, the admin, the API and FHIR alike. Nothing is worth caching more than that.
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response
