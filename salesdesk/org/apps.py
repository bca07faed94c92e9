from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "salesdesk.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        # Registration only: the services module declares OrgUnit's recycle-bin rules.
        from salesdesk.org import services  # noqa: F401
