"""The admin, with every app's admin module imported only where the admin is used."""

from django.contrib import admin
from django.contrib.admin.apps import SimpleAdminConfig
from django.contrib.admin.checks import check_admin_app, check_dependencies
from django.core import checks


def admin_modules_checked(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The admin's own system check, run over every admin module: with the discovery moved
    to the URLconf, `manage.py check` might run it before anything had imported them."""
    admin.autodiscover()
    return check_admin_app(app_configs, **kwargs)


class AdminConfig(SimpleAdminConfig):
    """Django's admin without importing every `admin.py` when Django starts.

    The admin modules import what their pages and actions run (the performance report's
    pydantic schema, webhook delivery, reply rendering): half a second of every start of
    `ingest`, a periodic command or a worker, none of which shows an admin page. The URLconf
    discovers them instead (helpdesk/urls.py), as Django documents for SimpleAdminConfig,
    and so does the admin's system check."""

    def ready(self) -> None:
        checks.register(check_dependencies, checks.Tags.admin)
        checks.register(admin_modules_checked, checks.Tags.admin)
