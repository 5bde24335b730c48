from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html

from helpdesk.patterns import ANY_TEXT_PROBLEM, pattern_problem

from .models import (
    RULE_FLAGS,
    BodyMarker,
    ExtractionPattern,
    Mailbox,
    MailboxFolderState,
    RawMail,
    RawMailStatus,
    RecognitionRule,
    SellerPattern,
    kind_pattern_too_broad,
)
from .rule_trial import rule_trial
from .services import Outcome, raw_mail_process

# The stored mails offered for a trial run, newest first.
TRIAL_CHOICES = 25


@admin.register(RawMail)
class RawMailAdmin(admin.ModelAdmin):
    list_display = ["id", "received_at", "status", "source", "size", "quarantine_reason"]
    list_filter = ["status", "received_at"]
    search_fields = ["dedup_key", "sha256", "source", "quarantine_reason"]
    readonly_fields = [f.name for f in RawMail._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Process the selected quarantined mail again")
    def retry(self, request, queryset) -> None:
        results = [
            raw_mail_process(raw_mail_id=pk)
            for pk in queryset.filter(status=RawMailStatus.QUARANTINED).values_list("pk", flat=True)
        ]
        stored = sum(r.outcome == Outcome.STORED for r in results)
        self.message_user(
            request, f"{stored} of {len(results)} stored; the rest stay quarantined.",
            messages.SUCCESS if stored == len(results) else messages.WARNING,
        )


class TrialForm(forms.Form):
    raw_mail = forms.IntegerField(
        label="Stored mail (id)", min_value=1, max_value=2**63 - 1,
        help_text="The id of a raw mail, as listed under Mail › Raw mails.",
    )

    def clean_raw_mail(self) -> RawMail:
        raw_mail = RawMail.objects.filter(pk=self.cleaned_data["raw_mail"]).first()
        if raw_mail is None:
            raise forms.ValidationError("There is no stored mail with this id.")
        return raw_mail


def row_problem(row: SellerPattern) -> str:
    """Why the row is skipped when mail is read: noted then, or visible in its patterns now
    (a row written around the admin's form, e.g. by a script)."""
    if row.last_error:
        return row.last_error
    if problem := row.choice_problem():
        return problem
    sources = [row.begin, row.end] if isinstance(row, BodyMarker) else [row.pattern]
    if problem := next((p for s in sources if s and (p := pattern_problem(s, RULE_FLAGS))), ""):
        return problem
    if isinstance(row, RecognitionRule) and kind_pattern_too_broad(row.pattern):
        return ANY_TEXT_PROBLEM
    return ""


class SellerPatternAdmin(admin.ModelAdmin):
    """A rule list: patterns checked where they are typed, rows that fail when mail is read
    shown, and a dry run of any row on a stored mail."""

    actions = ["trial"]
    readonly_fields = ["last_error", "last_error_at"]

    @admin.display(description="Problem")
    def problem(self, row: SellerPattern) -> str:
        return row_problem(row)

    @admin.display(description="Dry run")
    def trial_link(self, row: SellerPattern) -> str:
        return format_html('<a href="{}">Test on a stored mail</a>',
                           reverse(self._url_name("trial"), args=[row.pk]))

    def _url_name(self, suffix: str) -> str:
        meta = self.model._meta
        return f"admin:{meta.app_label}_{meta.model_name}_{suffix}"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        if request.method == "GET":
            failing = [row for row in self.model.objects.all() if row_problem(row)]
            if failing:
                messages.warning(request, (
                    f"{len(failing)} row(s) are skipped when mail is read (mail is still "
                    "filed without them): " + "; ".join(
                        f"#{row.pk}: {row_problem(row)}" for row in failing[:5])
                ))
        return super().changelist_view(request, extra_context)

    @admin.action(description="Test this rule against a stored mail")
    def trial(self, request: HttpRequest, queryset) -> HttpResponse | None:
        rows = list(queryset.values_list("pk", flat=True)[:2])
        if len(rows) != 1:
            self.message_user(request, "Pick exactly one row to test.", messages.WARNING)
            return None
        return HttpResponseRedirect(reverse(self._url_name("trial"), args=[rows[0]]))

    def get_urls(self):
        return [
            path("<int:object_id>/test/", self.admin_site.admin_view(self.trial_view),
                 name=self._url_name("trial").removeprefix("admin:")),
            *super().get_urls(),
        ]

    def trial_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Read-only: what the row matches on the chosen mail and what the mail would
        become; nothing is saved."""
        if not self.has_view_permission(request):
            return redirect("admin:index")
        row = get_object_or_404(self.model, pk=object_id)
        form = TrialForm(request.GET if "raw_mail" in request.GET else None)
        trial = rule_trial(rule=row, raw_mail=form.cleaned_data["raw_mail"]) if (
            form.is_bound and form.is_valid()) else None
        return render(request, "admin/mail/rule_trial.html", {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Test “{row}” on a stored mail",
            "row": row,
            "form": form,
            "trial": trial,
            "recent": RawMail.objects.filter(status=RawMailStatus.STORED)[:TRIAL_CHOICES],
        })


@admin.register(RecognitionRule)
class RecognitionRuleAdmin(SellerPatternAdmin):
    list_display = ["name", "platform", "language", "field", "pattern", "message_kind",
                    "priority", "active", "problem", "trial_link"]
    list_filter = ["platform", "language", "field", "message_kind", "active"]
    list_editable = ["priority", "active"]
    search_fields = ["name", "pattern"]


@admin.register(BodyMarker)
class BodyMarkerAdmin(SellerPatternAdmin):
    list_display = ["platform", "language", "begin", "end", "active", "problem", "trial_link"]
    list_filter = ["platform", "language", "active"]


@admin.register(ExtractionPattern)
class ExtractionPatternAdmin(SellerPatternAdmin):
    list_display = ["what", "platform", "field", "pattern", "priority", "active", "problem",
                    "trial_link"]
    list_filter = ["what", "platform", "field", "active"]


class FolderStateInline(admin.TabularInline):
    model = MailboxFolderState
    extra = 0
    readonly_fields = ["folder", "uid_validity", "last_uid"]


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["name", "host", "port", "username", "folders", "active", "last_polled_at",
                    "last_error"]
    list_filter = ["active"]
    inlines = [FolderStateInline]
