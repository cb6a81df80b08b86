"""Cursor pagination for every list: stable under inserts, cheap at any depth."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination

__all__ = ["ApiCursorPagination"]


class ApiCursorPagination(CursorPagination):
    """``next``/``previous``/``results``; ``?page_size=`` from 1 to 200 (larger values are capped).

    Views set ``ordering`` (first field positions the cursor; a final ``id`` breaks ties).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param, "").strip()
        if not raw:
            return self.page_size
        if not raw.isdigit() or int(raw) < 1:
            # A typo should not silently page by 50.
            message = f"Expected a whole number from 1 to {self.max_page_size}."
            raise ValidationError({self.page_size_query_param: [message]})
        return min(int(raw), self.max_page_size)

    def get_ordering(self, request, queryset, view):
        ordering = getattr(view, "ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)
