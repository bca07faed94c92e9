"""One error format for every API answer that is not a success (DAT-2).

    {"code": "validation_error", "message": "<translated message>", "fields": {"name": ["…"]}}

`code` is stable and meant for programs; `message` is for people, in the request's language;
`fields` maps input field names to their messages (empty when the error is not about a field).
Every exception an operation can raise ends up here: ninja's own (validation, authentication,
HTTP errors, throttling), Django's (ValidationError, PermissionDenied, Http404, DoesNotExist),
StaleEditError (409) and anything unexpected (500, logged, no details leaked).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from salesdesk.core.locking import StaleEditError

logger = logging.getLogger("salesdesk.api")

# Status codes the error codes go with (for HttpErrors raised without an explicit code).
CODE_BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
}


class ErrorOut(Schema):
    """The body of every error answer."""

    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ApiError(HttpError):
    """An error an operation raises on purpose, with its code and translated message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, message)
        self.code = code
        self.fields = fields or {}
        self.headers = headers or {}


def default_message(status: int) -> str:
    messages = {
        400: _("The request could not be read."),
        401: _("Sign in, or send a valid API token."),
        403: _("You do not have permission to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        409: _("The record was changed by someone else."),
        422: _("Some of the data is not valid."),
        429: _("Too many requests. Try again later."),
        500: _("Something went wrong on the server. The error has been logged."),
    }
    return messages.get(status, _("The request failed."))


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}}


def error_response(
    status: int,
    code: str | None = None,
    message: str | None = None,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    return JsonResponse(
        error_body(
            code or CODE_BY_STATUS.get(status, "error"), message or default_message(status), fields
        ),
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


# --- pydantic / ninja validation errors -----------------------------------------------------


def _pydantic_message(error: dict[str, Any]) -> str:
    """A translated message for one pydantic error (English pydantic text as the fallback)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Enter a whole number.")
    if kind in {"float_parsing", "float_type", "decimal_parsing", "decimal_type"}:
        return _("Enter a number.")
    if kind in {"bool_parsing", "bool_type"}:
        return _("Enter true or false.")
    if kind in {"string_type"}:
        return _("Enter text.")
    if kind in {"datetime_parsing", "datetime_type", "datetime_from_date_parsing"}:
        return _("Enter a valid date and time (YYYY-MM-DDTHH:MM:SS).")
    if kind in {"date_parsing", "date_type", "date_from_datetime_parsing"}:
        return _("Enter a valid date (YYYY-MM-DD).")
    if kind in {"list_type"}:
        return _("Enter a list.")
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return _("Enter an object.")
    if kind == "less_than_equal":
        return _("Ensure this value is less than or equal to %(limit)s.") % {"limit": ctx.get("le")}
    if kind == "greater_than_equal":
        return _("Ensure this value is greater than or equal to %(limit)s.") % {
            "limit": ctx.get("ge")
        }
    if kind == "less_than":
        return _("Ensure this value is less than %(limit)s.") % {"limit": ctx.get("lt")}
    if kind == "greater_than":
        return _("Ensure this value is greater than %(limit)s.") % {"limit": ctx.get("gt")}
    if kind == "string_too_long":
        return _("Ensure this value has at most %(limit)s characters.") % {
            "limit": ctx.get("max_length")
        }
    if kind == "string_too_short":
        return _("Ensure this value has at least %(limit)s characters.") % {
            "limit": ctx.get("min_length")
        }
    if kind in {"literal_error", "enum"}:
        return _("Select a valid choice.")
    if kind == "extra_forbidden":
        return _("This field is not allowed here.")
    return str(error.get("msg", "")) or _("Enter a valid value.")


def _field_name(loc: tuple | list) -> str:
    """("body", "payload", "name") → "name"; ("query", "page_size") → "page_size"."""
    parts = [str(p) for p in loc]
    if not parts:
        return NON_FIELD_ERRORS
    source, rest = parts[0], parts[1:]
    if source == "body" and rest:
        rest = rest[1:]  # the operation's parameter name (always "payload")
    return ".".join(rest) or NON_FIELD_ERRORS


def ninja_validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        fields.setdefault(_field_name(error.get("loc", ())), []).append(_pydantic_message(error))
    return fields


def validation_response(fields: dict[str, list[str]], non_field: list[str] | None = None):
    fields = dict(fields)
    non_field = [*(non_field or []), *fields.pop(NON_FIELD_ERRORS, [])]
    if non_field:
        message = " ".join(str(m) for m in non_field)
    else:
        message = _("Some of the data is not valid. See the field errors.")
    return error_response(422, "validation_error", message, fields)


# --- handlers -------------------------------------------------------------------------------


def handle_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return validation_response(ninja_validation_fields(exc.errors))


def handle_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        fields = {
            field: [str(m) for m in DjangoValidationError(errors).messages]
            for field, errors in exc.error_dict.items()
        }
        return validation_response(fields)
    return validation_response({}, [str(m) for m in exc.messages])


def handle_stale_edit(request: HttpRequest, exc: StaleEditError) -> HttpResponse:
    return error_response(409, "conflict", " ".join(str(m) for m in exc.messages))


def handle_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    response = error_response(exc.status_code, exc.code, exc.message, exc.fields)
    for header, value in exc.headers.items():
        response[header] = value
    return response


def handle_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(401, "not_authenticated", default_message(401))


def handle_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = error_response(429, "rate_limited", default_message(429))
    if exc.wait:
        response["Retry-After"] = str(int(exc.wait))
    return response


def handle_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja's own messages ("CSRF check Failed", "Cannot parse request body") are English-only:
    # answer with our translated message for the status instead.
    if exc.status_code == 403 and "CSRF" in str(exc):
        return error_response(
            403, "csrf_failed", _("The security token (CSRF) is missing or wrong. Reload the page.")
        )
    return error_response(exc.status_code)


def handle_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) if exc.args and str(exc) else default_message(403)
    return error_response(403, "permission_denied", message)


def handle_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(404, "not_found", default_message(404))


def handle_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, "server_error", default_message(500))


def install_error_handlers(api) -> None:
    """Register the handlers on a NinjaAPI (the most specific exception class wins)."""
    api.add_exception_handler(Exception, handle_unexpected)
    api.add_exception_handler(HttpError, handle_http_error)
    api.add_exception_handler(ApiError, handle_api_error)
    api.add_exception_handler(AuthenticationError, handle_authentication)
    api.add_exception_handler(Throttled, handle_throttled)
    api.add_exception_handler(NinjaValidationError, handle_ninja_validation)
    api.add_exception_handler(DjangoValidationError, handle_django_validation)
    api.add_exception_handler(StaleEditError, handle_stale_edit)
    api.add_exception_handler(PermissionDenied, handle_permission_denied)
    api.add_exception_handler(Http404, handle_not_found)
    api.add_exception_handler(ObjectDoesNotExist, handle_not_found)


def not_found() -> ApiError:
    return ApiError(404, "not_found", default_message(404))


def forbidden(message: str | None = None) -> ApiError:
    return ApiError(403, "permission_denied", message or default_message(403))


def errors(*statuses: int) -> dict[int, type[Schema]]:
    """The documented error answers of an operation: 401 (every operation needs a signed-in
    caller) plus `statuses`, all with the one error body."""
    return dict.fromkeys((401, *statuses), ErrorOut)
