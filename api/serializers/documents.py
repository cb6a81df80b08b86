"""Attached documents: the upload form and the metadata representation."""

from rest_framework import serializers

from records.choices import AttachmentKind
from records.models import Attachment

from .base import display_name

__all__ = ["AttachmentSerializer", "AttachmentUploadSerializer"]


class AttachmentUploadSerializer(serializers.Serializer):
    """``multipart/form-data``: the file (PDF, PNG or JPEG, at most 10 MB), a title, a kind."""

    file = serializers.FileField(
        allow_empty_file=False, use_url=False,
        help_text="PDF, PNG or JPEG, at most 10 MB; the type is checked from the bytes, not the name.",
    )
    title = serializers.CharField(max_length=200, trim_whitespace=True)
    kind = serializers.ChoiceField(choices=AttachmentKind.choices)


class AttachmentSerializer(serializers.ModelSerializer):
    """An attachment's metadata; its bytes are at ``download_url``."""

    uploaded_by_name = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id", "patient", "title", "kind", "filename", "content_type", "size", "sha256",
            "uploaded_by", "uploaded_by_name", "created_at", "download_url",
        ]
        read_only_fields = fields

    def get_uploaded_by_name(self, attachment: Attachment) -> str:
        return display_name(attachment.uploaded_by)

    def get_download_url(self, attachment: Attachment) -> str:
        path = f"/api/v1/documents/{attachment.pk}/download/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path
