"""The clinic outcome report page (DESIGN §12): figures with their definitions, and the
cumulative responders curve. Clinic admins and physiotherapists, own clinic."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.utils import timezone

from records.choices import AdverseEventKind, Role
from records.outcome_report import outcome_report
from web.access import clinic_view, require

__all__ = ["outcome_report_page"]


def _date(value: str | None, default: dt.date) -> tuple[dt.date, str]:
    if not value:
        return default, ""
    try:
        return dt.date.fromisoformat(value), ""
    except ValueError:
        return default, "Dates are written YYYY-MM-DD."


@clinic_view
def outcome_report_page(request):
    require(request, "outcome_report.read")
    today = timezone.localdate()
    date_to, error_to = _date(request.GET.get("to"), today)
    date_from, error_from = _date(request.GET.get("from"), date_to - dt.timedelta(days=90))
    error = error_from or error_to
    if date_from > date_to:
        date_from, error = date_to - dt.timedelta(days=90), "The period ends before it starts."
    staff = list(
        get_user_model().objects.filter(membership__clinic=request.clinic, membership__role=Role.PHYSIOTHERAPIST)
        .order_by("last_name", "first_name", "username")
    )
    practitioner = request.GET.get("practitioner") or ""
    chosen = next((user for user in staff if str(user.pk) == practitioner), None)
    report = outcome_report(
        request.clinic, date_from=date_from, date_to=date_to, practitioner_id=chosen.pk if chosen else None
    )
    labels = dict(AdverseEventKind.choices)
    adverse = [
        {"kind": kind, "label": labels[kind], **figure}
        for kind, figure in report["adverse_events"].items()
        if figure["count"] or figure["reference_rate"] is not None
    ]
    curve = {
        "labels": [row["session"] for row in report["responders_by_session"]],
        "rates": [round(row["rate"] * 100, 1) for row in report["responders_by_session"]],
    }
    response = render(
        request,
        "web/outcome_report.html",
        {
            "report": report, "adverse": adverse, "curve": curve, "staff": staff, "chosen": chosen,
            "date_from": date_from, "date_to": date_to, "error": error,
        },
    )
    response["Cache-Control"] = "no-store"
    return response
