"""Version 1 of the REST API: one router module per domain (see salesdesk.api.router)."""
