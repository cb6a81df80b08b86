"""Project-wide middleware that belongs to no single app."""

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from records import policy

__all__ = ["ClinicTimeZoneMiddleware"]

# Pages set the zone themselves (web.access.clinic_view); the API and FHIR always answer
# in UTC with an explicit offset, so their representations never depend on who asks.
LOCAL_TIME_PREFIXES = ("/admin/",)


class ClinicTimeZoneMiddleware:
    """The admin shows times in the signed-in user's clinic time zone (``Clinic.timezone``).

    Without it the admin would show the server's zone (``DJANGO_TIME_ZONE``, UTC by
    default) while the pages show the clinic's: one consent at "08:00" and "09:00".
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = None
        user = getattr(request, "user", None)
        if request.path.startswith(LOCAL_TIME_PREFIXES) and user is not None and user.is_authenticated:
            clinic = policy.clinic_of(user)
            if clinic is not None:
                try:
                    zone = ZoneInfo(clinic.timezone)
                except (KeyError, ValueError):
                    zone = None
        if zone is None:
            return self.get_response(request)
        with timezone.override(zone):
            return self.get_response(request)
