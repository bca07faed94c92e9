"""Writes for customers and relationships. (Being built: see issue 3.)"""

from salesdesk.core.recycle import recycle_bin
from salesdesk.customers.models import Contact, Customer, FollowUp, Task

recycle_bin.register(Customer)
recycle_bin.register(Contact)
recycle_bin.register(FollowUp)
recycle_bin.register(Task)
