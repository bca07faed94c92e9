from django.urls import path

from salesdesk.web.pool import views

urlpatterns = [
    path("customers/pool/", views.pool_list, name="pool"),
    path("customers/pool/claim/", views.pool_bulk_claim, name="pool_bulk_claim"),
    path("customers/pool/assign/", views.pool_bulk_assign, name="pool_bulk_assign"),
    path(
        "customers/pool/customers/<int:pk>/",
        views.pool_customer_detail,
        name="pool_customer_detail",
    ),
    path("customers/pool/customers/<int:pk>/claim/", views.pool_claim, name="pool_claim"),
    path("customers/<int:pk>/return/", views.customer_return, name="customer_return"),
    path("settings/pools/", views.settings_pools, name="settings_pools"),
    path("settings/pools/new/", views.settings_pool_edit, name="settings_pool_create"),
    path("settings/pools/<int:pk>/", views.settings_pool_edit, name="settings_pool_edit"),
    path(
        "settings/pools/<int:pk>/delete/", views.settings_pool_delete, name="settings_pool_delete"
    ),
    path(
        "settings/pools/<int:pk>/rules/",
        views.settings_pool_rule_add,
        name="settings_pool_rule_add",
    ),
    path(
        "settings/pools/<int:pk>/rules/<int:rule_pk>/delete/",
        views.settings_pool_rule_delete,
        name="settings_pool_rule_delete",
    ),
    path("settings/calendar/", views.settings_calendar, name="settings_calendar"),
    path(
        "settings/calendar/<int:pk>/delete/",
        views.settings_calendar_delete,
        name="settings_calendar_delete",
    ),
]
