from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "salesdesk.imports"
    label = "imports"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        # Registration only: entity adapters declare themselves in their apps' imports modules.
        from salesdesk.imports.registry import load_adapters

        load_adapters()
