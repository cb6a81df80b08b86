"""FHIR R4 routes, mounted at ``/fhir/R4/``. Resource ids are the only data in a path."""

from django.urls import path, re_path

from .views import EverythingView, MetadataView, ReadView, SearchPostView, SearchView, UnknownView

app_name = "fhir"

TYPE = r"(?P<resource_type>[A-Z][A-Za-z]+)"
ID = r"(?P<resource_id>[A-Za-z0-9\-.]{1,64})"

urlpatterns = [
    path("", UnknownView.as_view(), name="base"),
    path("metadata", MetadataView.as_view(), name="metadata"),
    re_path(rf"^Patient/{ID}/\$everything$", EverythingView.as_view(), name="everything"),
    re_path(rf"^{TYPE}/_search$", SearchPostView.as_view(), name="search-post"),
    re_path(rf"^{TYPE}$", SearchView.as_view(), name="search"),
    re_path(rf"^{TYPE}/{ID}$", ReadView.as_view(), name="read"),
    re_path(r"^(?P<rest>.*)$", UnknownView.as_view(), name="unknown"),
]
