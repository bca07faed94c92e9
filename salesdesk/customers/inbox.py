"""To-do inbox sources of the customers app (registered with salesdesk.core.inbox)."""

from salesdesk.customers import service_inbox  # noqa: F401
