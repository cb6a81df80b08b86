"""Keyed sign-off (DESIGN §11): HMAC-SHA-256 with RECORDS_SIGNING_KEY, the key id stored with
each signature, rotation through RECORDS_SIGNING_OLD_KEYS, and re-signing of old digests."""

import hashlib
import hmac
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings

from records.immutability import triggers_suspended
from records.integrity import (
    content_digest,
    parse_signing_key,
    session_canonical,
    verify_assessment,
    verify_session,
)
from records.models import AuditEvent, TreatmentSession
from tests.api.conftest import token_client

NEW_KEY = "cd" * 32
TEST_KEY = "7465737420736967e96e696e67206b6579206e6f7420666f722070726f64202121"


def test_signature_is_an_hmac_with_the_configured_key_and_names_it(signed_session):
    assert signed_session.signature_key_id == "test-1"
    encoded = json.dumps(session_canonical(signed_session), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    expected = hmac.new(bytes.fromhex(TEST_KEY), encoded.encode(), hashlib.sha256).hexdigest()
    assert signed_session.signature_digest == expected
    assert signed_session.signature_digest != content_digest(session_canonical(signed_session))


def test_a_digest_recomputed_from_the_database_alone_is_altered(signed_session):
    """The attack of issue 14: edit with the triggers off, recompute the unkeyed SHA-256."""
    with triggers_suspended():
        TreatmentSession.objects.filter(pk=signed_session.pk).update(notes="Forged.")
        forged = content_digest(session_canonical(signed_session))
        TreatmentSession.objects.filter(pk=signed_session.pk).update(signature_digest=forged)
    assert verify_session(signed_session) == "altered"


def test_rotation_keeps_old_signatures_verifiable(signed_session, signed_assessment, physio, patient, yesterday):
    from tests.security.conftest import record_session

    with override_settings(RECORDS_SIGNING_KEY=NEW_KEY, RECORDS_SIGNING_KEY_ID="k2",
                           RECORDS_SIGNING_OLD_KEYS=f"test-1:{TEST_KEY}"):
        assert verify_session(signed_session) == "intact"
        assert verify_assessment(signed_assessment) == "intact"
        newer = record_session(physio, patient, yesterday, sign=True)
        assert newer.signature_key_id == "k2" and verify_session(newer) == "intact"
    # Without the retired key, its signatures cannot be checked: neither intact nor altered.
    with override_settings(RECORDS_SIGNING_KEY=NEW_KEY, RECORDS_SIGNING_KEY_ID="k2", RECORDS_SIGNING_OLD_KEYS=""):
        assert verify_session(signed_session) == "unknown_key"


def test_verify_endpoint_answers_unknown_key(signed_session, physio):
    with override_settings(RECORDS_SIGNING_KEY=NEW_KEY, RECORDS_SIGNING_KEY_ID="k2"):
        body = token_client(physio).get(f"/api/v1/sessions/{signed_session.pk}/verify/").json()
    assert body["status"] == "unknown_key"


@pytest.mark.parametrize("text", ["abcd", "00" * 31, "not a key at all!"])
def test_short_or_malformed_keys_are_refused(text):
    with pytest.raises(ImproperlyConfigured):
        parse_signing_key(text)


def test_keys_in_hex_and_base64_are_read():
    assert parse_signing_key("ab" * 32) == b"\xab" * 32
    assert parse_signing_key("q" * 43 + "=") == parse_signing_key("q" * 43)  # base64, padding optional


def test_resign_command_re_signs_unkeyed_digests_and_audits_it(signed_session, signed_assessment, clinic):
    # A record signed before keys: a plain SHA-256 and no key id.
    with triggers_suspended():
        TreatmentSession.objects.filter(pk=signed_session.pk).update(
            signature_digest=content_digest(session_canonical(signed_session)), signature_key_id=None
        )
    assert verify_session(signed_session) == "intact"  # legacy digests verify until re-signed
    call_command("resign_digests")
    signed_session.refresh_from_db()
    assert signed_session.signature_key_id == "test-1" and verify_session(signed_session) == "intact"
    [event] = AuditEvent.objects.filter(action="resign", clinic=clinic)
    assert event.after["sessions"] == [str(signed_session.pk)] and event.after["assessments"] == []
    assert event.after["left_altered"] == []


def test_resign_never_blesses_a_tampered_record(signed_session, clinic):
    with triggers_suspended():
        TreatmentSession.objects.filter(pk=signed_session.pk).update(
            signature_digest=content_digest(session_canonical(signed_session)), signature_key_id=None, notes="Forged."
        )
    call_command("resign_digests")
    signed_session.refresh_from_db()
    assert signed_session.signature_key_id is None and verify_session(signed_session) == "altered"
    [event] = AuditEvent.objects.filter(action="resign", clinic=clinic)
    assert event.after["left_altered"] == [str(signed_session.pk)]


def test_resign_all_moves_old_key_signatures_to_the_current_key(signed_session):
    with override_settings(RECORDS_SIGNING_KEY=NEW_KEY, RECORDS_SIGNING_KEY_ID="k2",
                           RECORDS_SIGNING_OLD_KEYS=f"test-1:{TEST_KEY}"):
        call_command("resign_digests", "--all")
        signed_session.refresh_from_db()
        assert signed_session.signature_key_id == "k2" and verify_session(signed_session) == "intact"
