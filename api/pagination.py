"""Cursor pagination for every list: stable under inserts, cheap at any depth."""

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound, ValidationError
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

    def paginate_queryset(self, queryset, request, view=None):
        self._queryset_model = queryset.model
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            # DRF answers a cursor it cannot decode with 404; it is bad input naming a parameter.
            raise ValidationError({self.cursor_query_param: ["Invalid cursor: use the next/previous links."]}) from exc

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        # A crafted cursor ("p=garbage") must not reach the database as a date or an id.
        model = getattr(getattr(self, "_queryset_model", None), "_meta", None)
        field_name = self.ordering[0].lstrip("-")
        if "\x00" in cursor.position or len(cursor.position) > 100:
            raise NotFound(self.invalid_cursor_message)
        if model is not None:
            try:
                model.get_field(field_name).to_python(cursor.position)
            except (FieldDoesNotExist, DjangoValidationError, ValueError, TypeError):
                raise NotFound(self.invalid_cursor_message) from None
        return cursor
