from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Scope
from .tokens import NAME_MAX


class TokenForm(forms.Form):
    """A new token: what it is for and what it may do (``tokens.scopes_check`` decides)."""

    name = forms.CharField(max_length=NAME_MAX, label=_("Name"),
                           help_text=_("What it is for, e.g. “ERP sync”."))
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple,
                                       label=_("Scopes"), initial=[Scope.READ])
