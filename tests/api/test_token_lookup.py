"""api.authentication.token_with_user: one fixed query builds what the ORM would have."""

from django.contrib.auth import get_user_model

from api.authentication import token_with_user
from api.models import ApiToken
from api.tokens import hash_token, token_issue
from tests.factories import UserFactory


def field_values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_token_user_membership_and_clinic_equal_the_orm_rows(physio, django_assert_num_queries):
    raw, _ = token_issue(actor=physio, user=physio, name="sync")
    with django_assert_num_queries(1):
        token = token_with_user(hash_token(raw))
        membership = token.user.membership
        clinic = membership.clinic
    expected = ApiToken.objects.select_related("user__membership__clinic").get(key_hash=hash_token(raw))
    assert field_values(token) == field_values(expected)
    assert field_values(token.user) == field_values(expected.user)
    assert field_values(membership) == field_values(expected.user.membership)
    assert field_values(clinic) == field_values(expected.user.membership.clinic)
    assert token.expires_at.tzinfo is not None and clinic.pk == physio.membership.clinic.pk
    assert not token._state.adding and token.user.membership.role == "physiotherapist"


def test_unknown_hash_is_none(db):
    assert token_with_user(hash_token("no-such-token")) is None


def test_user_without_membership_reads_as_absent_without_a_query(db, django_assert_num_queries):
    user = UserFactory(username="nomember")
    raw, _ = token_issue(actor=user, user=user)
    with django_assert_num_queries(1):
        token = token_with_user(hash_token(raw))
        assert getattr(token.user, "membership", None) is None
    assert isinstance(token.user, get_user_model())
