from django.urls import path

from salesdesk.web.imports import views

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/mapping/", views.import_mapping, name="import_mapping"),
    path("imports/<int:pk>/run/", views.import_run, name="import_run"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/errors.<str:fmt>", views.import_errors, name="import_errors"),
    path(
        "imports/template/<str:entity>.xlsx", views.import_template_download, name="import_template"
    ),
    path("customers/export/", views.customer_export, name="customer_export"),
]
