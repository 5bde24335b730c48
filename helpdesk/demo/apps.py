from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data of ``make run`` (``load_demo``): above every other app, none imports it."""

    name = "helpdesk.demo"
    verbose_name = "Demo data"
