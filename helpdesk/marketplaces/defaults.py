"""The marketplaces the product knows out of the box (editable in admin)."""

# (code, name, platform, domain, relay domain, language, time zone, reply limit hours, default)
CHANNELS = [
    ("amazon-com", "Amazon.com", "amazon", "amazon.com", "marketplace.amazon.com", "en",
     "America/Los_Angeles", 24, False),
    ("amazon-ca", "Amazon.ca", "amazon", "amazon.ca", "marketplace.amazon.ca", "en",
     "America/Toronto", 24, False),
    ("amazon-co-uk", "Amazon.co.uk", "amazon", "amazon.co.uk", "marketplace.amazon.co.uk", "en",
     "Europe/London", 24, False),
    ("amazon-de", "Amazon.de", "amazon", "amazon.de", "marketplace.amazon.de", "de",
     "Europe/Berlin", 24, False),
    ("amazon-fr", "Amazon.fr", "amazon", "amazon.fr", "marketplace.amazon.fr", "fr",
     "Europe/Paris", 24, False),
    ("amazon-it", "Amazon.it", "amazon", "amazon.it", "marketplace.amazon.it", "it",
     "Europe/Rome", 24, False),
    ("amazon-es", "Amazon.es", "amazon", "amazon.es", "marketplace.amazon.es", "es",
     "Europe/Madrid", 24, False),
    ("amazon-co-jp", "Amazon.co.jp", "amazon", "amazon.co.jp", "marketplace.amazon.co.jp", "ja",
     "Asia/Tokyo", 24, False),
    ("kaufland-de", "Kaufland.de", "kaufland", "kaufland.de", "kaufland-marktplatz.de", "de",
     "Europe/Berlin", 48, False),
    ("other", "Other mail", "other", "", "", "en", "UTC", 24, True),
]


def channels_install_defaults(apps=None) -> int:
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    channel_model = apps.get_model("marketplaces", "Channel")
    created = 0
    for code, name, platform, domain, relay, language, tz, hours, default in CHANNELS:
        _, made = channel_model.objects.get_or_create(
            code=code,
            defaults=dict(name=name, platform=platform, domain=domain, relay_domain=relay,
                          language=language, time_zone=tz, reply_limit_hours=hours,
                          is_default=default),
        )
        created += made
    return created
