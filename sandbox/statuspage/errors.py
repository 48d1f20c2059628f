"""Error answers in the dialect of the request: Statuspage's `{"error", "status"}` object,
OnlineOrNot's or incident.io's envelope, or PingPong's `{"detail"}` for their paths (see
dialect.py)."""

from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .dialect import STATUSPAGE, dialect_of
from .model import NotFoundError


def error_response(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A Statuspage error answer."""
    return STATUSPAGE.error(status, message, headers)


def install_error_handlers(app: FastAPI) -> None:
    """Make every error, including unknown routes, answer in its dialect's shape."""

    async def on_http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        dialect = dialect_of(request.url.path)
        return dialect.error(error.status_code, str(error.detail), error.headers)

    async def on_not_found(request: Request, __: Exception) -> JSONResponse:
        return dialect_of(request.url.path).error(404, "Not Found")

    async def on_invalid_request(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        dialect = dialect_of(request.url.path)
        return dialect.error(400, _describe_validation(error))

    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(NotFoundError, on_not_found)
    app.add_exception_handler(RequestValidationError, on_invalid_request)


def _describe_validation(error: RequestValidationError) -> str:
    problems = []
    for problem in error.errors():
        where = ".".join(
            str(part) for part in problem.get("loc", ()) if part != "query"
        )
        problems.append(f"{where}: {problem.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(problems)
