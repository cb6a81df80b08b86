"""Export routes, mounted at ``/api/v1/exports/``."""

from django.urls import path

from .views import TargetedMusclesExportView

urlpatterns = [
    path("targeted-muscles.csv", TargetedMusclesExportView.as_view(), name="export-targeted-muscles"),
]
