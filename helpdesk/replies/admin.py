from django import forms
from django.contrib import admin, messages
from django.db import models
from django.forms.fields import InvalidJSONInput
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from helpdesk.tickets.models import Ticket, TicketKind

from .compliance import params_problems, params_typing_problems
from .errors import ReplyError
from .models import (
    AgentSignature,
    ComplianceRule,
    Outbox,
    OutboxAttachment,
    OutboxState,
    ReplyTemplate,
    ReplyTemplateVariant,
)
from .outbox import outbox_confirm_delivered, outbox_retry_now, outbox_send_again
from .services import reply_preview


class VariantInline(admin.StackedInline):
    # Each variant's clean() checks syntax and variables: errors show on the field.
    model = ReplyTemplateVariant
    extra = 0
    min_num = 1


class ReplyTemplateForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        choices=TicketKind.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="The ticket kinds it fits; none ticked: every kind.",
    )

    class Meta:
        model = ReplyTemplate
        fields = ["name", "kinds", "default_language", "active"]


class PreviewForm(forms.Form):
    ticket = forms.IntegerField(label="Ticket number", min_value=1)

    def clean_ticket(self) -> Ticket:
        ticket = Ticket.objects.select_related("channel", "buyer", "order").filter(
            pk=self.cleaned_data["ticket"]
        ).first()
        if ticket is None:
            raise forms.ValidationError("There is no ticket with this number.")
        return ticket


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    form = ReplyTemplateForm
    inlines = [VariantInline]
    list_display = ["name", "kinds", "languages", "active", "preview_link"]
    list_filter = ["active"]
    search_fields = ["name", "variants__subject", "variants__body"]
    readonly_fields = ["preview_link"]

    @admin.display(description="Languages")
    def languages(self, obj: ReplyTemplate) -> str:
        return ", ".join(v.language for v in obj.variants.all())

    @admin.display(description="Preview")
    def preview_link(self, obj: ReplyTemplate) -> str:
        if not obj.pk:
            return "Save first."
        url = reverse("admin:replies_replytemplate_preview", args=[obj.pk])
        return format_html('<a href="{}">Preview against a ticket</a>', url)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("variants")

    def get_urls(self) -> list:
        preview = path(
            "<int:pk>/preview/", self.admin_site.admin_view(self.preview_view),
            name="replies_replytemplate_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request, pk: int) -> TemplateResponse:
        template = get_object_or_404(ReplyTemplate, pk=pk)
        form = PreviewForm(request.GET or None)
        result = None
        if form.is_valid():
            result = reply_preview(
                ticket=form.cleaned_data["ticket"], template=template, author=request.user
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "original": template, "title": f"Preview: {template}",
            "form": form, "result": result,
        }
        return TemplateResponse(request, "admin/replies/replytemplate/preview.html", context)


def _holds_nul(value: object) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class ParamsField(forms.JSONField):
    """Django's JSON field, refusing what ``json.loads`` fails on other than by a syntax
    error: nesting past Python's recursion limit (``[[[[…]]]]``) and integers of more than
    4,300 digits were server errors. So was a NUL character (``\\u0000``, pasted with a
    pattern), which PostgreSQL cannot store in JSON."""

    def to_python(self, value: object) -> object:
        try:
            parsed = super().to_python(value)
        except (RecursionError, ValueError) as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if _holds_nul(parsed):
            raise forms.ValidationError("Remove the NUL character (\\u0000): no text holds one.",
                                        code="null_characters_not_allowed")
        return parsed

    def bound_data(self, data: object, initial: object) -> object:
        try:
            return super().bound_data(data, initial)
        except (RecursionError, ValueError):
            return InvalidJSONInput(data)


class ComplianceRuleForm(forms.ModelForm):
    class Meta:
        model = ComplianceRule
        fields = ["name", "kind", "platform", "channel", "language", "severity", "message",
                  "params", "active"]

    def clean(self) -> dict:
        """The parameters against the kind's needs, the patterns compiled as they will run."""
        data = super().clean()
        if "kind" in data and "params" in data and (
            problems := params_typing_problems(data["kind"], data["params"])
        ):
            self.add_error("params", problems)
        return data


@admin.register(ComplianceRule)
class ComplianceRuleAdmin(admin.ModelAdmin):
    form = ComplianceRuleForm
    list_display = ["name", "kind", "platform", "channel", "language", "severity", "active",
                    "problem"]
    list_filter = ["kind", "platform", "channel", "language", "severity", "active"]
    list_editable = ["severity", "active"]
    search_fields = ["name", "message"]
    readonly_fields = ["problem"]
    formfield_overrides = {models.JSONField: {"form_class": ParamsField}}

    @admin.display(description="Cannot be applied")
    def problem(self, obj: ComplianceRule) -> str:
        # A row saved around this form (a script, a database restore) is skipped by the check;
        # the admin sees why here.
        problems = params_problems(obj.kind, obj.params)
        return problems[0] if problems else ""


@admin.register(AgentSignature)
class AgentSignatureAdmin(admin.ModelAdmin):
    list_display = ["user", "text"]
    raw_id_fields = ["user"]


class OutboxAttachmentInline(admin.TabularInline):
    model = OutboxAttachment
    extra = 0
    readonly_fields = ["filename", "content_type", "size", "sha256"]
    can_delete = False


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ["id", "ticket", "state", "to_address", "subject", "attempts",
                    "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["state", "created_at"]
    search_fields = ["subject", "message_id", "to_address", "ticket__subject"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in Outbox._meta.fields]
    inlines = [OutboxAttachmentInline]
    actions = ["retry", "confirm_delivered", "send_again"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Retry the selected failed or queued replies now")
    def retry(self, request, queryset) -> None:
        count = outbox_retry_now(outbox_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} replies handed to the send job; sent ones and "
                          "ones whose delivery is unknown were left alone.", messages.SUCCESS)

    @admin.action(description="Delivery unknown: confirm it reached the buyer")
    def confirm_delivered(self, request, queryset) -> None:
        done = 0
        for outbox in queryset.filter(state=OutboxState.UNCERTAIN):
            outbox_confirm_delivered(outbox=outbox, user=request.user, note="confirmed in admin")
            done += 1
        self.message_user(request, f"{done} replies confirmed as delivered.", messages.SUCCESS)

    @admin.action(description="Delivery unknown: send again (the buyer may get it twice)")
    def send_again(self, request, queryset) -> None:
        done = 0
        for outbox in queryset.filter(state=OutboxState.UNCERTAIN):
            try:
                outbox_send_again(outbox=outbox, user=request.user,
                                  reason="sent again from the admin after checking")
            except ReplyError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            done += 1
        self.message_user(request, f"{done} replies queued again.", messages.WARNING)
