"""To-do inbox sources of the customers app (discovered by salesdesk.core.inbox)."""

from salesdesk.customers.pool import inbox as _pool_inbox  # noqa: F401
