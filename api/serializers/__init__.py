"""Serializers of the REST API v1: shapes and types only; writes go to ``records.services``."""
