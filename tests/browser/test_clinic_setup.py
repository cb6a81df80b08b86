"""A clinic runs itself, in real Chromium: create_clinic → invitation → password → MFA enrolment
(TOTP computed from the secret on the page) → Staff page → sign in again with a recovery code and
with a TOTP code. Screenshots of the new pages at tablet and phone sizes."""

import io
import re
import time

import pyotp
import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "tidal needle chart 2026"  # nothing of the clinic or the username (refused)
SIZES = {"tablet": (1024, 768), "phone": (390, 844)}


def shots(page, artifacts, name):
    for label, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(artifacts / f"{name}-{label}.png"), full_page=True)
        # Nothing may stick out sideways on a tablet or a phone.
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{name} at {label} scrolls sideways by {overflow}px"
    page.set_viewport_size({"width": 1024, "height": 768})


def sign_in(page, live_server, username="hana"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_new_clinic_admin_enrols_in_mfa_and_invites_staff(page, live_server, artifacts, muscle_catalogue):
    out = io.StringIO()
    call_command("create_clinic", "harbour", "--name", "Harbour Physio", "--timezone", "America/Vancouver",
                 "--admin", "hana", stdout=out, stderr=io.StringIO())
    link = out.getvalue().strip()
    path = "/accounts/" + link.split("/accounts/", 1)[1]

    page.goto(f"{live_server.url}{path}")
    shots(page, artifacts, "invitation")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Set password and sign in").click()
    page.wait_for_url(re.compile(r"/accounts/mfa/setup/"))
    assert "requires two-factor sign-in" in page.content()
    shots(page, artifacts, "mfa-setup")

    secret = page.locator("#totp-secret").inner_text().strip()
    uri = page.locator("#totp-uri").inner_text().strip()
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    assert page.locator("img.qr").evaluate("img => img.naturalWidth > 0")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.wait_for_selector("#recovery-codes")
    codes = [c.strip() for c in page.locator("#recovery-codes code").all_inner_texts()]
    assert len(codes) == 10
    shots(page, artifacts, "mfa-codes")

    page.goto(f"{live_server.url}/staff/")
    page.get_by_label("Username").fill("noor")
    page.get_by_label("First name").fill("Noor")
    page.get_by_label("Last name").fill("Haddad")
    page.get_by_role("button", name="Invite").click()
    page.wait_for_selector("#invite-link")
    assert "/accounts/link/" in page.locator("#invite-link code").inner_text()
    assert "none: cannot sign needled sessions" in page.locator("#staff-table").inner_text()
    shots(page, artifacts, "staff")
    page.locator("#staff-table a", has_text="noor").click()
    page.get_by_label("Regulator").fill("College of Physical Therapists of BC")
    page.get_by_label("Granted on").fill("2024-05-01")
    page.get_by_role("button", name="Add authorisation").click()
    page.wait_for_selector("text=Needling authorisation recorded.")
    shots(page, artifacts, "staff-detail")
    page.goto(f"{live_server.url}/account/")
    shots(page, artifacts, "account")
    assert not page.js_errors

    # Signing in again: a recovery code works once …
    page.get_by_role("button", name="Log out").click()
    sign_in(page, live_server)
    page.wait_for_url(re.compile(r"/accounts/mfa/verify/"))
    shots(page, artifacts, "mfa-verify")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r"/patients/$"))

    # … and a code from the app (the next one: a code is never accepted twice).
    page.get_by_role("button", name="Log out").click()
    time.sleep(30 - time.time() % 30 + 1)
    sign_in(page, live_server)
    page.wait_for_url(re.compile(r"/accounts/mfa/verify/"))
    page.get_by_label("Code").fill(totp.now())
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r"/patients/$"))
    assert not page.js_errors
