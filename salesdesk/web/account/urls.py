from django.urls import path
from django.views.generic import TemplateView

# Placeholder until the sign-in views exist.
urlpatterns = [
    path("login/", TemplateView.as_view(template_name="base.html"), name="login"),
]
