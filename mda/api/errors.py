"""Errors as HTTP answers: a status and one clear line, ``{"detail": "..."}``, never a
traceback, and never a 500 for bad input."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from mda.alerts.lifecycle import AlertNotFoundError
from mda.api.live import AlertConflictError, NoSuchPartnerError
from mda.errors import ConfigError, MdaError, ServiceUnavailableError

log = logging.getLogger("mda.api")

QUERY_CANCELLED = "57014"  # PostgreSQL: statement timeout


class NotFoundError(MdaError):
    """The thing a path names does not exist (a zone, a vessel)."""


def status_of(exc: MdaError) -> int:
    """The HTTP status that says what went wrong."""
    if isinstance(exc, NotFoundError | AlertNotFoundError):
        return 404
    if isinstance(exc, AlertConflictError):
        return 409
    if isinstance(exc, NoSuchPartnerError):
        return 403
    if isinstance(exc, ConfigError):
        return 422
    if isinstance(exc, ServiceUnavailableError):
        return 503
    if getattr(exc.__cause__, "sqlstate", None) == QUERY_CANCELLED:
        return 504
    return 503  # a store failure that is not the request's fault


def _one_line(errors: list[Any]) -> str:
    """FastAPI's list of validation errors as one sentence about the first."""
    if not errors:
        return "invalid request"
    first = errors[0]
    where = [str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body")]
    message = str(first.get("msg", "invalid value"))
    if first.get("type") == "missing":
        message = "required"
    return f"{'.'.join(where)}: {message}" if where else message


def install_handlers(app: FastAPI) -> None:
    """Answer every error as ``{"detail": "..."}``."""

    async def validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"detail": _one_line(list(exc.errors()))}, status_code=422)

    async def mda_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, MdaError)
        status = status_of(exc)
        if status >= 500:
            log.warning("%s %s: %s", request.method, request.url.path, exc)
        return JSONResponse({"detail": str(exc)}, status_code=status)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse({"detail": "internal error (logged by the service)"},
                            status_code=500)  # fmt: skip

    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(MdaError, mda_error)
    app.add_exception_handler(Exception, unexpected)
