"""The SalesDesk REST API (DAT-2): one NinjaAPI object, `api`, mounted at /api/ by config/urls.py.

- Operations live under /api/v1/, one router module per domain in salesdesk/api/v1/.
- OpenAPI at /api/openapi.json, Swagger UI at /api/docs (served from ninja's own static files;
  no CDN, works under our CSP `script-src 'self'`).
- Authentication: bearer API token or Django session + CSRF (salesdesk.api.security).
- One error format for everything (salesdesk.api.errors), also for unknown URLs (404) and
  wrong methods (405) under /api/.

Extending the API (later issues): write `salesdesk/api/v1/<domain>.py` with
`router = Router(tags=[...])` and operations on paths such as "/customers", then add the module to
`V1_ROUTER_MODULES` below. Each operation's function name is its OpenAPI operationId
(`<entity>_<action>`, unique across the API; a test checks it).
"""

from __future__ import annotations

from functools import wraps
from importlib import import_module

from django.http import HttpRequest
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger

from salesdesk.api.errors import error_response, install_error_handlers
from salesdesk.api.security import DEFAULT_AUTH

# The routers of /api/v1/, in the order they appear in the documentation.
V1_ROUTER_MODULES = (
    "salesdesk.api.v1.auth",
    "salesdesk.api.v1.org",
    "salesdesk.api.v1.customers",
    "salesdesk.api.v1.segments",
    "salesdesk.api.v1.service",
    "salesdesk.api.v1.system",
    "salesdesk.api.v1.imports",
    "salesdesk.api.v1.inbox",
    "salesdesk.api.v1.handovers",
    "salesdesk.api.v1.pools",
    "salesdesk.api.v1.pipeline",
    "salesdesk.api.v1.sales",
    "salesdesk.api.v1.leads",
    "salesdesk.api.v1.metrics",
    "salesdesk.api.v1.targets",
    "salesdesk.api.v1.workreports",
    "salesdesk.api.v1.performance",
    "salesdesk.api.v1.training",
    "salesdesk.api.v1.tiers",
    "salesdesk.api.v1.commissions",
)


class SalesDeskAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        return operation.view_func.__name__

    def set_default_exception_handlers(self) -> None:
        install_error_handlers(self)

    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            callback = getattr(pattern, "callback", None)
            if callback is not None:
                pattern.callback = _json_method_not_allowed(callback)
        urls.append(re_path(r"^.*$", _unknown_endpoint, name="unknown-endpoint"))
        return urls


def _json_method_not_allowed(view):
    """ninja answers a wrong method with a plain-text 405; answer in the error format instead."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type", "").startswith("text/"):
            allowed = response.get("Allow", "")
            response = error_response(405)
            if allowed:
                response["Allow"] = allowed
        return response

    return wrapped


@csrf_exempt
def _unknown_endpoint(request: HttpRequest, *args, **kwargs):
    return error_response(404)


api = SalesDeskAPI(
    title="SalesDesk API",
    version="1",
    description=(
        "REST API of SalesDesk (销售管理系统). Authenticate with `Authorization: Bearer <token>` "
        "(create one with POST /api/v1/auth/token) or, in the browser, with your signed-in "
        "session. "
        "Every list is paginated with `page` and `page_size`; every error answers "
        '`{"code", "message", "fields"}`.'
    ),
    urls_namespace="api",
    docs_url="/docs",
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    auth=DEFAULT_AUTH,
)

for module_path in V1_ROUTER_MODULES:
    api.add_router("v1/", import_module(module_path).router)
