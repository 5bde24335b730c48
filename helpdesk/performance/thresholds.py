"""The limits Amazon judges an account by (shared DOMAIN.md, "What sellers are measured on"),
written once: the health page, the alerts and the tests read them from here."""

from dataclasses import dataclass

from helpdesk.reports.selectors import ODR_LIMIT

from .models import Metric

# A figure "moves towards" its limit when it is within this share of the limit and worse
# than the previous snapshot of the same marketplace (docs/DECISIONS.md, "Health alerts").
NEARING_SHARE = 0.2


@dataclass(frozen=True)
class Threshold:
    limit: float
    higher_is_worse: bool
    rule: str  # as a seller reads it
    immediate_risk: float | None = None  # the account health rating's second line

    def crossed(self, value: float) -> bool:
        return value >= self.limit if self.higher_is_worse else value < self.limit

    def critical(self, value: float) -> bool:
        return self.immediate_risk is not None and value < self.immediate_risk

    def near(self, value: float) -> bool:
        """Within NEARING_SHARE of the limit, on the good side of it."""
        if self.crossed(value):
            return False
        if self.higher_is_worse:
            return value >= self.limit * (1 - NEARING_SHARE)
        return value < self.limit * (1 + NEARING_SHARE)

    def worse(self, value: float, than: float) -> bool:
        return value > than if self.higher_is_worse else value < than

    def judge(self, value: float | None) -> str:
        if value is None:
            return "unknown"
        if self.critical(value):
            return "critical"
        if self.crossed(value):
            return "crossed"
        return "near" if self.near(value) else "ok"


THRESHOLDS: dict[str, Threshold] = {
    Metric.ODR_MFN: Threshold(ODR_LIMIT, True, "under 1 %"),
    Metric.ODR_AFN: Threshold(ODR_LIMIT, True, "under 1 %"),
    Metric.LATE_SHIPMENT: Threshold(0.04, True, "under 4 %"),
    Metric.PRE_FULFILLMENT_CANCEL: Threshold(0.025, True, "under 2.5 %"),
    Metric.INVOICE_DEFECT: Threshold(0.05, True, "under 5 %"),
    Metric.ACCOUNT_HEALTH: Threshold(200, False, "200 or more; under 100 is immediate risk",
                                     immediate_risk=100),
}
