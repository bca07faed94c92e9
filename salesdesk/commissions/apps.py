from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommissionsConfig(AppConfig):
    name = "salesdesk.commissions"
    label = "commissions"
    verbose_name = _("Commissions")

    def ready(self) -> None:
        # Registration only: the services module declares the plans' recycle-bin entry.
        from salesdesk.commissions import services  # noqa: F401
