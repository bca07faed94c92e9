from django.urls import path

from salesdesk.web.workreports import views

urlpatterns = [
    path("work-reports/", views.workreport_list, name="workreport_list"),
    path("work-reports/new/", views.workreport_create, name="workreport_create"),
    path("work-reports/missing/", views.workreport_missing, name="workreport_missing"),
    path("work-reports/<int:pk>/", views.workreport_detail, name="workreport_detail"),
    path("work-reports/<int:pk>/edit/", views.workreport_edit, name="workreport_edit"),
    path("work-reports/<int:pk>/submit/", views.workreport_submit, name="workreport_submit"),
    path("work-reports/<int:pk>/comment/", views.workreport_comment, name="workreport_comment"),
    path("work-reports/<int:pk>/delete/", views.workreport_delete, name="workreport_delete"),
]
