"""A mail's dedup key is the same whether it was kept unparsed (the webhook) or read whole."""

import pytest
from mails import FIXTURE_MAIL

from helpdesk.mail.parse import ParseError, parse_mail
from helpdesk.mail.records import dedup_keys
from helpdesk.mail.sources.files import mails_read, paths_expand


def _mails() -> list[bytes]:
    return [raw for path in paths_expand([FIXTURE_MAIL]) if path.suffix == ".eml"
            for _, raw in mails_read(path)]


@pytest.mark.parametrize("raw", _mails(), ids=lambda raw: str(len(raw)))
def test_the_key_read_from_the_header_block_is_the_key_of_the_parsed_mail(raw):
    try:
        parsed = parse_mail(raw)
    except ParseError:
        pytest.skip("not a mail")
    assert dedup_keys(raw) == dedup_keys(raw, parsed.message_id)


def test_a_folded_message_id_is_read_from_the_header_block():
    raw = b"From: a@b.example\r\nMessage-ID:\r\n <folded@id.example>\r\nSubject: x\r\n\r\nbody\r\n"
    assert dedup_keys(raw)[0] == "mid:<folded@id.example>"
    assert dedup_keys(raw) == dedup_keys(raw, parse_mail(raw).message_id)
