"""Adding an addendum to a signed session or assessment, shared by both detail pages."""

from django.contrib import messages
from django.shortcuts import redirect

from records import services
from records.exceptions import DomainError
from web.forms import AddendumForm

__all__ = ["add_addendum"]


def add_addendum(request, record, *, detail_view: str):
    """Append the posted text to ``record`` through the service; back to its detail page."""
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.addendum_create(actor=request.user, record=record, text=form.cleaned_data["text"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Addendum added.")
    else:
        messages.error(request, "An addendum needs some text.")
    return redirect(detail_view, pk=record.pk)
