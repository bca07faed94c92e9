from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkReportsConfig(AppConfig):
    name = "salesdesk.workreports"
    label = "workreports"
    verbose_name = _("Work reports")

    def ready(self) -> None:
        # Registration only: the services module declares the reports' recycle-bin entry.
        from salesdesk.workreports import services  # noqa: F401
