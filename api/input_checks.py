"""Input no database can store: NUL characters (PostgreSQL refuses them in text, which would
surface as a 500). Refused up front as a 400 naming the parameter or field."""

__all__ = ["nul_paths", "query_nul_paths"]


def nul_paths(value, prefix: str = "") -> list[str]:
    """Paths (``name``, ``list[2].name``) of the strings in ``value`` that contain a NUL."""
    if isinstance(value, str):
        return [prefix or "non_field_errors"] if "\x00" in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            key_path = f"{prefix}.{key}" if prefix else str(key)
            if "\x00" in str(key):
                found.append(key_path)
            found += nul_paths(item, key_path)
        return found
    if isinstance(value, list | tuple):
        return [path for index, item in enumerate(value) for path in nul_paths(item, f"{prefix}[{index}]")]
    return []


def query_nul_paths(params) -> list[str]:
    return [key for key, values in params.lists() for value in [key, *values] if "\x00" in value]
