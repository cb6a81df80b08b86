"""Sign-in pages beside Django's own (/accounts/login/ …): account links and MFA."""

from django.urls import path

from web.views import account

urlpatterns = [
    path("link/<str:uidb64>/<str:token>/", account.account_link, name="account_link"),
    path("mfa/verify/", account.mfa_verify, name="mfa_verify"),
    path("mfa/setup/", account.mfa_setup, name="mfa_setup"),
]
