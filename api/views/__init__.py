"""Views of the REST API v1: thin, over ``records.services`` (writes) and ``records.selectors`` (reads)."""
