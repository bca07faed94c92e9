from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "salesdesk.training"
    label = "training"
    verbose_name = _("Training")

    def ready(self) -> None:
        # Registration only: the services module declares the programs' recycle-bin entry.
        from salesdesk.training import services  # noqa: F401
