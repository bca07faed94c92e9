from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "salesdesk.pipeline"
    label = "pipeline"
    verbose_name = _("Sales funnel")

    def ready(self) -> None:
        # Registration only: recycle-bin entries and the customer attachments (handover, merge).
        from salesdesk.pipeline import attachments, services  # noqa: F401
        from salesdesk.pipeline.leads import attachments as _lead_attachments  # noqa: F401
        from salesdesk.pipeline.leads import imports as _lead_imports  # noqa: F401
        from salesdesk.pipeline.leads import services as _lead_services  # noqa: F401
        from salesdesk.pipeline.leads import timeline as _lead_timeline  # noqa: F401
