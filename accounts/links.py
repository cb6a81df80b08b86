"""One-time links for invitations and password resets (Django's signed reset tokens).

A link carries the user's id and a token signed with the secret key over the user's
password hash, last sign-in and a timestamp: it expires after ``PASSWORD_RESET_TIMEOUT``
(72 h) and stops working as soon as the password is set, so it is single use, and any
tampering breaks the signature. Nothing is stored.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

__all__ = ["account_link_url", "link_path", "link_user"]


class AccountLinkTokenGenerator(PasswordResetTokenGenerator):
    # Its own salt: a token made for these links is worthless to Django's reset view.
    key_salt = "accounts.links.AccountLinkTokenGenerator"


link_tokens = AccountLinkTokenGenerator()


def link_path(user) -> str:
    """The path of a fresh one-time link for ``user`` (for tests and the pages)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/accounts/link/{uid}/{link_tokens.make_token(user)}/"


def account_link_url(user) -> str:
    """The full one-time link, on ``SITE_URL``."""
    return settings.SITE_URL.rstrip("/") + link_path(user)


def link_user(uidb64: str, token: str):
    """The active user a link is for, or None when it is used, expired, tampered with or unknown."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None or not link_tokens.check_token(user, token):
        return None
    return user
