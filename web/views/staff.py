"""The Staff page: a clinic admin invites, changes, deactivates and reactivates staff,
issues reset links, revokes tokens, resets MFA and records needling authorisations.

Every action calls :mod:`accounts.services`; the pages only show and ask.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import mfa, services
from accounts.selectors import staff_item, staff_queryset
from records.exceptions import DomainError, InvalidInput
from web.access import clinic_view, require
from web.account_forms import AuthorisationForm, InviteForm, RoleForm

__all__ = ["staff_deactivate", "staff_detail", "staff_list", "staff_mfa_reset", "staff_reactivate",
           "staff_reset_link", "staff_revoke_tokens"]


def _apply(form, exc: DomainError) -> None:
    if isinstance(exc, InvalidInput):
        for field, problems in exc.errors.items():
            form.add_error(field if field in form.fields else None, " ".join(problems))
    else:
        form.add_error(None, exc.message)


def _refusal(request, exc: DomainError) -> None:
    text = "; ".join(" ".join(p) for p in exc.errors.values()) if isinstance(exc, InvalidInput) else exc.message
    messages.error(request, text)


@clinic_view
def staff_list(request):
    require(request, "staff.manage")
    form = InviteForm(request.POST or None)
    invite_url, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user, invite_url = services.staff_create(actor=request.user, clinic=request.clinic, **form.cleaned_data)
            except DomainError as exc:
                _apply(form, exc)
                status = 400
            else:
                messages.success(
                    request, f"{user.username} is invited. Give them the link below (it works once, for 72 hours)."
                )
                form = InviteForm()
        else:
            status = 400
    today = timezone.localdate()
    staff = [staff_item(user, today) for user in staff_queryset(request.clinic)]
    return render(request, "web/staff_list.html", {"staff": staff, "form": form, "invite_url": invite_url},
                  status=status)


def _member(request, pk):
    return get_object_or_404(staff_queryset(request.clinic), pk=pk)


@clinic_view
def staff_detail(request, pk):
    require(request, "staff.manage")
    member = _member(request, pk)
    role_form = RoleForm(initial={"role": member.membership.role})
    auth_form = AuthorisationForm()
    status = 200
    if request.method == "POST":
        what = request.POST.get("action")
        form = RoleForm(request.POST) if what == "role" else AuthorisationForm(request.POST)
        if form.is_valid():
            try:
                if what == "role":
                    services.staff_update(actor=request.user, user=member, changes=form.cleaned_data)
                    role = form.cleaned_data["role"].replace("_", " ")
                    messages.success(request, f"{member.username} is now {role}.")
                else:
                    services.authorisation_create(actor=request.user, user=member, **form.cleaned_data)
                    messages.success(request, "Needling authorisation recorded.")
                return redirect("web:staff_detail", pk=member.pk)
            except DomainError as exc:
                _apply(form, exc)
        status = 400
        if what == "role":
            role_form = form
        else:
            auth_form = form
    return render(request, "web/staff_detail.html", {
        "member": staff_item(member, timezone.localdate()), "role_form": role_form, "auth_form": auth_form,
    }, status=status)


@clinic_view
def staff_deactivate(request, pk):
    """GET asks for confirmation; POST deactivates."""
    require(request, "staff.manage")
    member = _member(request, pk)
    if request.method == "POST":
        try:
            services.staff_deactivate(actor=request.user, user=member)
        except DomainError as exc:
            _refusal(request, exc)
        else:
            messages.success(request, f"{member.username} is deactivated; their sessions and API tokens have ended.")
        return redirect("web:staff_detail", pk=member.pk)
    return render(request, "web/staff_deactivate.html", {"member": staff_item(member, timezone.localdate())})


@require_POST
@clinic_view
def staff_reactivate(request, pk):
    require(request, "staff.manage")
    member = _member(request, pk)
    try:
        services.staff_reactivate(actor=request.user, user=member)
        messages.success(request, f"{member.username} can sign in again.")
    except DomainError as exc:
        _refusal(request, exc)
    return redirect("web:staff_detail", pk=member.pk)


@require_POST
@clinic_view
def staff_reset_link(request, pk):
    require(request, "staff.manage")
    member = _member(request, pk)
    try:
        url = services.staff_password_reset(actor=request.user, user=member)
    except DomainError as exc:
        _refusal(request, exc)
        return redirect("web:staff_detail", pk=member.pk)
    return render(request, "web/staff_link.html", {"member": member, "url": url})


@require_POST
@clinic_view
def staff_revoke_tokens(request, pk):
    require(request, "staff.manage")
    member = _member(request, pk)
    try:
        count = services.staff_tokens_revoke(actor=request.user, user=member)
        messages.success(request, f"{count} API token(s) of {member.username} revoked.")
    except DomainError as exc:
        _refusal(request, exc)
    return redirect("web:staff_detail", pk=member.pk)


@require_POST
@clinic_view
def staff_mfa_reset(request, pk):
    require(request, "staff.manage")
    member = _member(request, pk)
    try:
        mfa.mfa_reset(actor=request.user, user=member)
        messages.success(request, f"Two-factor sign-in of {member.username} is reset; they set it up again.")
    except DomainError as exc:
        _refusal(request, exc)
    return redirect("web:staff_detail", pk=member.pk)
