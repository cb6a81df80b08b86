"""A user's web sessions, found in the session store (not indexed by user)."""

from django.contrib.sessions.models import Session
from django.utils import timezone

__all__ = ["user_sessions", "user_sessions_end"]


def user_sessions(user) -> list[Session]:
    """Every unexpired browser session of ``user``.

    Sessions are stored signed but not indexed by user, so each live one is decoded; a
    clinic has few enough staff sessions for that to be cheap.
    """
    return [
        session
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]


def user_sessions_end(user, *, keep: str | None = None) -> int:
    """Delete ``user``'s sessions from the store, all but the one keyed ``keep``."""
    ended = 0
    for session in user_sessions(user):
        if session.session_key != keep:
            session.delete()
            ended += 1
    return ended
