from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "salesdesk.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        # Registration only: the services module declares the recycle-bin entries.
        from salesdesk.customers import name_index, services  # noqa: F401

        name_index.connect()
