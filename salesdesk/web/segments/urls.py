from django.urls import path

from salesdesk.web.segments import views

urlpatterns = [
    path("", views.segment_list, name="segments"),
    path("new/", views.segment_create, name="segment_create"),
    path("preview/", views.segment_preview, name="segment_preview"),
    path("<int:pk>/", views.segment_detail, name="segment_detail"),
    path("<int:pk>/size/", views.segment_size, name="segment_size"),
    path("<int:pk>/edit/", views.segment_edit, name="segment_edit"),
    path("<int:pk>/delete/", views.segment_delete, name="segment_delete"),
]
