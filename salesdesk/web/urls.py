"""Web UI URLs. Each area has its own module under salesdesk/web/."""

from django.urls import include, path

from salesdesk.web.lists import list_columns

app_name = "web"
urlpatterns = [
    path("", include("salesdesk.web.shell.urls")),
    path("account/", include("salesdesk.web.account.urls")),
    path("settings/", include("salesdesk.web.settings_pages.urls")),
    path("", include("salesdesk.web.imports.urls")),
    path("", include("salesdesk.web.pool.urls")),
    path("customers/", include("salesdesk.web.customers.urls")),
    path("inbox/", include("salesdesk.web.inbox.urls")),
    path("customers/segments/", include("salesdesk.web.segments.urls")),
    path("customers/", include("salesdesk.web.handover.urls")),
    path("", include("salesdesk.web.service.urls")),
    path("", include("salesdesk.web.pipeline.urls")),
    path("", include("salesdesk.web.sales.urls")),
    path("", include("salesdesk.web.leads.urls")),
    path("", include("salesdesk.web.metrics.urls")),
    path("", include("salesdesk.web.targets.urls")),
    path("", include("salesdesk.web.workreports.urls")),
    path("", include("salesdesk.web.performance.urls")),
    path("", include("salesdesk.web.training.urls")),
    path("", include("salesdesk.web.tiers.urls")),
    path("", include("salesdesk.web.commissions.urls")),
    path("lists/<slug:key>/columns/", list_columns, name="list_columns"),
]
