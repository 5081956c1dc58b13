"""Errors of the emulated API: each class carries status, message and errorCode; one function renders them."""

from typing import Any


class WebexError(Exception):
    """An error the emulated API answers with; subclasses fix the HTTP status and a default errorCode.

    The errorCode values are the sandbox's own (Webex's codes differ per service and are not published as a list):
    clients should branch on the HTTP status, as Webex advises.
    """

    status = 500
    error_code = 5000
    default_message = 'Something went wrong on the server.'

    def __init__(
        self,
        message: str | None = None,
        *,
        descriptions: list[str] | None = None,
        error_code: int | None = None,
        headers: dict[str, str] | None = None,
        top_code: int | None = None,
        body: Any = None,
    ):
        self.message = message or self.default_message
        self.descriptions = descriptions or [self.message]
        self.error_code = error_code or self.error_code
        self.headers = headers or {}
        #: the top-level ``errorCode`` of a telephony error (the errors[] one when None)
        self.top_code = top_code
        #: a body Webex sends instead of the usual error object (e.g. the per-number error list of POST .../numbers)
        self.body = body
        super().__init__(self.message)


class BadRequest(WebexError):
    status = 400
    error_code = 4000
    default_message = 'The request was invalid or cannot be otherwise served.'


class Unauthorized(WebexError):
    status = 401
    error_code = 4010
    default_message = 'The request requires a valid access token set in the Authorization request header.'


class Forbidden(WebexError):
    status = 403
    error_code = 4030
    default_message = 'The request is understood, but it has been refused or access is not allowed.'


class NotFound(WebexError):
    status = 404
    error_code = 4040
    default_message = 'The requested resource could not be found.'


class MethodNotAllowed(WebexError):
    status = 405
    error_code = 4050
    default_message = 'The request was made to a resource using an HTTP request method that is not supported.'


class Conflict(WebexError):
    status = 409
    error_code = 4090
    default_message = 'The request could not be processed because it conflicts with some established rule.'


class TooManyRequests(WebexError):
    status = 429
    error_code = 4290
    default_message = 'Too many requests have been sent in a given amount of time; the request has been rate limited.'


class ServerError(WebexError):
    status = 500
    error_code = 5000


_OTHER_MESSAGES = {
    502: 'The server received an invalid response from an upstream server while processing the request.',
    503: 'Server is overloaded with requests. Try again later.',
    504: 'An upstream server failed to respond on time.',
}


def error_for_status(status: int, message: str | None = None) -> WebexError:
    """The error a given status stands for, e.g. for an injected fault."""
    classes = (BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, Conflict, TooManyRequests, ServerError)
    for cls in classes:
        if cls.status == status:
            return cls(message)
    error = WebexError(message or _OTHER_MESSAGES.get(status, f'The server answered with status {status}.'))
    error.status = status
    error.error_code = status * 10
    return error


def error_body(error: WebexError, tracking_id: str, *, telephony: bool = False) -> Any:
    """The JSON body Webex sends with an error: message, errors[{description, errorCode}], trackingId; telephony
    errors (``/v1/telephony/...``) also carry a top-level ``errorCode`` (e.g. 25223 next to errors[].errorCode 8363,
    as wxc_sdk's live tests record). An error with its own ``body`` sends that instead."""
    if error.body is not None:
        return error.body
    body: dict[str, Any] = {
        'message': error.message,
        'errors': [{'description': text, 'errorCode': error.error_code} for text in error.descriptions],
        'trackingId': tracking_id,
    }
    if telephony:
        body['errorCode'] = error.top_code or error.error_code
    return body
