"""Weak passwords are refused: the user's name, the clinic, the demo passwords, breached ones."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.mark.parametrize("password", [
    "aaaaaaaaaaaa",                 # long enough, one character
    "Ims-demo-2026!",               # the README's demo password, one capital
    "IMS-DEMO-2026!!",
    "my ims demo 2026 pass",
    "physio-strong-2026!",          # the username
    "HarbourPhysio#2026x",          # the clinic's name
    "harbour-secure-77z",           # the clinic's slug
    "password1234",                 # Django's bundled breached list
    "123456789012",
    "short-1A!",                    # under 12
])
def test_refused(physio, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=physio)


@pytest.mark.parametrize("password", ["violet-tram-cobalt-42", "Q7v!tr4m-Zephyr"])
def test_accepted(physio, password):
    validate_password(password, user=physio)


def test_settings_page_shows_the_rule(physio, client):
    client.force_login(physio)
    response = client.post("/accounts/password_change/", {
        "old_password": "x", "new_password1": "Ims-Demo-2026!", "new_password2": "Ims-Demo-2026!",
    })
    assert response.status_code == 200 and "demo password" in response.content.decode()
