"""Cursor pagination for every list: stable under inserts, cheap at any depth."""

from rest_framework.pagination import CursorPagination

__all__ = ["ApiCursorPagination"]


class ApiCursorPagination(CursorPagination):
    """``next``/``previous``/``results``; ``?page_size=`` up to 200.

    Views set ``ordering`` (first field positions the cursor; a final ``id`` breaks ties).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")

    def get_ordering(self, request, queryset, view):
        ordering = getattr(view, "ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)
