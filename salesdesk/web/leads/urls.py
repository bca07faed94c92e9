from django.urls import path

from salesdesk.web.leads import bulk, views

urlpatterns = [
    path("leads/", views.lead_list, name="leads"),
    path("leads/new/", views.lead_create, name="lead_create"),
    path("leads/export/", views.lead_export, name="lead_export"),
    path("leads/assign/", views.lead_bulk_assign, name="lead_bulk_assign"),
    path("leads/bulk/delete/", bulk.lead_bulk_delete, name="lead_bulk_delete"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", views.lead_edit, name="lead_edit"),
    path("leads/<int:pk>/status/", views.lead_status, name="lead_status"),
    path("leads/<int:pk>/claim/", views.lead_claim, name="lead_claim"),
    path("leads/<int:pk>/convert/", views.lead_convert, name="lead_convert"),
    path("leads/<int:pk>/delete/", views.lead_delete, name="lead_delete"),
    path("settings/lead-rules/", views.lead_rules, name="lead_rules"),
]
