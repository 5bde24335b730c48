"""The inbox's query string and its bulk action as forms: every value checked, a wrong one
named on the page (the default is used for that value alone), never a server error and never
silently read as "none"."""

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.validators import RegexValidator
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from helpdesk.db import ID_MAX, row_id
from helpdesk.marketplaces.models import Channel
from helpdesk.tickets.selectors import user_scope, users_assignable

from .bulk import BULK_ACTIONS
from .filters import UNASSIGNED, VIEWS, InboxQuery

# What an agent may type in the search box; longer text is refused, not cut (a cut search
# would find something other than what was asked).
SEARCH_MAX = 200
# 50 tickets a page: five million tickets. Past it a number is a typo, not a page.
PAGE_MAX = 100_000
# A language as tickets carry it: "de", "en", "pt-BR", "zh-Hant".
LANGUAGE = RegexValidator(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$",
                          _("Enter a language code such as “de” or “pt-BR”."))


def _problems(form: forms.Form) -> list[str]:
    return [
        f"{form.fields[name].label or name}: {message}"
        for name, messages in form.errors.items() for message in messages
    ]


def _is_id(value: object) -> bool:
    return row_id(value) is not None


class TicketIdsField(forms.TypedMultipleChoiceField):
    """Ticket ids, as checkboxes send them: any id (only tickets the user may see are ever
    read), empty values skipped."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(coerce=int, **kwargs)

    def to_python(self, value: object) -> list[str]:
        return [v for v in super().to_python(value) if v != ""]

    def valid_value(self, value: object) -> bool:
        return _is_id(value)


class InboxQueryForm(forms.Form):
    """The inbox's view, facets, search, page, cursor and selection (the htmx refresh
    carries the last two back)."""

    view = forms.ChoiceField(choices=VIEWS, required=False, label=_("View"))
    channel = forms.TypedChoiceField(coerce=int, empty_value=None, required=False,
                                     label=_("Channel"))
    language = forms.CharField(max_length=10, required=False, validators=[LANGUAGE],
                               label=_("Language"))
    assignee = forms.ChoiceField(required=False, label=_("Assignee"))
    q = forms.CharField(max_length=SEARCH_MAX, required=False, label=_("Search"))
    page = forms.IntegerField(min_value=1, max_value=PAGE_MAX, required=False,
                              label=_("Page"))
    cursor = forms.IntegerField(min_value=1, max_value=ID_MAX, required=False,
                                label=_("Highlighted ticket"))
    selected = TicketIdsField(required=False, label=_("Selected tickets"))

    def __init__(self, data: QueryDict, *, user: AbstractBaseUser) -> None:
        super().__init__(data)
        scope = user_scope(user)
        channels = Channel.objects.all()
        if not scope.everything:
            channels = channels.filter(pk__in=scope.channel_ids())
        self.fields["channel"].choices = [("", "")] + [
            (pk, str(pk)) for pk in channels.values_list("pk", flat=True)
        ]
        self.fields["assignee"].choices = [("", ""), (UNASSIGNED, UNASSIGNED)] + [
            (str(pk), str(pk)) for pk in users_assignable().values_list("pk", flat=True)
        ]

    def query(self) -> InboxQuery:
        """What to show: the valid values, and the default where one was wrong."""
        self.is_valid()
        data = self.cleaned_data
        q = (data.get("q") or "").strip()
        assignee = data.get("assignee") or None
        return InboxQuery(
            # A search looks at every ticket unless a view was picked: old cases are what
            # agents search for.
            view=data.get("view") or ("all" if q else "open"),
            channel=data.get("channel"),
            language=data.get("language") or "",
            assignee=assignee if assignee in (None, UNASSIGNED) else int(assignee),
            q=q,
            page=data.get("page") or 1,
        )

    def problems(self) -> list[str]:
        return _problems(self)




class BulkForm(forms.Form):
    """A bulk action on the selected tickets; "next" is checked by the view (it needs the
    request's host)."""

    action = forms.ChoiceField(choices=list(BULK_ACTIONS.items()), label=_("Action"),
                               error_messages={"required": _("Choose an action.")})
    selected = TicketIdsField(label=_("Tickets"),
                              error_messages={"required": _("Select at least one ticket.")})
    # Anyone by id: whether that person may take these tickets is the assigning's rule,
    # which names the refusal.
    assignee = forms.RegexField(r"^(none|[0-9]{1,18})$", required=False, label=_("Assign to"))
    confirm = forms.ChoiceField(choices=[("", ""), ("yes", "yes")], required=False,
                                label=_("Confirmation"))

    def problems(self) -> list[str]:
        return _problems(self)


class TicketActionForm(forms.Form):
    """The ids a ticket's own actions take: a wrong one is named, never read as "nobody"
    (an assignee) or a server error (a case)."""

    assignee = forms.RegexField(r"^(none|[0-9]{1,18})$", required=False, label=_("Assign to"))
    escalation = forms.IntegerField(min_value=1, max_value=ID_MAX, required=False,
                                    label=_("Case"))

    def problems(self) -> list[str]:
        return _problems(self)
