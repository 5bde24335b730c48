"""The agent's settings form."""

from zoneinfo import available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _


def _zones() -> list[tuple[str, str]]:
    return [(zone, zone) for zone in sorted(available_timezones()) if "/" in zone or zone == "UTC"]


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=_zones,
        help_text=_("Times in the inbox and on tickets are shown in this zone."),
    )
