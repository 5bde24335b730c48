"""API tokens in Django admin: an admin makes a token for any helpdesk user (the secret is
shown once, in the message after saving) and revokes any token. Nothing else is editable:
a token's scopes are fixed when it is made."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from .forms import TokenForm
from .models import ApiToken
from .tokens import TokenError, token_check, token_create, token_revoke


class TokenAddForm(forms.ModelForm):
    scopes = TokenForm.base_fields["scopes"]

    class Meta:
        model = ApiToken
        fields = ["user", "name"]

    def clean(self) -> dict:
        data = super().clean()
        # Everything token_create refuses, refused here: an error raised when saving is a
        # server error in the admin (a user without a helpdesk role was one).
        if data.get("user") and data.get("scopes") and data.get("name"):
            try:
                token_check(user=data["user"], name=data["name"], scopes=data["scopes"])
            except TokenError as exc:
                raise ValidationError(str(exc)) from exc
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "scopes", "created_at", "last_used_at",
                    "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    actions = ["revoke"]

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = TokenAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        if obj is None:
            return []
        return ["user", "name", "prefix", "scopes", "created_at", "created_by", "last_used_at",
                "revoked_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool) -> None:
        if change:
            return  # nothing of a token is edited after it is made
        try:
            created = token_create(user=form.cleaned_data["user"],
                                   name=form.cleaned_data["name"],
                                   scopes=form.cleaned_data["scopes"], created_by=request.user)
        except TokenError as exc:
            raise ValidationError(str(exc)) from exc
        obj.pk = created.token.pk
        obj.__dict__.update({k: v for k, v in created.token.__dict__.items()
                             if not k.startswith("_")})
        messages.warning(request, f"Copy the token now, it is not shown again: {created.secret}")

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset) -> None:
        for token in queryset:
            token_revoke(token=token)
        self.message_user(request, f"{queryset.count()} token(s) revoked.")
