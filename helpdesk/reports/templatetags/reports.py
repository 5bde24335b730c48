"""Figures as managers read them, and whether the nav shows "Reports"."""

from django import template
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from helpdesk.accounts.roles import sees_all_queues

register = template.Library()


@register.filter
def sees_reports(user: AbstractBaseUser | AnonymousUser) -> bool:
    return sees_all_queues(user)


@register.filter
def hours(seconds: int | float | None) -> str:
    """Response seconds as hours with one decimal (the command prints the same)."""
    return "—" if seconds is None else f"{seconds / 3600:.1f} h"


@register.filter
def share(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"
