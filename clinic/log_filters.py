"""Logging filters that keep patient data out of the logs (configured in settings.LOGGING).

Kept free of Django imports: logging is configured before the apps are loaded.
"""

import logging

__all__ = ["RouteOnlyFilter"]


class RouteOnlyFilter(logging.Filter):
    """Logs a request's URL pattern instead of its path (``django.request`` logs the path).

    Paths of this application carry only ids, but anyone can type a URL with a patient's
    name in it; the route pattern says as much for debugging and nothing about patients.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if path and isinstance(record.args, tuple):
            match = getattr(request, "resolver_match", None)
            route = f"/{match.route}" if match is not None and match.route else "(unmatched path)"
            record.args = tuple(route if arg == path else arg for arg in record.args)
        return True
