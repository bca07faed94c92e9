from django.urls import path

from salesdesk.web.metrics import views

urlpatterns = [
    path("analysis/metrics/", views.metric_explorer, name="metrics"),
]
