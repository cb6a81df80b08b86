"""Noticing a password change wherever it is made (the password-change and reset pages, the
admin's password form, ``changepassword``, a shell's ``set_password`` + ``save``), so that
:func:`accounts.services.staff.credentials_revoke_on_password_change` always runs (except
after :func:`accounts.services.staff.password_set`, which revokes them itself).

Comparing the stored hash on save is the one place every path passes: the pages and the
admin differ, but all of them end in ``user.save()`` with a new hash.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save

__all__ = ["connect"]


def _before_save(sender, instance, update_fields=None, **kwargs):
    instance._password_was_changed = False
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_was_changed = stored is not None and stored != instance.password


def _after_save(sender, instance, created=False, **kwargs):
    if getattr(instance, "_credentials_revoked", False):
        return  # password_set revoked them already, keeping the session that made the change
    if not created and getattr(instance, "_password_was_changed", False):
        instance._password_was_changed = False
        from accounts.services.staff import credentials_revoke_on_password_change

        credentials_revoke_on_password_change(user=instance)


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(_before_save, sender=user_model, dispatch_uid="accounts_password_before")
    post_save.connect(_after_save, sender=user_model, dispatch_uid="accounts_password_after")
