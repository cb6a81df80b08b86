"""A changed or reset password revokes the user's API tokens and their other web sessions."""

from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from api.models import ApiToken
from api.tokens import token_issue
from records.models import AuditEvent

OLD, NEW = "first-Long-passphrase-81", "second-Long-passphrase-92"


def _token_works(raw) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client.get("/api/v1/patients/").status_code == 200


def _logged_in(physio) -> Client:
    client = Client()
    assert client.login(username=physio.username, password=OLD)
    return client


def test_password_change_page_revokes_tokens_and_other_sessions(physio):
    physio.set_password(OLD)
    physio.save()
    raw, _token = token_issue(actor=physio, user=physio)
    here, elsewhere = _logged_in(physio), _logged_in(physio)
    earlier = list(AuditEvent.objects.filter(action="password_change").values_list("pk", flat=True))
    assert _token_works(raw)
    response = here.post("/accounts/password_change/", {
        "old_password": OLD, "new_password1": NEW, "new_password2": NEW,
    })
    assert response.status_code == 302
    assert not _token_works(raw)
    assert not ApiToken.objects.filter(user=physio).exists()  # revoking deletes the token
    assert elsewhere.get("/patients/").status_code == 302  # signed out: back to the login page
    assert here.get("/patients/").status_code == 200  # the session that changed it stays
    [event] = AuditEvent.objects.filter(action="password_change", object_id=str(physio.pk)).exclude(pk__in=earlier)
    assert event.after["tokens_revoked"] == 1 and event.after["sessions_ended"] >= 1


def test_password_reset_revokes_tokens(physio):
    raw, _token = token_issue(actor=physio, user=physio)
    client = Client()
    uid = urlsafe_base64_encode(force_bytes(physio.pk))
    token = default_token_generator.make_token(physio)
    form_url = client.get(f"/accounts/reset/{uid}/{token}/")["Location"]
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert not _token_works(raw)
    assert AuditEvent.objects.filter(action="password_change", object_id=str(physio.pk)).count() == 1


def test_any_set_password_and_save_revokes_but_other_saves_do_not(physio):
    raw, _token = token_issue(actor=physio, user=physio)
    physio.first_name = "Renamed"
    physio.save()
    physio.save(update_fields=["last_login"])
    assert _token_works(raw)
    physio.set_password(NEW)
    physio.save()
    assert not _token_works(raw)
