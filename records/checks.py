"""System checks of the deployment (registered on import, from RecordsConfig.ready)."""
