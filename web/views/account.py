"""Own account: invitation/reset links, MFA sign-in and enrolment, password, tokens, sessions."""

import base64
import io

import django_otp
import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from accounts.links import link_user
from accounts.models import ApiToken
from accounts.selectors import user_tokens
from accounts.services import password_set, token_revoke
from accounts.sessions import user_sessions, user_sessions_end
from clinic.mfa import mfa_passed
from records.exceptions import InvalidInput
from web.account_forms import OtpForm

__all__ = ["account", "account_link", "mfa_setup", "mfa_verify"]

_SETUP_DEVICE = "accounts_mfa_setup_device"


def _next_url(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def account_link(request, uidb64: str, token: str):
    """Invitation or reset link: choose a password (``new_password1``, ``new_password2``), then signed in."""
    user = link_user(uidb64, token)
    if user is None:
        return render(request, "web/account_link.html", {"invalid": True}, status=400)
    invitation = not user.has_usable_password()
    form = SetPasswordForm(user, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                password_set(actor=user, user=user, password=form.cleaned_data["new_password1"])
            except InvalidInput as exc:
                for message in exc.errors.get("new_password1", []):
                    form.add_error("new_password1", message)
            else:
                user.refresh_from_db()
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, "Your password is set. Welcome to IMS Records.")
                return redirect("/")
        status = 400
    return render(request, "web/account_link.html", {"form": form, "invitation": invitation, "who": user},
                  status=status)


def _locked(request, user) -> bool:
    return AxesProxyHandler.is_locked(request, credentials={"username": user.get_username()})


@login_required
def mfa_verify(request):
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    if mfa.mfa_state(request.user) != mfa.MFA_VERIFY or request.user.is_verified():
        mfa_passed(request)
        return redirect(_next_url(request))
    if _locked(request, request.user):
        logout(request)
        return HttpResponse("Too many failed codes. This account is locked for a while from this address.",
                            status=429, content_type="text/plain; charset=utf-8")
    form = OtpForm(request.POST or None)
    status = 200
    if request.method == "POST":
        device = mfa.otp_match(request.user, form.data.get("otp", "")) if form.is_valid() else None
        if device is not None:
            django_otp.login(request, device)
            mfa_passed(request)
            return redirect(_next_url(request))
        user_login_failed.send(sender=__name__, credentials={"username": request.user.get_username()},
                               request=request)
        form.add_error("otp", "That code is wrong, already used or expired.")
        status = 400
    return render(request, "web/mfa_verify.html", {"form": form, "next": _next_url(request)}, status=status)


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
def mfa_setup(request):
    """Enrol an authenticator app: QR code, base32 secret and otpauth:// URI; then recovery codes."""
    if mfa.mfa_enabled(request.user) and not request.user.is_verified():
        return redirect(f"/accounts/mfa/verify/?next={request.path}")
    device = TOTPDevice.objects.filter(
        pk=request.session.get(_SETUP_DEVICE), user=request.user, confirmed=False
    ).first()
    if device is None or request.method == "GET":
        device = mfa.totp_begin(actor=request.user)
        request.session[_SETUP_DEVICE] = device.pk
    form = OtpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.totp_confirm(actor=request.user, device=device, code=form.cleaned_data["otp"])
        except InvalidInput as exc:
            form.add_error("otp", exc.errors["otp"][0])
            status = 400
        else:
            device.refresh_from_db()
            django_otp.login(request, device)
            mfa_passed(request)
            request.session.pop(_SETUP_DEVICE, None)
            return render(request, "web/mfa_codes.html", {"codes": codes, "next": _next_url(request)})
    uri = device.config_url
    return render(request, "web/mfa_setup.html", {
        "form": form, "secret": mfa.totp_secret(device), "uri": uri, "qr": _qr_data_uri(uri),
        "required": mfa.mfa_enrolment_required(request.user), "next": _next_url(request, ""),
    }, status=status)


@login_required
def account(request):
    """Own account: password, MFA, API tokens, other web sessions."""
    password_form = PasswordChangeForm(request.user)
    status = 200
    if request.method == "POST":
        what = request.POST.get("action")
        if what == "password":
            password_form = PasswordChangeForm(request.user, request.POST)
            if password_form.is_valid():
                try:
                    password_set(actor=request.user, user=request.user,
                                 password=password_form.cleaned_data["new_password1"],
                                 keep_session=request.session.session_key)
                except InvalidInput as exc:
                    for message in exc.errors.get("new_password1", []):
                        password_form.add_error("new_password1", message)
                else:
                    request.user.refresh_from_db()
                    update_session_auth_hash(request, request.user)
                    messages.success(request, "Password changed. Your API tokens and other sessions have ended.")
                    return redirect("web:account")
            status = 400
        elif what == "revoke_token":
            token = ApiToken.objects.filter(user=request.user, token_key=request.POST.get("token", "")).first()
            if token is not None:
                token_revoke(actor=request.user, token=token)
                messages.success(request, f"Token {token.prefix}… revoked.")
            return redirect("web:account")
        elif what == "end_sessions":
            ended = user_sessions_end(request.user, keep=request.session.session_key)
            messages.success(request, f"{ended} other session(s) ended.")
            return redirect("web:account")
    others = [s for s in user_sessions(request.user) if s.session_key != request.session.session_key]
    return render(request, "web/account.html", {
        "password_form": password_form, "tokens": list(user_tokens(request.user)),
        "mfa_enabled": mfa.mfa_enabled(request.user), "other_sessions": others,
        "recovery_left": _recovery_left(request.user),
    }, status=status)


def _recovery_left(user) -> int:
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


