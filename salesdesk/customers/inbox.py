"""The customers app's to-do inbox sources (CUS-8), discovered by salesdesk.core.inbox: each
sub-domain registers its source in its own module, imported here (one line each)."""

from salesdesk.customers import (
    inbox_tasks,  # noqa: F401
    service_inbox,  # noqa: F401
)
from salesdesk.customers.pool import inbox as _pool_inbox  # noqa: F401
