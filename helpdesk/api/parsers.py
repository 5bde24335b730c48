"""The API's JSON parser: DRF's, with a body nested past Python's recursion limit answered
as the parse error it is (DRF catches only ``ValueError``; ``[[[[…]]]]`` was a 500)."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> object:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the body is nested too deeply.") from exc
