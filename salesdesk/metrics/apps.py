from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "salesdesk.metrics"
    label = "metrics"
    verbose_name = _("Metrics")

    def ready(self) -> None:
        # Registration only: the metric layer listens to record changes (core.changes, D43).
        from salesdesk.metrics import maintenance  # noqa: F401
