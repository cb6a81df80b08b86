"""Login protection glue: django-axes lockout for every login that comes with a request."""

from axes.backends import AxesStandaloneBackend

__all__ = ["LockoutBackend", "lockout_response"]


class LockoutBackend(AxesStandaloneBackend):
    """Refuses logins for a locked-out username and address (django-axes).

    Every login over HTTP passes the request (the login page, the admin, the API's token
    endpoint), and that is where password guessing happens. Logins without a request (a
    shell, a management command, the test client's ``login()``) cannot be attributed to a
    client address, so they are left to the next backend rather than failing outright.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out login gets: 429 with Retry-After; the API's JSON error shape under /api/.

    The username is not echoed back, so the response tells a guesser nothing new.
    """
    from axes.helpers import get_cool_off
    from django.http import HttpResponse, JsonResponse

    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    minutes = max(1, -(-seconds // 60))
    message = f"Too many failed logins. This account is locked for {minutes} minutes from this address."
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"error": {"status": 429, "code": "locked_out", "message": message}}, status=429
        )
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    if seconds:
        response["Retry-After"] = str(seconds)
    return response

