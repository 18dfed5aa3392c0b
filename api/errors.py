"""Errors as HTTP answers, in one format: ``application/problem+json`` (RFC 9457).

Every error body is a :class:`Problem`::

    {"type": "urn:torihiki:problem:not_found", "title": "Not Found", "status": 404,
     "detail": "no firm 'F9999'", "error": "not_found"}

``error`` is a short machine-readable code (an RFC 9457 extension member);
validation errors add ``errors`` (where and what). Bodies never carry server
paths, store addresses or exception internals: a store that does not answer
is "the data store is not answering", an unexpected exception is a bare 500
(its details go to the server log).

Routes and dependencies raise:

* :class:`domain.errors.InputError` (any layer) — 422 with its message;
* :class:`queries.store.NotFound` — 404;
* :class:`queries.store.StoreUnavailable` — 503 with ``Retry-After``;
* :class:`Unauthorized` (401, ``WWW-Authenticate: Bearer``),
  :class:`Forbidden` (403), :class:`PayloadTooLarge` (413),
  :class:`TooManyRequests` (429, ``Retry-After``) — or any :class:`ApiError`.

A plain ``ValueError`` is a bug, not bad input: it answers 500.

OpenAPI: :func:`error_responses` documents the problem answers of a route
(``responses=error_responses(404, 413)``); :data:`STANDARD_ERRORS` (401, 403,
422, 429, 503) is what every data route can answer.
"""

from __future__ import annotations

import logging
import math
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from orjson import loads as orjson_loads
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import InputError
from ingest.load import IngestError
from queries.cancel import Cancelled
from queries.scoped import AccessDenied
from queries.store import NotFound, StoreError, StoreUnavailable

__all__ = [
    "PROBLEM_JSON", "Problem", "FieldError", "ApiError", "Unauthorized", "Forbidden", "PayloadTooLarge",
    "TooManyRequests", "ServiceUnavailable", "InputError", "problem_response", "error_responses",
    "STANDARD_ERRORS", "install_error_handlers", "scrub",
]

log = logging.getLogger("torihiki.api")

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    """One invalid request field: where (``loc``, e.g. ``["query", "limit"]``) and what."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An error answer (RFC 9457 problem details)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "type": "urn:torihiki:problem:not_found", "title": "Not Found", "status": 404,
        "detail": "no firm 'F9999'", "error": "not_found"}]})

    type: str = Field(description="a URI naming the kind of problem")
    title: str = Field(description="the HTTP status phrase")
    status: int = Field(description="the HTTP status code")
    detail: str = Field(description="what went wrong, for a person")
    error: str = Field(description="short machine-readable code, e.g. not_found, invalid, unauthorized")
    errors: list[FieldError] | None = Field(default=None, description="invalid fields (422 only)")


class ApiError(Exception):
    """An error with its HTTP status, code and (optional) headers."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class Unauthorized(ApiError):
    """No credentials, or credentials that identify nobody (401)."""

    status, code = 401, "unauthorized"

    def __init__(self, detail: str = "a valid bearer token is required",
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail, {"WWW-Authenticate": "Bearer", **(headers or {})})


class Forbidden(ApiError):
    """Known caller, not allowed to do this (403)."""

    status, code = 403, "forbidden"


class PayloadTooLarge(ApiError):
    """The request body is over the limit (413)."""

    status, code = 413, "payload_too_large"


class TooManyRequests(ApiError):
    """Too many attempts (429); ``retry_after`` in seconds."""

    status, code = 429, "too_many_requests"

    def __init__(self, detail: str = "too many requests", retry_after: float = 60.0) -> None:
        super().__init__(detail, {"Retry-After": str(max(1, math.ceil(retry_after)))})


class ServiceUnavailable(ApiError):
    """The service cannot answer now (503); ``retry_after`` in seconds."""

    status, code = 503, "store_unavailable"

    def __init__(self, detail: str = "the data store is not answering; try again shortly",
                 retry_after: float = 1.0) -> None:
        super().__init__(detail, {"Retry-After": str(max(1, math.ceil(retry_after)))})


_TYPE = "urn:torihiki:problem:"
# An absolute path with at least two parts, not inside a word or a date.
_PATH = re.compile(r"(?<![\w.:/])(?:/[\w.@+-]+){2,}/?")
# host:port or a bolt/neo4j URI.
_ADDRESS = re.compile(r"\b(?:bolt|neo4j)(?:\+s|\+ssc)?://\S+|\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?|"
                      r"\blocalhost(?::\d+)?|\[[0-9a-fA-F:]+\](?::\d+)?")


def scrub(text: str) -> str:
    """``text`` without absolute server paths (kept: the file name) or
    network addresses — defence in depth under messages written for clients."""
    text = _PATH.sub(lambda m: m.group(0).rstrip("/").rsplit("/", 1)[-1], text)
    return _ADDRESS.sub("(server)", text)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Client Closed Request" if status == 499 else "Error"


def problem_response(status: int, code: str, detail: str, headers: dict[str, str] | None = None,
                     errors: list[dict[str, Any]] | None = None) -> JSONResponse:
    """An ``application/problem+json`` answer (``detail`` scrubbed)."""
    body: dict[str, Any] = {"type": _TYPE + code, "title": _title(status), "status": status,
                            "detail": scrub(detail), "error": code}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


_DESCRIPTIONS: dict[int, tuple[str, str, str]] = {
    # status: (description, code, example detail)
    400: ("Malformed request", "bad_request", "the request could not be read"),
    401: ("No valid bearer token (`Authorization: Bearer TOKEN`)", "unauthorized",
          "a valid bearer token is required"),
    403: ("The token's role may not do this", "forbidden", "this role may not use this endpoint"),
    404: ("Unknown (or not visible) firm or resource", "not_found", "no firm 'F9999'"),
    409: ("The server is not set up for this: the research export without `TORIHIKI_EXPORT_KEY`",
          "export_disabled", "the research export is disabled: the server has no TORIHIKI_EXPORT_KEY of at "
          "least 16 characters"),
    413: ("Upload larger than `TORIHIKI_MAX_UPLOAD_BYTES`, refused before the body is read",
          "payload_too_large", "upload larger than 209715200 bytes"),
    422: ("Invalid parameters, or input that cannot be answered as given", "invalid",
          "the window starts after it ends: from 2025-03 is after to 2024-04"),
    429: ("Too many failed attempts; see `Retry-After`", "too_many_requests", "too many requests"),
    503: ("The data store is not answering; see `Retry-After`", "store_unavailable",
          "the data store is not answering; try again shortly"),
}
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before asking again",
                                "schema": {"type": "integer"}}}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for problem answers with these statuses."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        description, code, detail = _DESCRIPTIONS[status]
        entry: dict[str, Any] = {
            "description": description,
            "model": Problem,
            "content": {PROBLEM_JSON: {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "example": {"type": _TYPE + code, "title": _title(status), "status": status,
                            "detail": detail, "error": code},
            }},
        }
        if status in (429, 503):
            entry["headers"] = _RETRY_AFTER
        if status == 401:
            entry["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}}
        out[status] = entry
    return out


STANDARD_ERRORS = error_responses(401, 403, 422, 429, 503)
"""What every data route may answer besides its own (404, 413 …)."""


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Only where and what: no echo of the input, no pydantic URLs.
    return [{"loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
             "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))} for e in exc.errors()]


def _problem_only_openapi(app: FastAPI) -> None:
    """Document problem answers as ``application/problem+json`` only (FastAPI
    adds the route's own media type — JSON, HTML — next to it for a ``model``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for response in operation.get("responses", {}).values():
                    content = response.get("content", {})
                    if PROBLEM_JSON in content:
                        for other in [m for m in content if m != PROBLEM_JSON]:
                            del content[other]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to a problem answer (see the module docstring) and
    document problem answers as ``application/problem+json``."""
    _problem_only_openapi(app)

    @app.exception_handler(ApiError)
    def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return problem_response(exc.status, exc.code, exc.detail, exc.headers)

    @app.exception_handler(InputError)
    def _input_error(_: Request, exc: InputError) -> JSONResponse:
        return problem_response(422, "invalid", str(exc))

    @app.exception_handler(IngestError)
    def _ingest_error(_: Request, exc: IngestError) -> JSONResponse:
        return problem_response(422, "ingest_error", str(exc))

    @app.exception_handler(RequestValidationError)
    def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        where = "; ".join(f"{'.'.join(map(str, e['loc'][1:] or e['loc']))}: {e['msg']}" for e in errors)
        return problem_response(422, "invalid", where or "invalid request", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            exc.status_code, HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
            if exc.status_code in HTTPStatus._value2member_map_ else "error")
        return problem_response(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(NotFound)
    def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return problem_response(404, "not_found", str(exc))

    @app.exception_handler(AccessDenied)
    def _access_denied(_: Request, exc: AccessDenied) -> JSONResponse:
        # raised by queries.scoped for a kind of read (never for one firm)
        return problem_response(403, "forbidden", str(exc))

    @app.exception_handler(Cancelled)
    def _cancelled(_: Request, exc: Cancelled) -> JSONResponse:
        return problem_response(499, "client_closed_request", "the client went away")

    @app.exception_handler(StoreUnavailable)
    def _unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
        log.warning("store unavailable on %s %s: %s", request.method, request.url.path, exc)
        retry = str(max(1, math.ceil(getattr(exc, "retry_after", 1.0))))
        return problem_response(503, "store_unavailable",
                                "the data store is not answering; try again shortly", {"Retry-After": retry})

    @app.exception_handler(StoreError)
    def _store_error(request: Request, exc: StoreError) -> JSONResponse:
        log.error("store error on %s %s: %s", request.method, request.url.path, exc)
        return problem_response(500, "store_error", "the data store failed to answer this request")

    @app.exception_handler(Exception)
    def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem_response(500, "internal_error", "an unexpected error; it has been logged")

    _pages_answer_in_html(app)


def _wants_page(request: Request) -> bool:
    """Whether an error found before any page's route ran (an unknown address
    under ``/ui``, a mistyped link followed in a browser) should answer as a
    page: under ``/ui``, or a GET from a browser (``text/html`` in ``Accept``;
    programs ask for JSON), or a form a browser sent (the sign-in form while
    the store does not answer showed the problem's JSON)."""
    path = request.url.path
    browser = "text/html" in request.headers.get("accept", "")
    form = request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded",
                                                               "multipart/form-data"))
    return (path == "/ui" or path.startswith("/ui/")
            or (request.method in ("GET", "HEAD") and browser) or (request.method == "POST" and browser and form))


def _signed_in(request: Request) -> Any:
    """Who is signed in, for an error page's header (its menu, the way
    back): the route's principal, or for an address no route answers (a
    mistyped link) the session's; ``None`` when the store cannot tell (the
    error may be that it does not answer)."""
    from api.web.session import session_principal

    principal = getattr(request.state, "principal", None)
    if principal is not None:
        return principal
    try:
        return session_principal(request)
    except Exception:  # noqa: BLE001 - the error page is shown without a menu rather than not at all
        return None


def _pages_answer_in_html(app: FastAPI) -> None:
    """The same errors on a UI page (``api.web``) answer as an HTML page in
    the reader's language with the same status and detail; a page asked for
    without a session — a UI page, or any GET from a browser asking for
    HTML (a network view or memo link) — redirects to the login page. API
    clients (no ``text/html`` in ``Accept``) keep their 401."""
    from fastapi.responses import RedirectResponse, Response

    from api.web.session import LoginRequired

    def wrap(handler: Any) -> Any:
        def page_or_problem(request: Request, exc: Exception) -> Response:
            response: Response = handler(request, exc)
            from api.web.render import is_page, render

            if (response.status_code == 401 and request.method in ("GET", "HEAD")
                    and "text/html" in request.headers.get("accept", "")):
                # a person following a link (to a network view, a memo) without a session
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(LoginRequired(target).location, status_code=303)
            if not (is_page(request) or _wants_page(request)) or not isinstance(response, JSONResponse):
                return response
            problem = orjson_loads(bytes(response.body))
            headers = {k: v for k, v in response.headers.items() if k.lower() == "retry-after"}
            return render(request, "error.html", status_code=response.status_code, headers=headers,
                          problem=problem, user=_signed_in(request))
        return page_or_problem

    for key, handler in list(app.exception_handlers.items()):
        app.exception_handlers[key] = wrap(handler)

    @app.exception_handler(LoginRequired)
    def _login(_: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(exc.location, status_code=303)
