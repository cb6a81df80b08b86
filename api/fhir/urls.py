"""FHIR R4 routes, mounted at ``/fhir/R4/``. Resource ids are the only data in a path."""

from django.urls import path, re_path

from .bulk import BulkFileView, BulkStatusView, ExportKickOffView
from .views import EverythingView, MetadataView, ReadView, SearchPostView, SearchView, UnknownView

app_name = "fhir"

TYPE = r"(?P<resource_type>[A-Z][A-Za-z]+)"
ID = r"(?P<resource_id>[A-Za-z0-9\-.]{1,64})"

urlpatterns = [
    path("", UnknownView.as_view(), name="base"),
    path("metadata", MetadataView.as_view(), name="metadata"),
    re_path(rf"^Patient/{ID}/\$everything$", EverythingView.as_view(), name="everything"),
    # FHIR Bulk Data export (DESIGN §13): kick-off, status (poll, cancel), files.
    re_path(r"^Patient/\$export$", ExportKickOffView.as_view(), name="export-patient"),
    re_path(r"^Group/(?P<group_id>[A-Za-z0-9\-]{1,64})/\$export$", ExportKickOffView.as_view(), name="export-group"),
    re_path(r"^\$export-status/(?P<export_id>[0-9a-f\-]{36})$", BulkStatusView.as_view(), name="bulk-status"),
    re_path(r"^\$export-file/(?P<export_id>[0-9a-f\-]{36})/(?P<resource_type>[A-Za-z]{1,40})\.ndjson$",
            BulkFileView.as_view(), name="bulk-file"),
    re_path(rf"^{TYPE}/_search$", SearchPostView.as_view(), name="search-post"),
    re_path(rf"^{TYPE}$", SearchView.as_view(), name="search"),
    re_path(rf"^{TYPE}/{ID}$", ReadView.as_view(), name="read"),
    re_path(r"^(?P<rest>.*)$", UnknownView.as_view(), name="unknown"),
]
