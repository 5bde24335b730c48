"""Roles are groups: ``agent``, ``manager``, ``admin``. Agents work the tickets of their
queues; managers and admins see every queue (admins also get Django's admin)."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

AGENT = "agent"
MANAGER = "manager"
ADMIN = "admin"
ROLES = [AGENT, MANAGER, ADMIN]
SEES_ALL_QUEUES = [MANAGER, ADMIN]


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The user's role names, read once per request (kept on the user object)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_helpdesk_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        if user.is_superuser:
            cached |= {ADMIN}
        user._helpdesk_roles = cached
    return cached


def sees_all_queues(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user_roles(user) & set(SEES_ALL_QUEUES))


def is_helpdesk_user(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Anyone with a role; a user with none sees no tickets at all."""
    return bool(user_roles(user))
