"""Webhook endpoints for clinic admins: register, see deliveries, replay, rotate, enable, remove.

The secret is shown once, in the answer to the POST that made it (never stored in the
session or a flash message). The same services as the API do every write.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from events import webhooks
from events.models import WebhookDelivery, WebhookEndpoint
from events.outbox import WEBHOOK_EVENT_TYPES
from records.exceptions import DomainError, InvalidInput
from web.access import clinic_view, require

__all__ = ["webhook_banner", "webhook_detail", "webhook_list"]

DELIVERIES_SHOWN = 50


class EndpointForm(forms.Form):
    url = forms.CharField(label="Receiver URL (https)", max_length=2000,
                          widget=forms.URLInput(attrs={"placeholder": "https://example.org/ims-webhooks"}))
    events = forms.MultipleChoiceField(choices=[(e, e) for e in WEBHOOK_EVENT_TYPES],
                                       widget=forms.CheckboxSelectMultiple, label="Events")
    description = forms.CharField(max_length=500, required=False)


def _clinic_endpoint(request, pk) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint.objects.filter(clinic=request.clinic), pk=pk)


@clinic_view
def webhook_list(request):
    require(request, "webhook.manage")
    form = EndpointForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = webhooks.endpoint_create(actor=request.user, clinic=request.clinic, **form.cleaned_data)
            form = EndpointForm()
        except InvalidInput as exc:
            for path, errors in exc.errors.items():
                for error in errors:
                    form.add_error(path if path in form.fields else None, error)
    endpoints = WebhookEndpoint.objects.filter(clinic=request.clinic).order_by("created_at")
    status = 200 if request.method == "GET" or created else 400
    return render(request, "web/webhooks.html", {"form": form, "endpoints": endpoints, "created": created},
                  status=status)


@clinic_view
def webhook_detail(request, pk):
    require(request, "webhook.manage")
    endpoint = _clinic_endpoint(request, pk)
    new_secret = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "rotate":
                endpoint = webhooks.endpoint_rotate_secret(actor=request.user, endpoint=endpoint, overlap_hours=24)
                new_secret = endpoint.secret
            elif action in ("enable", "disable"):
                endpoint = webhooks.endpoint_update(actor=request.user, endpoint=endpoint,
                                                    is_active=action == "enable")
                messages.success(request, f"Endpoint {'enabled' if endpoint.is_active else 'disabled'}.")
                return redirect("web:webhook_detail", pk=endpoint.pk)
            elif action == "replay":
                delivery = get_object_or_404(WebhookDelivery, pk=request.POST.get("delivery"), endpoint=endpoint)
                webhooks.delivery_replay(actor=request.user, delivery=delivery)
                messages.success(request, "Delivery queued to be sent again.")
                return redirect("web:webhook_detail", pk=endpoint.pk)
            elif action == "delete":
                webhooks.endpoint_delete(actor=request.user, endpoint=endpoint)
                messages.success(request, "Endpoint removed.")
                return redirect("web:webhook_list")
        except (DomainError, ValueError) as exc:
            messages.error(request, str(exc))
            return redirect("web:webhook_detail", pk=endpoint.pk)
    deliveries = (WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event")
                  .order_by("-created_at")[:DELIVERIES_SHOWN])
    return render(request, "web/webhook_detail.html",
                  {"endpoint": endpoint, "deliveries": deliveries, "new_secret": new_secret})


@clinic_view
def webhook_banner(request):
    """The warning every page loads for clinic admins: endpoints disabled after failing."""
    if not webhooks_allowed(request):
        return render(request, "web/_webhook_banner.html", {"disabled": []})
    disabled = list(WebhookEndpoint.objects.filter(clinic=request.clinic, is_active=False,
                                                   disabled_reason__startswith="Failing"))
    return render(request, "web/_webhook_banner.html", {"disabled": disabled})


def webhooks_allowed(request) -> bool:
    from records.policy import allowed

    return allowed(request.user, "webhook.manage")

