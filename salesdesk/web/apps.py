from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "salesdesk.web"
    label = "web"
