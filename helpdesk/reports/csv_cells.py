"""One CSV cell from one value, safe to open in a spreadsheet.

Subjects, product titles, channel and user names come from buyers, Amazon or admins; a cell
starting with ``= + - @`` (or a tab or carriage return, which some spreadsheets skip before
reading a formula) would be run as a formula by Excel, LibreOffice or Google Sheets when the
manager opens the file. Such text is prefixed with ``'``, as OWASP advises ("CSV Injection"):
the spreadsheet then shows the text as it was. Numbers are written as numbers (a negative
rise stays ``-3``): only text can carry a formula.

The file itself (``csv_download``) starts with UTF-8's byte order mark: Excel, which most
managers open a CSV with by a double click, reads a file without one in the computer's
legacy code page, and "Müller" or a Japanese subject came out as "MÃ¼ller" and mojibake.
LibreOffice, Google Sheets, pandas and Python's ``utf-8-sig`` read past the mark.
"""

from datetime import UTC, datetime
from decimal import Decimal

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, bool):
        return "yes" if value else ""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_download(*, filename: str) -> HttpResponse:
    """A response to write a CSV file into, downloaded as ``filename``, its byte order mark
    written."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    return response
