"""Every error as JSON of one shape: ``{"detail": "...", "errors": {field: [...]}}``
(``errors`` only for invalid input). A refusal of the ticket services (``ActionError``,
``ReplyError``) is a 400 with their message, which is written for the person asking."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from helpdesk.replies.errors import ReplyError
from helpdesk.replies.rendering import RenderError
from helpdesk.tickets.actions import ActionError

INVALID = "The request is not valid: see “errors”."


class Refused(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request was refused."
    default_code = "refused"


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ActionError | ReplyError | RenderError):
        exc = Refused(str(exc))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data
        if not isinstance(errors, dict):
            errors = {"non_field_errors": errors}
        response.data = {"detail": INVALID, "errors": errors}
    elif not (isinstance(response.data, dict) and "detail" in response.data):
        response.data = {"detail": response.data}
    return response
