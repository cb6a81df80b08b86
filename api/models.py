"""The API keeps no models of its own: tokens live in :mod:`accounts.models` (django-rest-knox)."""

from accounts.models import ApiToken

__all__ = ["ApiToken"]
