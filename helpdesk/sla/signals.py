"""What the clocks announce (see ``tickets.signals`` for how these are meant)."""

from django.dispatch import Signal

# The sweep found clocks at risk (each once, when its at-risk alert goes): ``obligation_ids``.
clocks_at_risk = Signal()
# The sweep recorded breaches (each once, when its alert goes): ``violation_ids``.
clocks_breached = Signal()
