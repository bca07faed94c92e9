from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "salesdesk.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        # Registration only: the services modules declare recycle-bin entries and the customer
        # attachments (handover, merge) of contracts; purchase_facts registers the contracts as
        # the source of the customers' purchase figures (D42).
        from salesdesk.sales import attachments, purchase_facts, services  # noqa: F401
        from salesdesk.sales.contracts import services as contract_services  # noqa: F401
