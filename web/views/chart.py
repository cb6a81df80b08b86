"""The patient chart: progress at a glance (release-order grid, pain chart, body map, timeline)."""

from django.db.models import Prefetch
from django.shortcuts import render
from django.utils import timezone

from records import clinical
from records.access_log import note_read
from records.choices import AdverseEventKind, Outcome, PainMoment, TwitchResponse
from records.models import Assessment, AssessmentFinding, Muscle, PlanItem
from records.selectors import (
    current_consent_among,
    patient_timeline,
    recent_views_of_patient,
    release_order_for_patient,
    signature_states,
)
from records.snapshots import consistent_read
from web.access import clinic_patient, clinic_view, require
from web.bodymap import HEAD, VIEWBOX, body_outline, markers_for
from web.catalogue import segment_range

__all__ = ["patient_chart"]

OUTCOME_SYMBOL = {Outcome.RELEASED: "●", Outcome.PARTIAL: "◐", Outcome.NOT_RELEASED: "○"}


def _grid(order: dict) -> dict:
    """Rows per muscle and side (plan order, then first release); a column per session."""
    sessions = order["sessions"]
    summaries = {(m["muscle"], m["side"]): m for m in order["muscles"]}
    keys = [(p["muscle"], p["side"]) for p in order.get("plan", [])]
    names = {(p["muscle"], p["side"]): p["muscle_name"] for p in order.get("plan", [])}
    planned = {(p["muscle"], p["side"]): p["order"] for p in order.get("plan", [])}
    for key in summaries:
        if key not in names:
            keys.append(key)
            names[key] = summaries[key]["muscle_name"]
    cells = {}
    for column, session in enumerate(sessions):
        for release in session["releases"]:
            cells.setdefault((release["muscle"], release["side"]), {})[column] = release
    rows = []
    seen = set()
    for key in keys:
        if key in seen:
            continue
        seen.add(key)
        summary = summaries.get(key, {})
        row_cells = []
        for column in range(len(sessions)):
            release = cells.get(key, {}).get(column)
            if release:
                release = {
                    **release,
                    "grade": clinical.twitch_grade(release["twitch_response"]),
                    "twitch_label": TwitchResponse(release["twitch_response"]).label,
                    "outcome_label": Outcome(release["outcome"]).label,
                    "outcome_symbol": OUTCOME_SYMBOL[release["outcome"]],
                }
            row_cells.append(release)
        rows.append(
            {
                "name": names[key],
                "side": key[1],
                "planned_order": planned.get(key),
                "lung_field": summary.get("lung_field", False),
                "times": summary.get("times_targeted", 0),
                "fading": summary.get("twitch_fading", False),
                "cells": row_cells,
            }
        )
    return {"sessions": sessions, "rows": rows}


def _pain(timeline: list[dict]) -> dict:
    """NPRS before/after per session, the reference rating and the MCID line."""
    baseline = next((e["score"] for e in timeline if e["type"] == "pain_score" and e["moment"] == PainMoment.BASELINE),
                    None)
    points = []
    for entry in timeline:
        if entry["type"] != "session" or (entry["pain_before"] is None and entry["pain_after"] is None):
            continue
        before, after = entry["pain_before"], entry["pain_after"]
        change = clinical.pain_change(before, after)
        points.append(
            {
                "number": entry["number"],
                "label": f"#{entry['number']} {timezone.localtime(entry['at']):%d %b}",
                "before": before,
                "after": after,
                "change": change,
                "percent": clinical.pain_percent_change(before, change),
                "mcid": clinical.reaches_mcid(before, after),
            }
        )
    reference = baseline if baseline is not None else (points[0]["before"] if points else None)
    threshold = clinical.mcid_threshold(reference)
    return {
        "points": points,
        "reference": reference,
        "reference_is_baseline": baseline is not None,
        "threshold": threshold,
        "json": {
            "labels": [p["label"] for p in points],
            "before": [p["before"] for p in points],
            "after": [p["after"] for p in points],
            "reference": reference,
            "threshold": threshold,
        },
    }


def _course(patient):
    """The current course of care: the latest assessment with findings and plan (three queries)."""
    return (
        Assessment.objects.filter(patient=patient)
        .select_related("practitioner")
        .prefetch_related(
            Prefetch("findings", queryset=AssessmentFinding.objects.select_related("muscle")),
            Prefetch("plan", queryset=PlanItem.objects.select_related("muscle").order_by("order")),
        )
        .order_by("-assessed_at")
        .first()
    )


@clinic_view
@consistent_read()  # the chart's reads in one snapshot: a session saved meanwhile shows whole or not at all
def patient_chart(request, pk):
    require(request, "record.read")
    patient = clinic_patient(request, pk)
    consents = list(patient.consents.all())
    current = current_consent_among(consents)
    withdrawn = current is None and any(c.withdrawn_at for c in consents)
    course = _course(patient)
    order = release_order_for_patient(patient)
    timeline = patient_timeline(patient)
    grid = _grid(order)

    # Body map: the chosen session (default the latest) in release order.
    sessions = order["sessions"]
    chosen = None
    wanted = request.GET.get("session", "")
    for session in sessions:
        if str(session["id"]) == wanted:
            chosen = session
    if chosen is None and sessions:
        chosen = sessions[-1]
    body = None
    if chosen is not None:
        muscles = Muscle.objects.in_bulk([r["muscle"] for r in chosen["releases"]])
        releases = [{**r, "muscle_obj": muscles[r["muscle"]]} for r in chosen["releases"]]
        views = markers_for(releases)
        body = {
            "session": chosen,
            "releases": releases,
            "anterior": views["anterior"],
            "posterior": views["posterior"],
        }

    numbers = {s["id"]: s["number"] for s in sessions}
    for entry in timeline:
        if entry["type"] == "addendum":
            entry["amends_number"] = numbers.get(entry["amends"])
        for event in entry.get("adverse_events", ()):
            event["label"] = AdverseEventKind(event["kind"]).label
    # Signed records whose content no longer matches their sign-off digest are marked.
    states = signature_states(patient)
    for entry in timeline:
        if entry["type"] in ("session", "assessment"):
            entry["integrity"] = states.get(entry["id"])
    altered = sum(1 for state in states.values() if state == "altered")
    can_audit = _allowed(request, "audit.read")
    views = recent_views_of_patient(patient) if can_audit else []
    note_read(actor=request.user, clinic=request.clinic, patients=[patient], what="chart")
    return render(
        request,
        "web/chart.html",
        {
            "patient": patient,
            "current_consent": current,
            "consent_withdrawn": withdrawn,
            "course": course,
            "course_segments": segment_range(course.affected_segments) if course else "",
            "order": order,
            "grid": grid,
            "pain": _pain(timeline),
            "body": body,
            "outline": body_outline(),
            "head": HEAD,
            "viewbox": VIEWBOX,
            "timeline": list(reversed(timeline)),
            "can_log": _allowed(request, "session.create"),
            "can_assess": _allowed(request, "assessment.create"),
            "can_edit_patient": _allowed(request, "patient.update"),
            "altered_count": altered,
            "can_audit": can_audit,
            "recent_views": views,
            **_documents(request, patient, timeline),
        },
    )


def _documents(request, patient, timeline) -> dict:
    """The chart's documents card: attachments (one query), the upload form, the summary PDF."""
    from records.attachments import attachments_for_patient
    from web.views.documents import AttachmentForm

    return {
        "attachments": list(attachments_for_patient(patient)),
        "can_attach": _allowed(request, "attachment.create"),
        "attachment_form": AttachmentForm(),
        "has_signed": any(e["type"] in ("session", "assessment") and e["status"] == "signed" for e in timeline),
    }


def _allowed(request, action):
    from records.policy import allowed

    return allowed(request.user, action)
