"""Top-level routes: pages at /, admin at /admin/, API at /api/v1/."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("web.account_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("api.urls")),
    path("fhir/R4/", include("api.fhir.urls")),
    path("", include("web.urls")),
]
