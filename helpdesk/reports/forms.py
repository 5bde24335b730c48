"""The reports' query string as a form: every value checked, a wrong one named on the page
(never a server error), and a canonical query for the links and the CSV files."""

from datetime import datetime, tzinfo
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from helpdesk.marketplaces.models import Channel
from helpdesk.sla.models import ObligationKind
from helpdesk.tickets.selectors import users_assignable

from .period import PRESET_LABELS, PeriodError, period_default, period_from
from .tables import Filters

# A date input takes ISO dates only: what <input type="date"> sends, and no locale guessing.
DATE_FORMATS = ["%Y-%m-%d"]


class ReportFilterForm(forms.Form):
    """The period picker and the filters of the reports and violations pages.

    The date inputs always show the period on screen, and the page sends the dates it showed
    (``shown_since``/``shown_until``): dates that differ from them were typed, and typed dates
    mean a custom period even when a preset is still ticked; unchanged ones leave the ticked
    preset in charge."""

    period = forms.ChoiceField(choices=PRESET_LABELS, required=False)
    since = forms.DateField(required=False, input_formats=DATE_FORMATS, label=_("from"))
    until = forms.DateField(required=False, input_formats=DATE_FORMATS, label=_("to"))
    shown_since = forms.DateField(required=False, input_formats=DATE_FORMATS)
    shown_until = forms.DateField(required=False, input_formats=DATE_FORMATS)
    channel = forms.ChoiceField(required=False, label=_("Channel"))
    kind = forms.ChoiceField(choices=[("", "")] + ObligationKind.choices, required=False,
                             label=_("Clock"))
    agent = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                   label=_("Assigned to"))

    def __init__(self, data, *, zone: tzinfo, now: datetime, with_agents: bool = False) -> None:
        super().__init__(data)
        self.zone, self.now = zone, now
        self.fields["channel"].choices = [("", "")] + list(
            Channel.objects.values_list("code", "name")
        )
        self.fields["agent"].choices = [("", "")] + (
            [(u.pk, u.get_username()) for u in users_assignable()] if with_agents else []
        )
        if not with_agents:
            del self.fields["agent"]
        self.period = period_default(zone=zone, now=now)

    def clean(self) -> dict:
        data = super().clean()
        if {"period", "since", "until"} & set(self.errors):
            return data
        key, since, until = data.get("period") or "", data.get("since"), data.get("until")
        if key not in ("", "custom") and (since, until) == (
            data.get("shown_since"), data.get("shown_until")
        ):
            since = until = None  # a preset ticked, the dates left as they were shown
        try:
            self.period = period_from(key=key, since=since, until=until, zone=self.zone,
                                      now=self.now)
        except PeriodError as exc:
            self.add_error(exc.field, str(exc))
        return data

    def filters(self) -> Filters:
        """What to show: the valid values, and the defaults where a value was wrong (the
        page names it)."""
        self.is_valid()
        data = self.cleaned_data
        return Filters(
            period=self.period,
            now=self.now,
            channel_code=data.get("channel") or "",
            kind=data.get("kind") or "",
            agent_id=data.get("agent"),
        )

    def problems(self) -> list[str]:
        """Each wrong value with its field's label, for the note above the figures."""
        labels = {"period": _("Period"), "shown_since": _("from"), "shown_until": _("to")}
        return [
            f"{labels.get(name) or self.fields[name].label or name}: {message}"
            for name, messages in self.errors.items() for message in messages
        ]


def filters_query(f: Filters) -> str:
    """The query string of what is shown, for the links to CSV files and other pages."""
    params = {"period": f.period.key}
    if f.period.key == "custom":
        params.update(since=f.period.first_day.isoformat(), until=f.period.last_day.isoformat())
    params.update({k: v for k, v in (("channel", f.channel_code), ("kind", f.kind),
                                     ("agent", f.agent_id)) if v})
    return urlencode(params)
