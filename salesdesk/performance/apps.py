from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    name = "salesdesk.performance"
    label = "performance"
    verbose_name = _("Performance")

    def ready(self) -> None:
        # Registration only: the services module declares the KPI schemes' recycle-bin entry.
        from salesdesk.performance import services  # noqa: F401
