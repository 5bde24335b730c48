"""Who may call what: a helpdesk user (agents, managers, admins), with the scope the request
needs. Reading needs ``read``, changing needs ``act``, the order import ``admin``. A token
holds the scopes it was made with; the browser's session (the browsable pages) holds what
the user's role allows. Which tickets a user reaches is ``tickets_visible``'s rule, applied
by every view's queryset."""

from rest_framework import permissions
from rest_framework.request import Request

from helpdesk.accounts.roles import is_helpdesk_user, sees_all_queues

from .models import ApiToken, Scope

SAFE = ("GET", "HEAD", "OPTIONS")


def request_scope(request: Request, view: object) -> str:
    """The scope this request needs: the view's ``scope`` if it names one, else by method."""
    named = getattr(view, "required_scope", None)
    if named:
        return named
    return Scope.READ if request.method in SAFE else Scope.ACT


def scopes_held(request: Request) -> set[str]:
    if isinstance(request.auth, ApiToken):
        held = set(request.auth.scopes)
    else:
        held = {Scope.READ, Scope.ACT, Scope.ADMIN}
    if not sees_all_queues(request.user):
        held.discard(Scope.ADMIN)  # a role taken away takes the scope with it
    return held


class HelpdeskScope(permissions.BasePermission):
    message = "Your API token does not have the scope this needs."

    def has_permission(self, request: Request, view: object) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if not is_helpdesk_user(request.user):
            self.message = "Only helpdesk users (agents, managers, admins) can use the API."
            return False
        needed = request_scope(request, view)
        if needed not in scopes_held(request):
            self.message = f"This needs the “{needed}” scope, which your token does not have."
            return False
        return True


class ManagersOnly(permissions.BasePermission):
    """The reports, as on the web: managers and admins."""

    message = "Only managers and admins can read the reports."

    def has_permission(self, request: Request, view: object) -> bool:
        return sees_all_queues(request.user)
