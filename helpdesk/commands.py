"""What the commands that machines run have in common."""

from django.core.management.base import BaseCommand


class UnattendedCommand(BaseCommand):
    """A command run by cron, a mail hook or a supervisor, often (every minute, per mail
    file), not by a person at a prompt. It skips Django's system checks, which import and
    check every URL, view and admin page (0.45 s each run, more than most runs' own work);
    `manage.py check`, `migrate` and the web server still run them, and so does CI."""

    requires_system_checks: list[str] = []
