from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from .importing import performance_import
from .models import ContactResponseFigure, HealthAlert, HealthFigure, PerformanceImport
from .schema import MAX_BYTES, ReportInvalid


class PerformanceReportForm(forms.Form):
    report = forms.FileField(
        help_text="Amazon's seller performance report (JSON, Reports API). A file imported "
        "before changes nothing; a bad field refuses the whole file."
    )


class FigureInline(admin.TabularInline):
    model = HealthFigure
    extra = 0
    can_delete = False
    fields = ["marketplace_id", "metric", "window_from", "window_until", "value", "count",
              "total", "status"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PerformanceImport)
class PerformanceImportAdmin(admin.ModelAdmin):
    list_display = ["report_date", "filename", "imported_at", "imported_by"]
    readonly_fields = ["sha256", "filename", "imported_at", "imported_by", "report_date"]
    inlines = [FigureInline]
    change_list_template = "admin/performance/performanceimport/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # an import comes from a file: the upload below

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a snapshot is what Amazon said; it is never edited

    def may_upload(self, request: HttpRequest) -> bool:
        return request.user.has_perm("performance.add_performanceimport")

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view),
                 name="performance_performanceimport_upload"),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.may_upload(request):
            return redirect("admin:performance_performanceimport_changelist")
        form = PerformanceReportForm(request.POST or None, request.FILES or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["report"]
            if upload.size > MAX_BYTES:
                problems = [f"The file is over {MAX_BYTES // 1024 // 1024} MB."]
            else:
                try:
                    result = performance_import(raw=upload.read(), filename=upload.name,
                                                user=request.user)
                except ReportInvalid as exc:
                    problems = [str(p) for p in exc.problems]
                else:
                    if result.created:
                        self.message_user(
                            request,
                            f"Imported the report of {result.source.report_date:%Y-%m-%d}: "
                            f"{result.health_figures} health figures, {result.contact_figures} "
                            f"contact response windows, {result.alerts} alert(s).",
                            messages.SUCCESS,
                        )
                    else:
                        self.message_user(request, "This file was imported before; nothing "
                                          "changed.", messages.INFO)
                    return redirect("admin:performance_performanceimport_changelist")
        return render(request, "admin/performance/performanceimport/upload.html", {
            **self.admin_site.each_context(request), "form": form, "problems": problems,
            "opts": self.model._meta, "title": "Import a seller performance report",
        })


@admin.register(ContactResponseFigure)
class ContactResponseFigureAdmin(admin.ModelAdmin):
    list_display = ["marketplace_id", "window_from", "window_until", "contacts", "within_24h",
                    "after_24h", "no_response_24h", "average_response_hours"]
    list_filter = ["marketplace_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(HealthAlert)
class HealthAlertAdmin(admin.ModelAdmin):
    list_display = ["marketplace_id", "metric", "window_until", "level", "created_at", "sent_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
