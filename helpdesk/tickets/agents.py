"""An agent's own settings (``AgentProfile``): changed on their account page."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from .models import AgentProfile


def agent_profile_update(*, user: AbstractBaseUser, time_zone: str) -> AgentProfile:
    profile, _created = AgentProfile.objects.update_or_create(
        user=user, defaults={"time_zone": time_zone}
    )
    return profile


def agent_time_zone(*, user: AbstractBaseUser) -> str:
    return (
        AgentProfile.objects.filter(user=user).values_list("time_zone", flat=True).first()
        or settings.TIME_ZONE
    )
