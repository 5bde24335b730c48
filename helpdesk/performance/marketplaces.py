"""Amazon's marketplace IDs (as the Reports API names them) and the channel each is."""

# https://developer-docs.amazon.com/sp-api/docs/marketplace-ids
MARKETPLACE_CHANNELS: dict[str, str] = {
    "ATVPDKIKX0DER": "amazon-com",  # United States
    "A2EUQ1WTGCTBG2": "amazon-ca",  # Canada
    "A1F83G8C2ARO7P": "amazon-co-uk",  # United Kingdom
    "A1PA6795UKMFR9": "amazon-de",  # Germany
    "A13V1IB3VIYZZH": "amazon-fr",  # France
    "APJ6JRA9NG5V4": "amazon-it",  # Italy
    "A1RKKUPIHCS9HS": "amazon-es",  # Spain
    "A1VC38T7YXB528": "amazon-co-jp",  # Japan
}
