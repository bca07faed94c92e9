from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "salesdesk.demo"
    label = "demo"
