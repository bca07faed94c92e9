from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "salesdesk.targets"
    label = "targets"
    verbose_name = _("Targets")

    def ready(self) -> None:
        # Registration only: the services module declares the goals' recycle-bin entry.
        from salesdesk.targets import services  # noqa: F401
