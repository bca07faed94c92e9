from django.urls import path
from django.views.generic import TemplateView

# Placeholder until the shell views exist (home, search, notifications).
urlpatterns = [
    path("", TemplateView.as_view(template_name="base.html"), name="home"),
]
