"""API tokens: made, checked and revoked here only.

A token reads ``hd_<prefix>_<secret>``: the prefix (public, unique) finds the row, the whole
string's SHA-256 is compared in constant time. The secret has 256 bits of randomness, so a
plain hash is enough (no password stretching needed: nothing to guess from)."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from helpdesk.accounts.roles import is_helpdesk_user, sees_all_queues

from .models import ApiToken, Scope

PREFIX = "hd_"
NAME_MAX = 100
# How often a token's "last used" is written: not on every request.
LAST_USED_EVERY = timedelta(minutes=5)
NO_SCOPE = "Choose at least one scope."
UNKNOWN_SCOPE = "Unknown scope: {scopes}."
ADMIN_SCOPE_REFUSED = "Only managers and admins can hold the admin scope."
NO_ROLE = "Only helpdesk users (agents, managers, admins) can hold API tokens."
NAME_REQUIRED = "Give the token a name."


class TokenError(Exception):
    """The token cannot be made; the message is for the person making it."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def scopes_check(*, user: AbstractBaseUser, scopes: list[str]) -> list[str]:
    """The scopes in their canonical order, or ``TokenError`` naming what is wrong."""
    chosen = set(scopes)
    if not chosen:
        raise TokenError(NO_SCOPE)
    if unknown := chosen - set(Scope.values):
        raise TokenError(UNKNOWN_SCOPE.format(scopes=", ".join(sorted(unknown))))
    if Scope.ADMIN in chosen and not sees_all_queues(user):
        raise TokenError(ADMIN_SCOPE_REFUSED)
    return [s for s in Scope.values if s in chosen]


def token_check(
    *, user: AbstractBaseUser, name: str, scopes: list[str]
) -> tuple[str, list[str]]:
    """The name and scopes a token of ``user`` would get, or ``TokenError`` naming what is
    wrong: what a form checks before ``token_create`` is asked."""
    name = " ".join(name.split())
    if not name:
        raise TokenError(NAME_REQUIRED)
    if not is_helpdesk_user(user):
        raise TokenError(NO_ROLE)
    return name[:NAME_MAX], scopes_check(user=user, scopes=scopes)


@transaction.atomic
def token_create(
    *, user: AbstractBaseUser, name: str, scopes: list[str],
    created_by: AbstractBaseUser | None = None, now: datetime | None = None,
) -> NewToken:
    name, scopes = token_check(user=user, name=name, scopes=scopes)
    prefix = secrets.token_hex(4)
    secret = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=_hash(secret),
        scopes=scopes, created_at=now or timezone.now(),
        created_by=created_by or user,
    )
    return NewToken(token=token, secret=secret)


def token_revoke(*, token: ApiToken, now: datetime | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_find(*, secret: str, now: datetime | None = None) -> ApiToken | None:
    """The active token this secret is, with its user; None for anything else."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    prefix, _sep, _rest = secret[len(PREFIX):].partition("_")
    token = (ApiToken.objects.select_related("user")
             .filter(prefix=prefix, revoked_at=None).first() if prefix else None)
    if token is None or not hmac.compare_digest(token.key_hash, _hash(secret)):
        return None
    if not token.user.is_active:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(*, user: AbstractBaseUser):
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at", "-pk")
