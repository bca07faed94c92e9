from django.urls import path

from salesdesk.web.inbox import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bell/", views.inbox_bell, name="inbox_bell"),
    path("email/", views.inbox_email, name="inbox_email"),
    path("tasks/<int:pk>/complete/", views.inbox_task_complete, name="inbox_task_complete"),
]
