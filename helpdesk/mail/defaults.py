"""Install the shipped recognisers as rows; existing rows (maybe edited in admin) are kept."""

from .default_rules import BODY_MARKERS, EXTRACTION_PATTERNS, RECOGNITION_RULES


def rules_install_defaults(apps=None) -> int:
    """Create the shipped rules that are missing. Returns how many were created."""
    get = apps.get_model if apps else _live_model
    rule_model = get("mail", "RecognitionRule")
    marker_model = get("mail", "BodyMarker")
    pattern_model = get("mail", "ExtractionPattern")
    created = 0
    for name, platform, language, field, pattern, kind, priority in RECOGNITION_RULES:
        _, made = rule_model.objects.get_or_create(
            name=name,
            defaults=dict(platform=platform, language=language, field=field, pattern=pattern,
                          message_kind=kind, priority=priority),
        )
        created += made
    for platform, language, begin, end in BODY_MARKERS:
        _, made = marker_model.objects.get_or_create(
            platform=platform, language=language, begin=begin, defaults={"end": end}
        )
        created += made
    for platform, what, field, pattern, priority in EXTRACTION_PATTERNS:
        _, made = pattern_model.objects.get_or_create(
            platform=platform, what=what, field=field, pattern=pattern,
            defaults={"priority": priority},
        )
        created += made
    return created


def _live_model(app_label: str, model_name: str):
    from django.apps import apps

    return apps.get_model(app_label, model_name)
