"""Amazon's own figures, as imported from its seller performance report: one row per file,
then its figures per marketplace, metric and reporting window. Nothing here is ever updated:
a later report is a later snapshot, so the trend over the snapshots is the history."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models

from helpdesk.marketplaces.models import Channel


class PerformanceImport(models.Model):
    """One imported file, known by the SHA-256 of its bytes: the same file again is this row."""

    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=255, blank=True)
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    report_date = models.DateTimeField(help_text="The end of the latest window in the file.")

    class Meta:
        ordering = ["-report_date", "-pk"]
        verbose_name = "performance report import"

    def __str__(self) -> str:
        return f"{self.filename or self.sha256[:12]} ({self.report_date:%Y-%m-%d})"


class _Window:
    window_until: datetime

    @property
    def window_to(self) -> datetime:
        """Amazon's own last minute of the window (``reportingDateTo``), for display."""
        return self.window_until - timedelta(minutes=1)


class Metric(models.TextChoices):
    ODR_MFN = "odr_mfn", "Order defect rate (seller-fulfilled)"
    ODR_AFN = "odr_afn", "Order defect rate (fulfilled by Amazon)"
    LATE_SHIPMENT = "late_shipment", "Late shipment rate"
    PRE_FULFILLMENT_CANCEL = "pre_fulfillment_cancel", "Pre-fulfilment cancel rate"
    INVOICE_DEFECT = "invoice_defect", "Invoice defect rate"
    VALID_TRACKING = "valid_tracking", "Valid tracking rate"
    ON_TIME_DELIVERY = "on_time_delivery", "On-time delivery rate"
    ACCOUNT_HEALTH = "account_health", "Account health rating"


class HealthFigure(_Window, models.Model):
    """One account-health metric of one marketplace over one window, as Amazon gave it."""

    source = models.ForeignKey(PerformanceImport, on_delete=models.CASCADE,
                               related_name="health_figures")
    marketplace_id = models.CharField(max_length=20)
    channel = models.ForeignKey(Channel, null=True, on_delete=models.PROTECT, related_name="+")
    metric = models.CharField(max_length=30, choices=Metric.choices)
    window_from = models.DateTimeField()
    window_until = models.DateTimeField(help_text="Exclusive: the end of Amazon's last minute.")
    value = models.FloatField(null=True, help_text="The rate (0.01 = 1 %) or the rating.")
    count = models.PositiveIntegerField(null=True, help_text="Defects, late shipments, …")
    total = models.PositiveIntegerField(null=True, help_text="Orders or shipments counted.")
    status = models.CharField(max_length=40, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["marketplace_id", "metric", "window_until"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "marketplace_id", "metric", "window_from", "window_until"],
                name="health_figure_once",
            )
        ]
        indexes = [models.Index(fields=["channel", "metric", "window_until"],
                                name="health_figure_trend")]

    def __str__(self) -> str:
        return f"{self.marketplace_id} {self.metric} to {self.window_until:%Y-%m-%d}"


class ContactResponseFigure(_Window, models.Model):
    """Amazon's buyer-seller contact response figures of one marketplace over one window."""

    source = models.ForeignKey(PerformanceImport, on_delete=models.CASCADE,
                               related_name="contact_figures")
    marketplace_id = models.CharField(max_length=20)
    channel = models.ForeignKey(Channel, null=True, on_delete=models.PROTECT, related_name="+")
    window_from = models.DateTimeField()
    window_until = models.DateTimeField(help_text="Exclusive: the end of Amazon's last minute.")
    contacts = models.PositiveIntegerField()
    within_24h = models.PositiveIntegerField()
    after_24h = models.PositiveIntegerField()
    no_response_24h = models.PositiveIntegerField(
        help_text="Contacts older than 24 h without a response."
    )
    average_response_hours = models.FloatField()

    class Meta:
        ordering = ["marketplace_id", "window_from", "window_until"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "marketplace_id", "window_from", "window_until"],
                name="contact_figure_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.marketplace_id} {self.window_from:%Y-%m-%d}–{self.window_until:%Y-%m-%d}"


class HealthAlert(models.Model):
    """An alert sent for a figure: the same marketplace, metric, window and level never
    alerts twice, whichever file brought it again."""

    marketplace_id = models.CharField(max_length=20)
    metric = models.CharField(max_length=30, choices=Metric.choices)
    window_until = models.DateTimeField()
    level = models.CharField(max_length=10)  # "crossed" or "nearing"
    figure = models.ForeignKey(HealthFigure, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["marketplace_id", "metric", "window_until", "level"],
                                    name="health_alert_once")
        ]

    def __str__(self) -> str:
        return f"{self.level}: {self.marketplace_id} {self.metric}"
