"""Who a reply may go to: a buyer's relay alias yes, a marketplace's system sender never."""

import pytest

from helpdesk.replies.addressing import is_system_sender

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("address", [
    "atoz-guarantee-no-reply@amazon.com", "seller-guarantee@amazon.com",
    "atoz-guarantee-no-reply@amazon.co.jp", "cb-seller-notification@amazon.com",
    "order-update@amazon.de", "donotreply@amazon.fr", "do-not-reply@amazon.com",
    "auto-communication@amazon.it", "noreply@kaufland.de", "no-reply@some-shop.example",
    "Seller-Guarantee@Amazon.com",
])
def test_marketplace_and_no_reply_senders_are_system_senders(address):
    assert is_system_sender(address)


@pytest.mark.parametrize("address", [
    "abc123xyz@marketplace.amazon.com", "k2p9+1f3a@marketplace.amazon.co.uk",
    "x7@marketplace.amazon.co.jp", "kunde-42@kaufland-marktplatz.de",
    "jane.doe@example.com", "buyer@members.ebay.de", "jürgen@exämple.de",
])
def test_buyers_and_people_are_not(address):
    assert not is_system_sender(address)
